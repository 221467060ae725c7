// The PF's mailbox flood policy (pf_driver/mailbox_guard.hpp, docs/reliability.md): the token
// bucket, one report per interval, disabling a VF that floods for too long, re-enabling it,
// and a service pass that answers every VF whatever one of them does.
#include <chrono>

#include "pf_rig.hpp"

using namespace pftest;
using namespace std::chrono_literals;
namespace reg = hal::ixgbe::pf;
using mbx::MsgId;
using pf::EventCode;
using pf::LinkState;

namespace {

pf::PfOptions flood_options(uint32_t rate, uint32_t burst, hal::Nanos disable_after = 3s) {
  pf::PfOptions o = options();
  o.mailbox_flood = pf::MailboxFloodPolicy::recommended();
  o.mailbox_flood.rate_per_s = rate;
  o.mailbox_flood.burst = burst;
  o.mailbox_flood.report_interval = 1s;
  o.mailbox_flood.disable_after = disable_after;
  return o;
}

const mbx::Message kGetQueues = mbx::GetQueuesReq{}.encode();

/// Posts `req` without waiting, lets the PF run one pass, returns its answer (no clock moves).
mbx::Message exchange(Rig& r, Vf& vf, const mbx::Message& req, size_t reply_words = 5) {
  REQUIRE(vf.mbx().write(req.words()).has_value());
  r.pf.service_once();
  auto m = vf.mbx().poll_message(reply_words);
  REQUIRE(m.has_value());
  return *m;
}

/// Floods `vf` with GET_QUEUES for `d` of simulated time, one request per 100 us pass (10000
/// a second), reading nothing back. Returns how many were posted.
unsigned flood(Rig& r, Vf& vf, hal::Nanos d) {
  unsigned n = 0;
  for (hal::Nanos t{}; t < d; t += 100us, ++n) {
    REQUIRE(vf.mbx().write(kGetQueues.words()).has_value());
    r.pf.service_once();
    r.clock.advance(100us);
  }
  return n;
}

bool pool_enabled(Rig& r, hal::Reg32 (*bitmap)(unsigned), unsigned pool) {
  return r.pool_bit(bitmap, pool);
}

}  // namespace

TEST_CASE("a VF gets its burst at once, then one request per token, the rest is NACKed",
          "[pf][flood]") {
  Rig r(flood_options(1000, 8));
  r.up(1);
  Vf vf(r, 0);
  vf.ready(mbx::Api::k13);
  r.clock.advance(1s);  // the bucket refills
  for (int i = 0; i < 8; ++i) {
    INFO("request " << i);
    CHECK(exchange(r, vf, kGetQueues).w[0] == ack_cts(MsgId::kGetQueues));
  }
  const uint64_t events_before = r.pf.events().total();
  const uint64_t nacks_before = r.pf.vf_info(vf.id()).counters.nacks;
  CHECK(exchange(r, vf, kGetQueues, 1).w[0] == nack_cts(MsgId::kGetQueues));
  CHECK(exchange(r, vf, kGetQueues, 1).w[0] == nack_cts(MsgId::kGetQueues));
  CHECK(r.pf.vf_info(vf.id()).counters.nacks == nacks_before + 2);
  // Refused, answered, and not logged one by one.
  CHECK(r.pf.events().total() == events_before);
  // 1 ms at 1000/s is one token.
  r.clock.advance(1ms);
  CHECK(exchange(r, vf, kGetQueues).w[0] == ack_cts(MsgId::kGetQueues));
  CHECK(exchange(r, vf, kGetQueues, 1).w[0] == nack_cts(MsgId::kGetQueues));
  // The interval over, one event counts the three.
  r.clock.advance(1s);
  r.pf.service_once();
  REQUIRE(r.count(EventCode::kMailboxRateLimited) == 1);
  const pf::Event* e = r.pf.events().find_last(EventCode::kMailboxRateLimited, vf.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("VF 0"));
  CHECK(e->reason.contains("3 request(s)"));
  CHECK(e->reason.contains("1000/s"));
  CHECK(r.pf.vf_info(vf.id()).link_enable);  // rate-limited, not disabled
}

TEST_CASE("with the policy off (rate 0) a VF is never limited", "[pf][flood]") {
  Rig r(flood_options(0, 1));
  r.up(1);
  Vf vf(r, 0);
  vf.ready(mbx::Api::k13);
  for (int i = 0; i < 2000; ++i)
    REQUIRE(exchange(r, vf, kGetQueues).w[0] == ack_cts(MsgId::kGetQueues));
  r.clock.advance(10s);
  r.pf.service_once();
  CHECK(r.count(EventCode::kMailboxRateLimited) == 0);
}

TEST_CASE("VF_RESET over the rate is still served, and counts against the bucket", "[pf][flood]") {
  Rig r(flood_options(1000, 4));
  r.up(1);
  Vf vf(r, 0);
  vf.ready(mbx::Api::k13);
  r.clock.advance(1s);
  for (int i = 0; i < 4; ++i)
    REQUIRE(exchange(r, vf, kGetQueues).w[0] == ack_cts(MsgId::kGetQueues));
  const uint64_t resets = r.pf.vf_info(vf.id()).counters.resets;
  const mbx::Message m = exchange(r, vf, mbx::ResetReq{}.encode(), 4);
  auto reply = mbx::ResetReply::decode(m.words());
  REQUIRE(reply.has_value());  // a real VF_RESET reply, not a refusal
  CHECK(r.pf.vf_info(vf.id()).counters.resets == resets + 1);
  CHECK(r.pf.vf_info(vf.id()).clear_to_send);
  // Still over the rate: the next request is NACKed (with CTS: the reset went through).
  CHECK(exchange(r, vf, mbx::ApiNegotiateReq{.api = mbx::Api::k13}.encode(), 3).w[0] ==
        nack_cts(MsgId::kApiNegotiate));
  r.clock.advance(1s);
  r.pf.service_once();
  const pf::Event* e = r.pf.events().find_last(EventCode::kMailboxRateLimited, vf.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("2 request(s)"));  // the reset and the negotiate
}

TEST_CASE("messages with reply bits over the rate are ignored without an event each",
          "[pf][flood]") {
  Rig r(flood_options(1000, 4));
  r.up(1);
  Vf vf(r, 0);
  vf.ready(mbx::Api::k13);
  r.clock.advance(1s);
  const uint32_t acked[] = {static_cast<uint32_t>(MsgId::kGetQueues) | mbx::word0::kAck};
  for (int i = 0; i < 100; ++i) {
    REQUIRE(vf.mbx().write(acked).has_value());
    r.pf.service_once();
  }
  const pf::VfInfo info = r.pf.vf_info(vf.id());
  CHECK(info.counters.ignored == 100);
  // Within the burst each is logged as before; past it the count goes into one report.
  CHECK(r.count(EventCode::kReplyBitsFromVf) == 4);
  r.clock.advance(1s);
  r.pf.service_once();
  REQUIRE(r.count(EventCode::kMailboxRateLimited) == 1);
  CHECK(r.pf.events().find_last(EventCode::kMailboxRateLimited)->reason.contains("96 request(s)"));
}

TEST_CASE("a sustained flood disables the VF with one event, link state auto re-enables it",
          "[pf][flood]") {
  Rig r(flood_options(1000, 16, 3s));
  r.up(2);
  Vf bad(r, 0);
  Vf good(r, 1);
  bad.ready(mbx::Api::k13);
  good.ready(mbx::Api::k13);
  r.clock.advance(1s);
  REQUIRE(pool_enabled(r, reg::VFRE, 0));
  const uint64_t events_before = r.pf.events().total();

  const unsigned posted = flood(r, bad, 3500ms);
  CHECK(posted == 35000);
  // One report per interval and one disable, not one event per request.
  CHECK(r.count(EventCode::kMailboxRateLimited) == 3);
  REQUIRE(r.count(EventCode::kMailboxFloodDisabled) == 1);
  // Once disabled, its requests within the rate are refused (not clear to send), and those
  // refusals are held to the VF's event budget: 64 at once, 20 a second.
  CHECK(r.pf.events().total() - events_before <= 4 + 64 + 20);
  const pf::Event* e = r.pf.events().find_last(EventCode::kMailboxFloodDisabled);
  REQUIRE(e->vf == bad.id());
  CHECK(e->reason.contains("VF 0 disabled"));
  CHECK(e->reason.contains("1000/s"));
  pf::VfInfo info = r.pf.vf_info(bad.id());
  CHECK(info.link_state == LinkState::kDisable);
  CHECK_FALSE(info.link_enable);
  CHECK_FALSE(info.clear_to_send);
  CHECK_FALSE(pool_enabled(r, reg::VFRE, 0));
  CHECK_FALSE(pool_enabled(r, reg::VFTE, 0));
  // About 1000 a second were served, the rest NACKed.
  CHECK(info.counters.nacks > 30000);
  CHECK(info.counters.acks < 4000);
  // The other VF is untouched.
  CHECK(pool_enabled(r, reg::VFRE, 1));
  CHECK(r.pf.vf_info(good.id()).link_enable);
  CHECK(good.send(kGetQueues, 5).w[0] == ack_cts(MsgId::kGetQueues));

  SECTION("flooding on: reported once per interval, disabled once") {
    flood(r, bad, 1s);
    CHECK(r.count(EventCode::kMailboxRateLimited) == 4);
    CHECK(r.count(EventCode::kMailboxFloodDisabled) == 1);
    CHECK(
        r.pf.events().find_last(EventCode::kMailboxRateLimited)->reason.contains("stays disabled"));
  }
  SECTION("the administrator's link state auto lets it back in") {
    REQUIRE(r.pf.set_vf_link_state(bad.id(), LinkState::kAuto).has_value());
    r.pf.service_once();
    REQUIRE(r.count(EventCode::kMailboxFloodCleared) == 1);
    CHECK(
        r.pf.events().find_last(EventCode::kMailboxFloodCleared)->reason.contains("administrator"));
    CHECK(pool_enabled(r, reg::VFRE, 0));
    r.clock.advance(100ms);  // a well-behaved pause refills the bucket
    bad.ready(mbx::Api::k13);
    CHECK(bad.send(kGetQueues, 5).w[0] == ack_cts(MsgId::kGetQueues));
    info = r.pf.vf_info(bad.id());
    CHECK(info.link_enable);
    CHECK(info.clear_to_send);
    // The guard starts over: a new flood takes the full time again.
    flood(r, bad, 2500ms);
    CHECK(r.count(EventCode::kMailboxFloodDisabled) == 1);
    flood(r, bad, 1s);
    CHECK(r.count(EventCode::kMailboxFloodDisabled) == 2);
  }
}

TEST_CASE("an FLR re-enables a VF the guard disabled, with the administrator's link state",
          "[pf][flood][flr]") {
  Rig r(flood_options(1000, 16, 2s));
  r.up(1);
  Vf vf(r, 0);
  REQUIRE(r.pf.set_vf_link_state(vf.id(), LinkState::kEnable).has_value());
  vf.ready(mbx::Api::k13);
  flood(r, vf, 2500ms);
  REQUIRE(r.count(EventCode::kMailboxFloodDisabled) == 1);
  REQUIRE(r.pf.vf_info(vf.id()).link_state == LinkState::kDisable);
  vf.flr();
  r.pf.service_once();
  REQUIRE(r.count(EventCode::kMailboxFloodCleared) == 1);
  CHECK(r.pf.events()
            .find_last(EventCode::kMailboxFloodCleared)
            ->reason.contains("function level reset"));
  pf::VfInfo info = r.pf.vf_info(vf.id());
  CHECK(info.link_state == LinkState::kEnable);
  CHECK(info.link_enable);
  // A fresh bucket for the new driver.
  vf.ready(mbx::Api::k13);
  CHECK(vf.send(kGetQueues, 5).w[0] == ack_cts(MsgId::kGetQueues));
  CHECK(pool_enabled(r, reg::VFRE, 0));
}

TEST_CASE("a flood shorter than disable_after, or broken by a quiet interval, never disables",
          "[pf][flood]") {
  Rig r(flood_options(1000, 16, 3s));
  r.up(1);
  Vf vf(r, 0);
  vf.ready(mbx::Api::k13);
  for (int round = 0; round < 4; ++round) {
    flood(r, vf, 2s);
    r.clock.advance(2500ms);  // more than a whole interval within the rate
    r.pf.service_once();
  }
  CHECK(r.count(EventCode::kMailboxRateLimited) >= 8);
  CHECK(r.count(EventCode::kMailboxFloodDisabled) == 0);
  CHECK(r.pf.vf_info(vf.id()).link_enable);
}

TEST_CASE("one service pass answers every VF's pending request whatever one VF floods",
          "[pf][flood][fair]") {
  Rig r(flood_options(1000, 4));
  constexpr unsigned kVfs = 8;
  r.up(kVfs);
  std::vector<std::unique_ptr<Vf>> vfs;
  for (unsigned i = 0; i < kVfs; ++i) {
    vfs.push_back(std::make_unique<Vf>(r, i));
    vfs.back()->ready(mbx::Api::k13);
  }
  r.clock.advance(1s);
  unsigned others_served = 0;
  for (unsigned pass = 0; pass < 400; ++pass) {
    INFO("pass " << pass);
    // VF 0 posts on every pass (10000 a second); the others every 20th pass (500 a second,
    // inside their rate), each time with a new MAC, so every reply answers this pass's request.
    const bool others = pass % 20 == 0;
    REQUIRE(vfs[0]->mbx().write(kGetQueues.words()).has_value());
    for (unsigned i = 1; others && i < kVfs; ++i) {
      const auto m = mac(static_cast<uint8_t>(16 * i + (pass / 20) % 16));
      REQUIRE(vfs[i]->mbx().write(mbx::SetMacAddrReq{.mac = m}.encode().words()).has_value());
    }
    REQUIRE(r.pf.service_once() >= (others ? kVfs : 1));
    REQUIRE(vfs[0]->mbx().poll_message(1).has_value());  // the flooder is answered too
    for (unsigned i = 1; others && i < kVfs; ++i) {
      auto m = vfs[i]->mbx().poll_message(3);
      REQUIRE(m.has_value());  // answered in this very pass
      CHECK(m->w[0] == ack_cts(MsgId::kSetMacAddr));
      ++others_served;
    }
    r.clock.advance(100us);
  }
  CHECK(others_served == 20 * (kVfs - 1));
  CHECK(r.pf.vf_info(hal::VfId(0)).counters.nacks > 300);
  // Their only NACK is the VF_RESET reply (no admin MAC).
  for (unsigned i = 1; i < kVfs; ++i) CHECK(r.pf.vf_info(hal::VfId(i)).counters.nacks == 1);
}

TEST_CASE("a VF's events are held to its budget, the rest are counted in one report",
          "[pf][flood][events]") {
  pf::PfOptions o = flood_options(0, 1);  // no request limit: only the event budget
  o.mailbox_flood.event_rate_per_s = 20;
  o.mailbox_flood.event_burst = 64;
  Rig r(o);
  r.up(2);
  Vf bad(r, 0);
  Vf good(r, 1);
  bad.ready(mbx::Api::k13);
  good.ready(mbx::Api::k13);
  r.clock.advance(10s);  // both budgets full
  const size_t unknown_before = r.count(EventCode::kUnknownMessage);
  for (int i = 0; i < 1000; ++i) {
    // Unknown ids within the request rate: each is NACKed and would be logged.
    CHECK(exchange(r, bad, mbx::Message::from(std::array<uint32_t, 1>{0x0077}), 1).w[0] ==
          nack_cts(static_cast<MsgId>(0x77)));
    r.clock.advance(1ms);
  }
  const size_t kept = r.count(EventCode::kUnknownMessage) - unknown_before;
  CHECK(kept >= 64 + 19);
  CHECK(kept <= 64 + 21);
  CHECK(kept + r.pf.events().left_out() == 1000);
  CHECK(r.count(EventCode::kVfEventsLeftOut) == 0);  // reported once the interval is over
  // The other VF's events are its own budget's business.
  good.flr();
  r.pf.service_once();
  good.ready(mbx::Api::k13);
  CHECK(r.pf.events().count(EventCode::kVfFlr, good.id()) == 1);
  CHECK(r.pf.events().count(EventCode::kApiNegotiated, good.id()) == 2);
  r.clock.advance(1s);
  r.pf.service_once();
  REQUIRE(r.count(EventCode::kVfEventsLeftOut) == 1);
  const pf::Event* e = r.pf.events().find_last(EventCode::kVfEventsLeftOut);
  CHECK(e->vf == bad.id());
  CHECK(e->reason.contains(fmt::format("{} event(s)", 1000 - kept)));
}
