// A rogue guest flooding its mailbox (issue 5, docs/reliability.md): the PF stays fair to the
// other guests (their round trips within 2x of idle), rate-limits the flooder with one event
// per interval, disables it past PfOptions::mailbox_flood.disable_after, and an administrator
// lets it back in. And the defaults never trip on normal guests: 63 of them brought up,
// reconfigured, reset.
#include <fmt/ranges.h>

#include "hal/ixgbe/regs_vf.hpp"
#include "hal/pci_regs.hpp"
#include "harness/sim_host.hpp"
#include "mailbox/codec.hpp"
#include "test_rogue_rig.hpp"

using namespace roguetest;
using harness::rogue::RogueVf;
using mbx::MsgId;
using pf::EventCode;
namespace w0 = mbx::word0;

namespace {

constexpr unsigned kRogue = 2;

struct RoundTrips {
  hal::Nanos time{};
  uint64_t passes = 0;
};

/// `n` SET_MAC_ADDR round trips by `g`, alternating two MACs, on simulated time and PF passes.
RoundTrips set_mac_round_trips(RogueRig& r, harness::Guest& g, unsigned n) {
  const hal::Nanos t0 = r.clock.now();
  const uint64_t p0 = r.passes;
  for (unsigned i = 0; i < n; ++i) {
    INFO("round trip " << i);
    REQUIRE(g.driver().set_mac(mac(3, static_cast<uint8_t>(i % 2))).has_value());
  }
  return {r.clock.now() - t0, r.passes - p0};
}

/// The rogue's VF_RESET and API_NEGOTIATE, done its own way.
void rogue_ready(RogueRig& r, RogueVf& rogue) {
  const uint32_t reset[] = {static_cast<uint32_t>(MsgId::kReset)};
  rogue.post(reset);
  r.tick();
  REQUIRE(rogue.take_message().has_value());
  const mbx::Message neg = mbx::ApiNegotiateReq{.api = mbx::Api::k13}.encode();
  rogue.post(neg.words());
  r.tick();
  auto m = rogue.take_message();
  REQUIRE(m.has_value());
  REQUIRE((*m)[0] == (static_cast<uint32_t>(MsgId::kApiNegotiate) | w0::kAck | w0::kCts));
}

void trigger_flr(hal::PciFunction& fn) {
  const uint8_t exp = fn.config().find_capability(hal::pci::kCapIdExp);
  fn.config().write16(exp + hal::pci::kExpDevCtl, hal::pci::kExpDevCtlBcrFlr);
}

size_t flood_events(const pf::EventLog& log) {
  return log.count(EventCode::kMailboxRateLimited) + log.count(EventCode::kMailboxFloodDisabled) +
         log.count(EventCode::kVfEventsLeftOut);
}

}  // namespace

TEST_CASE(
    "a flooding rogue: others' round trips within 2x of idle, NACKs, then disabled, "
    "link state auto restores it",
    "[harness][rogue][flood]") {
  RogueRig r(4);  // the default policy: 1000/s, burst 128, reports every 1 s, disable after 5 s
  for (unsigned v : {0u, 1u, 3u}) r.add_guest(v);
  RogueVf rogue(r.function(kRogue));
  rogue_ready(r, rogue);
  harness::Guest& victim = r.guest(1);

  const RoundTrips idle = set_mac_round_trips(r, victim, 100);
  // Thousands a second: three posts per 100 us tick (the PF reads the last one each pass),
  // each a request the PF must really work on when it serves it: a full multicast list
  // (the shared MTA is rebuilt) or a VLAN add.
  uint64_t n = 0;
  r.misbehave = [&] {
    for (int i = 0; i < 3; ++i, ++n) {
      if (n % 2 == 0) {
        mbx::SetMulticastReq mc;
        mc.count = 30;
        for (unsigned h = 0; h < 30; ++h)
          mc.hashes[h] = static_cast<uint16_t>((n * 31 + h) & 0xFFF);
        rogue.post(mc.encode().words());
      } else {
        rogue.post(mbx::SetVlanReq{.add = true, .vid = static_cast<uint16_t>(1000 + n % 40)}
                       .encode()
                       .words());
      }
    }
  };
  const RoundTrips flooded = set_mac_round_trips(r, victim, 100);
  INFO("idle " << idle.time.count() << " ns / " << idle.passes << " passes, flooded "
               << flooded.time.count() << " ns / " << flooded.passes << " passes");
  CHECK(flooded.time <= 2 * idle.time);
  CHECK(flooded.passes <= 2 * idle.passes);

  REQUIRE(victim.driver().set_mac(mac(1, 1)).has_value());
  // The rogue's own multicast hashes come and go with its list; a VF_RESET (always served)
  // clears them, so the MTA in the snapshots holds only the others' wishes.
  const uint32_t reset[] = {static_cast<uint32_t>(MsgId::kReset)};
  auto reset_rogue = [&] {
    auto flooding = std::move(r.misbehave);
    r.misbehave = nullptr;
    rogue.post(reset);
    r.tick();
    r.misbehave = std::move(flooding);
  };
  reset_rogue();
  const Snapshot before = snapshot(r, kRogue);
  r.run(6s);  // the guests idle, the rogue floods on
  CHECK(rogue.posted() > 150000);
  const pf::EventLog& log = r.pf.events();
  const hal::VfId rogue_id(kRogue);
  CHECK(log.count(EventCode::kMailboxRateLimited, rogue_id) >= 5);
  CHECK(log.count(EventCode::kMailboxRateLimited, rogue_id) <= 7);  // one a second, not per request
  REQUIRE(log.count(EventCode::kMailboxFloodDisabled, rogue_id) == 1);
  CHECK(log.find_last(EventCode::kMailboxFloodDisabled)->reason.contains("VF 2 disabled"));
  pf::VfInfo info = r.pf.vf_info(rogue_id);
  CHECK(info.link_state == pf::LinkState::kDisable);
  CHECK_FALSE(info.link_enable);
  CHECK(info.counters.nacks > 40000);  // served requests are ~1000 a second, the rest NACKed
  CHECK(flood_events(log) == log.count(EventCode::kMailboxRateLimited, rogue_id) +
                                 log.count(EventCode::kMailboxFloodDisabled, rogue_id) +
                                 log.count(EventCode::kVfEventsLeftOut, rogue_id));
  {
    reset_rogue();
    const std::string d = diff(before, snapshot(r, kRogue));
    INFO(d);
    CHECK(d.empty());
  }
  // Still flooding, and disabled: the other guests are served as before.
  const RoundTrips while_disabled = set_mac_round_trips(r, victim, 100);
  CHECK(while_disabled.passes <= 2 * idle.passes);

  // The administrator lets it back in; the rogue behaves.
  r.misbehave = nullptr;
  r.run(10ms);
  REQUIRE(r.pf.set_vf_link_state(rogue_id, pf::LinkState::kAuto).has_value());
  r.tick();
  REQUIRE(log.count(EventCode::kMailboxFloodCleared, rogue_id) == 1);
  r.run(200ms);                   // its bucket refills
  for (int i = 0; i < 20; ++i) {  // read what the PF sent meanwhile (NACKs, the owed ping)
    r.tick();
    while (rogue.take_message()) {
    }
  }
  rogue_ready(r, rogue);
  info = r.pf.vf_info(rogue_id);
  CHECK(info.link_enable);
  CHECK(info.clear_to_send);
  for (const auto& [v, g] : r.guests()) CHECK(g->is_up());
  CHECK(r.dev->accounting().check().empty());
}

TEST_CASE("a rogue raising REQ while holding its mailbox lock is rate-limited in events too",
          "[harness][rogue][flood]") {
  RogueRig r(4);
  for (unsigned v : {0u, 1u, 3u}) r.add_guest(v);
  RogueVf rogue(r.function(kRogue));
  rogue_ready(r, rogue);
  const size_t errors_before = r.pf.events().count(EventCode::kMailboxError);
  // VFU held and REQ raised: the PF cannot read the buffer, every pass.
  namespace vmb = hal::ixgbe::vf::vfmailbox;
  r.misbehave = [&] { rogue.write_mailbox(vmb::kVfu | vmb::kReq); };
  r.run(3s);
  const size_t errors = r.pf.events().count(EventCode::kMailboxError) - errors_before;
  // 30000 failed reads: logged within the request rate and then the VF's event budget.
  CHECK(errors > 0);
  CHECK(errors <= 64 + 3 * 20 + 1);
  CHECK(r.pf.events().count(EventCode::kVfEventsLeftOut, hal::VfId(kRogue)) >= 1);
  for (const auto& [v, g] : r.guests()) {
    INFO("guest " << v);
    CHECK(g->driver().set_mac(mac(4, static_cast<uint8_t>(v))).has_value());
  }
  // An FLR frees the lock (RVFU) and re-admits the function.
  r.misbehave = nullptr;
  trigger_flr(rogue.function());
  r.tick();
  rogue_ready(r, rogue);
}
