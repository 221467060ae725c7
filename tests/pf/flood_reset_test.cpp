// VF_RESET under the flood guard: a reset flood runs the PF's most expensive path only
// reset_burst times at once and then once per reset_period, while a driver's own resets (at
// probe, after a PF reset or a forced reset) and the restore that follows go through, the part
// over the rate a little later, with no refusal and no timeout.
#include "flood_rig.hpp"
#include "hal/ixgbe/regs_pf.hpp"

using namespace pftest;
namespace reg = hal::ixgbe::pf;
using mbx::MsgId;
using pf::EventCode;

namespace {

/// Resets the VF's flood of VF_RESETs got through in `d` (one posted every 100 us pass).
uint64_t resets_in_flood(const pf::MailboxFloodPolicy& policy, hal::Nanos d) {
  pf::PfOptions o = options();
  o.mailbox_flood = policy;
  Rig r(o);
  r.up(2);
  Vf vf(r, 0);
  vf.ready(mbx::Api::k13);
  r.clock.advance(1s);
  const uint64_t before = r.pf.vf_info(vf.id()).counters.resets;
  flood(r, vf, d, kReset);
  return r.pf.vf_info(vf.id()).counters.resets - before;
}

bool acked(const mbx::Message& m) { return m.is_ack() && !m.is_nack() && m.has_cts(); }

}  // namespace

TEST_CASE("a VF_RESET flood is held to reset_burst, then one reset per reset_period",
          "[pf][flood][reset]") {
  pf::MailboxFloodPolicy p;  // the defaults: 4 at once, then one per 200 ms
  const uint64_t guarded = resets_in_flood(p, 2s);
  INFO("resets served in 2 s of flooding: " << guarded);
  CHECK(guarded >= 4 + 9);
  CHECK(guarded <= 4 + 11);
  // Without the guard every pass runs a reset: what the bound is for.
  CHECK(resets_in_flood(pf::MailboxFloodPolicy::off(), 2s) == 20000);
  // reset_period 0: VF_RESET only counts against the request rate (1000/s here).
  p.reset_period = hal::Nanos::zero();
  CHECK(resets_in_flood(p, 2s) >= 1900);
}

TEST_CASE("a VF's own resets go through: at once within reset_burst, within reset_period "
          "beyond it, never refused",
          "[pf][flood][reset]") {
  Rig r;  // the default policy
  r.up(1);
  Vf vf(r, 0);
  // Probe, then three forced resets in a row (trust on, trust off, link state): the burst.
  const hal::Nanos t0 = r.clock.now();
  for (int i = 0; i < 4; ++i) {
    INFO("reset " << i);
    CHECK_FALSE(vf.reset().ack);  // a real VF_RESET reply: NACK means "no admin MAC"
  }
  CHECK(r.clock.now() - t0 < 10ms);
  // A fifth at once waits for its token (at most 200 ms, far inside the VF's 1 s timeout),
  // with the request left pending meanwhile.
  REQUIRE(vf.mbx().write(kReset.words()).has_value());
  r.pf.service_once();
  CHECK(request_pending(r, vf.id()));
  const hal::Nanos t1 = r.clock.now();
  auto m = vf.mbx().read_posted(4);
  REQUIRE(m.has_value());
  CHECK(mbx::ResetReply::decode(m->words()).has_value());
  CHECK(r.clock.now() - t1 <= 200ms);
  CHECK(r.pf.vf_info(vf.id()).counters.resets == 5);
  CHECK(r.pf.vf_info(vf.id()).clear_to_send);
  CHECK(r.count(EventCode::kVfReset) == 5);
}

TEST_CASE("a restore of ~200 requests (every spare RAR entry, 64 VLANs) succeeds under the "
          "default policy, slower past the burst, with no NACK",
          "[pf][flood][restore]") {
  Rig r;  // the default policy: burst 128, 1000/s
  r.up(1);
  Vf vf(r, 0);
  const unsigned kMacvlans = reg::kNumRar - 2 - (kFirstMacvlan - 1);
  REQUIRE(r.pf.set_vf_trust(vf.id(), true).has_value());
  // What a driver holding every spare RAR entry and 64 VLANs sends after a PF reset.
  auto restore = [&] {
    unsigned n = 0;
    CHECK_FALSE(vf.reset().ack);
    ++n;
    CHECK(vf.send(mbx::SetMacAddrReq{.mac = mac(1)}.encode(), 3).w[0] ==
          ack_cts(MsgId::kSetMacAddr));
    vf.negotiate(mbx::Api::k13);
    CHECK(vf.send(mbx::GetQueuesReq{}.encode(), 5).w[0] == ack_cts(MsgId::kGetQueues));
    CHECK(vf.send(mbx::SetLpeReq{.max_frame = 1518}.encode(), 2).w[0] == ack_cts(MsgId::kSetLpe));
    mbx::SetMulticastReq mc;
    mc.count = 30;
    for (uint16_t h = 0; h < 30; ++h) mc.hashes[h] = static_cast<uint16_t>(h * 97);
    CHECK(acked(vf.send(mc.encode(), 1)));
    CHECK(vf.send(mbx::UpdateXcastModeReq{.mode = mbx::XcastMode::kMulti}.encode(), 2).w[0] ==
          ack_cts(MsgId::kUpdateXcastMode));
    n += 6;
    // VLVF: 64 entries, VLAN 0 holds one (the pools' untagged access): 63 more.
    for (uint16_t vid = 1; vid < reg::kNumVlvf; ++vid, ++n) {
      INFO("VLAN " << vid);
      CHECK(acked(vf.send(mbx::SetVlanReq{.add = true, .vid = vid}.encode(), 1)));
    }
    // RAR: 128 entries, the PF's and the VF's primary MAC hold two, host MACs keep a block.
    for (uint16_t i = 1; i <= kMacvlans; ++i, ++n) {
      INFO("macvlan " << i);
      const auto m = hal::MacAddr({0x02, 0x77, 0x00, 0x00, static_cast<uint8_t>(i >> 8),
                                   static_cast<uint8_t>(i)});
      CHECK(acked(vf.send(mbx::SetMacvlanReq{.index = static_cast<uint8_t>(i), .mac = m}.encode(), 1)));
    }
    return n;
  };
  const unsigned first = restore();
  CHECK(first >= 175);
  const pf::VfInfo up = r.pf.vf_info(vf.id());
  CHECK(up.num_macvlans == kMacvlans);
  CHECK(up.num_vlans == reg::kNumVlvf);
  // The PF resets; the driver restores it all again at once, past its burst.
  REQUIRE(r.pf.reset().has_value());
  (void)vf.mbx().poll_message(1);  // the ping the reset wiped, if any
  vf.mbx().reset_done();           // as the driver does once it has seen RSTD
  const uint64_t nacks = r.pf.vf_info(vf.id()).counters.nacks;
  const hal::Nanos t0 = r.clock.now();
  CHECK(restore() == first);
  const hal::Nanos took = r.clock.now() - t0;
  INFO("restore of " << first << " requests took " << took.count() << " ns");
  CHECK(took <= 200ms);  // ~70 requests past the burst, about 1 ms each
  const pf::VfInfo again = r.pf.vf_info(vf.id());
  CHECK(again.counters.nacks == nacks + 1);  // the VF_RESET reply only
  CHECK(again.num_macvlans == kMacvlans);
  CHECK(again.num_vlans == reg::kNumVlvf);
  CHECK(r.count(EventCode::kMailboxFloodDisabled) == 0);
  r.clock.advance(1s);
  r.pf.service_once();
  // It was held back, and said so once.
  CHECK(r.count(EventCode::kMailboxRateLimited) >= 1);
  CHECK(r.pf.events().find_last(EventCode::kMailboxRateLimited)->reason.contains("none refused"));
}
