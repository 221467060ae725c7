// The PF's mailbox flood policy (pf_driver/mailbox_guard.hpp, docs/reliability.md): the token
// bucket holds requests over the rate (left pending, never refused), one report per interval,
// disabling a VF that floods for long, and legitimate bursts that never get there.
#include "flood_rig.hpp"

using namespace pftest;
namespace reg = hal::ixgbe::pf;
using mbx::MsgId;
using pf::EventCode;
using pf::LinkState;

TEST_CASE("the flood guard is on by default", "[pf][flood]") {
  const pf::PfOptions o;
  CHECK(o.mailbox_flood.rate_per_s == 1000);
  CHECK(o.mailbox_flood.burst == 128);
  CHECK(o.mailbox_flood.reset_burst == 4);
  CHECK(o.mailbox_flood.event_rate_per_s == 20);
  CHECK(o.mailbox_flood.disable_after == 5s);
  CHECK(pf::MailboxFloodPolicy::off().rate_per_s == 0);
  CHECK(pf::MailboxFloodPolicy::off().event_rate_per_s == 0);
}

TEST_CASE("a VF gets its burst at once, and a request over the rate is held, REQ pending and no "
          "ACK, until a token comes, then served as usual",
          "[pf][flood]") {
  Rig r(flood_options(1000, 8));
  r.up(1);
  Vf vf(r, 0);
  vf.ready(mbx::Api::k13);
  r.clock.advance(1s);  // the bucket refills
  for (int i = 0; i < 8; ++i) {
    INFO("request " << i);
    auto m = try_exchange(r, vf, kGetQueues);
    REQUIRE(m.has_value());
    CHECK(m->w[0] == ack_cts(MsgId::kGetQueues));
  }
  const pf::VfCounters before = r.pf.vf_info(vf.id()).counters;
  const uint64_t events_before = r.pf.events().total();
  // The ninth: not read, not answered, still pending at the PF.
  CHECK_FALSE(try_exchange(r, vf, kGetQueues).has_value());
  CHECK(request_pending(r, vf.id()));
  for (int i = 0; i < 5; ++i) r.pf.service_once();  // passes without time: still held
  CHECK(request_pending(r, vf.id()));
  const pf::VfCounters held = r.pf.vf_info(vf.id()).counters;
  CHECK(held.messages == before.messages);
  CHECK(held.nacks == before.nacks);
  CHECK(held.acks == before.acks);
  CHECK(r.pf.events().total() == events_before);  // not one event per request either
  // 1 ms at 1000/s is one token: the held request is read and ACKed.
  r.clock.advance(1ms);
  r.pf.service_once();
  CHECK_FALSE(request_pending(r, vf.id()));
  auto m = vf.mbx().poll_message(5);
  REQUIRE(m.has_value());
  CHECK(m->w[0] == ack_cts(MsgId::kGetQueues));
  CHECK(r.pf.vf_info(vf.id()).counters.nacks == before.nacks);
  // The interval over, one event counts the held request.
  r.clock.advance(1s);
  r.pf.service_once();
  REQUIRE(r.count(EventCode::kMailboxRateLimited) == 1);
  const pf::Event* e = r.pf.events().find_last(EventCode::kMailboxRateLimited, vf.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("VF 0"));
  CHECK(e->reason.contains("1 request(s) held"));
  CHECK(e->reason.contains("none refused"));
  CHECK(r.pf.vf_info(vf.id()).link_enable);  // held back, not disabled
}

TEST_CASE("with the policy off every request is served at once", "[pf][flood]") {
  pf::PfOptions o = options();
  o.mailbox_flood = pf::MailboxFloodPolicy::off();
  Rig r(o);
  r.up(1);
  Vf vf(r, 0);
  vf.ready(mbx::Api::k13);
  for (int i = 0; i < 2000; ++i) {
    auto m = try_exchange(r, vf, kGetQueues);
    REQUIRE(m.has_value());
    REQUIRE(m->w[0] == ack_cts(MsgId::kGetQueues));
  }
  r.clock.advance(10s);
  r.pf.service_once();
  CHECK(r.count(EventCode::kMailboxRateLimited) == 0);
}

TEST_CASE("a VF driver's exchanges over the rate wait, and never time out", "[pf][flood]") {
  // Vf::send is the VF driver's exchange: 2000 polls 500 us apart, then a timeout.
  SECTION("at 1000/s: 300 back-to-back requests past a burst of 8") {
    Rig r(flood_options(1000, 8));
    r.up(1);
    Vf vf(r, 0);
    vf.ready(mbx::Api::k13);
    r.clock.advance(1s);
    const hal::Nanos t0 = r.clock.now();
    for (int i = 0; i < 300; ++i) REQUIRE(vf.send(kGetQueues, 5).w[0] == ack_cts(MsgId::kGetQueues));
    const hal::Nanos took = r.clock.now() - t0;
    INFO("took " << took.count() << " ns");
    CHECK(took >= 280ms);  // ~292 of them waited a token each
    CHECK(took <= 400ms);
    CHECK(r.pf.vf_info(vf.id()).counters.nacks == 1);  // the VF_RESET reply (no admin MAC)
  }
  SECTION("a rate below 10/s counts as 10/s: a hold stays well inside the VF's timeout") {
    Rig r(flood_options(1, 1));
    r.up(1);
    Vf vf(r, 0);
    vf.ready(mbx::Api::k13);
    for (int i = 0; i < 20; ++i) REQUIRE(vf.send(kGetQueues, 5).w[0] == ack_cts(MsgId::kGetQueues));
  }
}

TEST_CASE("a sustained flood disables the VF with one event, while a flood that stops, or a burst, "
          "does not",
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

  SECTION("flooding for longer than disable_after") {
    CHECK(flood(r, bad, 3500ms) == 35000);
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
    const pf::VfInfo info = r.pf.vf_info(bad.id());
    CHECK(info.link_state == LinkState::kAuto);  // the administrator's setting, untouched
    CHECK_FALSE(info.link_enable);
    CHECK_FALSE(info.clear_to_send);
    CHECK_FALSE(pool_enabled(r, reg::VFRE, 0));
    CHECK_FALSE(pool_enabled(r, reg::VFTE, 0));
    // About 1000 a second were served (the rest overwritten while held); nothing refused
    // before the disable.
    CHECK(info.counters.messages >= 3400);
    CHECK(info.counters.messages <= 3600);
    // The other VF is untouched.
    CHECK(pool_enabled(r, reg::VFRE, 1));
    CHECK(r.pf.vf_info(good.id()).link_enable);
    CHECK(good.send(kGetQueues, 5).w[0] == ack_cts(MsgId::kGetQueues));
    // Flooding on: reported once per interval, disabled once.
    flood(r, bad, 1s);
    CHECK(r.count(EventCode::kMailboxRateLimited) == 4);
    CHECK(r.count(EventCode::kMailboxFloodDisabled) == 1);
    CHECK(
        r.pf.events().find_last(EventCode::kMailboxRateLimited)->reason.contains("stays disabled"));
  }
  SECTION("floods shorter than disable_after, with a quiet interval between, never disable") {
    for (int round = 0; round < 4; ++round) {
      flood(r, bad, 2s);
      drain(r, bad);
      r.clock.advance(2500ms);  // more than a whole interval within the rate
      r.pf.service_once();
    }
    CHECK(r.count(EventCode::kMailboxRateLimited) >= 8);
    CHECK(r.count(EventCode::kMailboxFloodDisabled) == 0);
    CHECK(r.pf.vf_info(bad.id()).link_enable);
  }
  SECTION("a burst over the rate every second (a restore after each reset) never disables") {
    // 200 requests back to back each second: 184 past the burst wait ~1 ms each, held less
    // than half of every interval.
    for (int second = 0; second < 8; ++second) {
      const hal::Nanos t0 = r.clock.now();
      for (int i = 0; i < 200; ++i) REQUIRE(bad.send(kGetQueues, 5).w[0] == ack_cts(MsgId::kGetQueues));
      r.clock.advance(1s - (r.clock.now() - t0));
    }
    CHECK(r.count(EventCode::kMailboxRateLimited) >= 7);
    CHECK(r.count(EventCode::kMailboxFloodDisabled) == 0);
    CHECK(r.pf.vf_info(bad.id()).link_enable);
  }
}

TEST_CASE("one service pass answers every other VF's pending request whatever one VF floods",
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
    r.pf.service_once();
    for (unsigned i = 1; others && i < kVfs; ++i) {
      auto m = vfs[i]->mbx().poll_message(3);
      REQUIRE(m.has_value());  // answered in this very pass
      CHECK(m->w[0] == ack_cts(MsgId::kSetMacAddr));
      ++others_served;
    }
    r.clock.advance(100us);
  }
  CHECK(others_served == 20 * (kVfs - 1));
  // The flooder got its burst and about its rate: 4 + 40 ms at 1000/s.
  const pf::VfCounters flooder = r.pf.vf_info(hal::VfId(0)).counters;
  CHECK(flooder.messages >= 2 + 4 + 38);
  CHECK(flooder.messages <= 2 + 4 + 41);
  // Their only NACK is the VF_RESET reply (no admin MAC); the flooder's too.
  for (unsigned i = 0; i < kVfs; ++i) CHECK(r.pf.vf_info(hal::VfId(i)).counters.nacks == 1);
}
