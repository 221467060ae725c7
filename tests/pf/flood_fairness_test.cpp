// Fairness under a mailbox flood, measured: the PF's work per service pass (its register
// accesses, counted on the simulated bus) and the other VFs' round trips on a PF whose every
// register access takes simulated time. A flood of requests the PF must really work on
// (VF_RESET, a full multicast list) more than doubles both without the guard; with the
// default policy both stay within 2x of idle (issue 5).
#include "flood_rig.hpp"
#include "hal/sim/reg_trace.hpp"

using namespace pftest;
using mbx::MsgId;

namespace {

/// Time between two service passes when nothing wakes the PF earlier.
constexpr hal::Nanos kTick = 100us;
/// What one PF register access costs the PF (a PCIe read is about 1 us, a posted write less).
constexpr hal::Nanos kAccessCost = 500ns;
constexpr unsigned kRoundTrips = 200;
/// The victim sends a request every 2 ms: well within its own rate.
constexpr hal::Nanos kVictimPeriod = 2ms;

struct Cost {
  double accesses_per_round_trip = 0;  ///< PF register accesses from post to reply, mean
  hal::Nanos round_trip{};             ///< simulated time from post to reply, mean
  uint64_t rogue_served = 0;
};

/// The rogue's n-th message: a VF_RESET (the VF cleaned and re-admitted), then a multicast
/// list that changes every time (the shared MTA rebuilt), in turn.
mbx::Message rogue_message(uint64_t n) {
  if (n % 2 == 0) return kReset;
  mbx::SetMulticastReq mc;
  mc.count = 30;
  for (unsigned h = 0; h < 30; ++h) mc.hashes[h] = static_cast<uint16_t>((n * 31 + h) & 0xFFF);
  return mc.encode();
}

/// A victim VF's SET_MAC_ADDR round trips while VF 0 posts a message before every pass (or
/// stays idle). The victim's request wakes the PF (its interrupt), so its round trip is the
/// time of the passes until its answer: kAccessCost per PF register access. Between passes the
/// PF sleeps kTick.
Cost measure(const pf::MailboxFloodPolicy& policy, bool flooding) {
  pf::PfOptions o = options();
  o.mailbox_flood = policy;
  Rig r(o);
  uint64_t accesses = 0;
  r.dev->set_trace([&accesses](const sim::RegAccess& a) { accesses += a.function < 0; });
  r.up(4);
  std::vector<std::unique_ptr<Vf>> vfs;
  for (unsigned i = 0; i < 4; ++i) {
    vfs.push_back(std::make_unique<Vf>(r, i));
    vfs.back()->ready(mbx::Api::k13);
  }
  Vf& rogue = *vfs[0];
  Vf& victim = *vfs[1];
  r.clock.advance(1s);
  const uint64_t rogue_before = r.pf.vf_info(rogue.id()).counters.messages;
  uint64_t n = 0;
  // One PF pass with the rogue's message before it; the clock moves by what it cost.
  auto pass = [&] {
    if (flooding) REQUIRE(rogue.mbx().write(rogue_message(n++).words()).has_value());
    const uint64_t a0 = accesses;
    r.pf.service_once();
    const uint64_t cost = accesses - a0;
    r.clock.advance(kAccessCost * static_cast<int64_t>(cost));
    return cost;
  };
  uint64_t work = 0;
  hal::Nanos total{};
  for (unsigned i = 0; i < kRoundTrips; ++i) {
    INFO("round trip " << i);
    const auto m = mac(static_cast<uint8_t>(40 + i % 2));
    REQUIRE(victim.mbx().write(mbx::SetMacAddrReq{.mac = m}.encode().words()).has_value());
    const hal::Nanos t0 = r.clock.now();
    for (;;) {
      work += pass();
      if (auto reply = victim.mbx().poll_message(3)) {
        REQUIRE(reply->w[0] == ack_cts(MsgId::kSetMacAddr));
        break;
      }
      r.clock.advance(kTick);
    }
    total += r.clock.now() - t0;
    while (r.clock.now() < t0 + kVictimPeriod) {
      r.clock.advance(kTick);
      pass();
    }
  }
  Cost c;
  c.accesses_per_round_trip = static_cast<double>(work) / kRoundTrips;
  c.round_trip = total / kRoundTrips;
  c.rogue_served = r.pf.vf_info(rogue.id()).counters.messages - rogue_before;
  return c;
}

}  // namespace

TEST_CASE("a flood of expensive requests: the other VFs' round trips and the PF's work per pass "
          "stay within 2x of idle with the guard, and exceed 2x without it",
          "[pf][flood][fair]") {
  const pf::MailboxFloodPolicy guard;  // the defaults
  const Cost idle = measure(guard, false);
  const Cost guarded = measure(guard, true);
  const Cost unguarded = measure(pf::MailboxFloodPolicy::off(), true);
  auto show = [](const char* what, const Cost& c) {
    return fmt::format("{}: {:.1f} PF register accesses per round trip, round trip {} ns, "
                       "rogue served {}",
                       what, c.accesses_per_round_trip, c.round_trip.count(), c.rogue_served);
  };
  INFO(show("idle", idle));
  INFO(show("guarded", guarded));
  INFO(show("unguarded", unguarded));
  CHECK(idle.rogue_served == 0);
  CHECK(guarded.accesses_per_round_trip <= 2 * idle.accesses_per_round_trip);
  CHECK(guarded.round_trip <= 2 * idle.round_trip);
  // The same measurement sees the flood when nothing bounds it.
  CHECK(unguarded.accesses_per_round_trip > 2 * idle.accesses_per_round_trip);
  CHECK(unguarded.round_trip > 2 * idle.round_trip);
  CHECK(unguarded.rogue_served > 5 * guarded.rogue_served);
}
