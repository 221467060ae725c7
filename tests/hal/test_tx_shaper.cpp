// Per-queue TX rate limiting of the simulated 82599 (hal/sim/tx_shaper), in simulated time on a
// hal::ManualClock: a backlogged queue polled at uneven intervals delivers the programmed rate,
// a disabled limiter holds nothing back, rate changes apply mid-run and an idle queue cannot
// bank more than one window of burst. Registers are written with the value the PF driver
// computes (pf_driver/vf_hw.cpp: RS_ENA | (link << 14) / rate). Rules: docs/sim-model.md,
// "TX rate limiting".

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>

#include "hal/clock.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/sim/tx_shaper.hpp"

namespace pfr = hal::ixgbe::pf;
using namespace std::chrono_literals;
using sim::TxShaper;

namespace {

constexpr uint64_t kLinkMbps = 10'000;
constexpr unsigned kQ = 5;
/// Polls come 1 us..kMaxStepNs apart; the shaper is told this slack, as the engine tells it its
/// own.
constexpr uint64_t kMaxStepNs = 50'000;

/// RTTBCNRC for `rate_mbps` on a `link_mbps` link, as the PF driver writes it.
uint32_t rttbcnrc(uint64_t rate_mbps, uint64_t link_mbps = kLinkMbps) {
  const uint64_t factor = (link_mbps << pfr::rttbcnrc::kRfIntShift) / rate_mbps;
  return (static_cast<uint32_t>(factor) & (pfr::rttbcnrc::kRfIntMask | pfr::rttbcnrc::kRfDecMask)) |
         pfr::rttbcnrc::kRsEna;
}

uint64_t now(const hal::ManualClock& c) { return static_cast<uint64_t>(c.now().count()); }

/// What a backlogged queue sent over a run.
struct Run {
  uint64_t frames = 0;
  uint64_t charged_bytes = 0;  // wire bytes: what the rate factor is relative to
  uint64_t ns = 0;
  double mbps() const {
    return static_cast<double>(charged_bytes) * 8.0 * 1000.0 / static_cast<double>(ns);
  }
};

/// Keeps `kQ` backlogged with `l2_len`-byte frames for `duration` of simulated time: each poll
/// sends while may_send() allows (as the engine's TX pass does), then the clock moves 1..50 us
/// (a fixed pseudo-random sequence, so runs are deterministic). The last poll is at the end.
Run backlog(TxShaper& sh, hal::ManualClock& clock, size_t l2_len, hal::Nanos duration,
            uint32_t seed = 1) {
  Run r;
  const uint64_t start = now(clock);
  const uint64_t end = start + static_cast<uint64_t>(duration.count());
  uint32_t x = seed;
  for (;;) {
    while (sh.may_send(kQ, now(clock))) {
      sh.charge(kQ, now(clock), l2_len);
      ++r.frames;
      r.charged_bytes += TxShaper::charged_bytes(l2_len);
    }
    if (now(clock) >= end) break;
    x ^= x << 13;  // xorshift32
    x ^= x >> 17;
    x ^= x << 5;
    const uint64_t step = std::min<uint64_t>(1'000 + x % (kMaxStepNs - 1'000), end - now(clock));
    clock.advance(hal::Nanos(step));
  }
  r.ns = now(clock) - start;
  return r;
}

/// Frames a queue may send back to back at one instant.
unsigned burst_at_once(TxShaper& sh, uint64_t t, size_t l2_len) {
  unsigned n = 0;
  while (sh.may_send(kQ, t) && n < 1'000'000) {
    sh.charge(kQ, t, l2_len);
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("Charged bytes are the L2 length padded to 60 plus FCS, preamble and gap",
          "[tx_shaper]") {
  CHECK(TxShaper::charged_bytes(0) == 84);
  CHECK(TxShaper::charged_bytes(42) == 84);
  CHECK(TxShaper::charged_bytes(60) == 84);
  CHECK(TxShaper::charged_bytes(1514) == 1538);
  CHECK(TxShaper::charged_bytes(8996) == 9020);
}

TEST_CASE("Rate limiter within 5% in simulated time", "[tx_shaper]") {
  const uint64_t rate_mbps = GENERATE(100u, 1000u, 2500u);
  const size_t wire_size = GENERATE(64u, 1518u, 9000u);  // on-wire frame sizes, FCS included
  const size_t l2_len = wire_size - 4;
  INFO(rate_mbps << " Mb/s, " << wire_size << "-byte frames");

  hal::ManualClock clock;
  clock.advance(1s);  // not at time 0: nothing may depend on it
  TxShaper sh(TxShaper::kLink10G, kMaxStepNs);
  sh.write_rttbcnrm(pfr::rttbcnrm::kMmwSize82599);
  sh.write_rttbcnrc(kQ, rttbcnrc(rate_mbps), now(clock));
  REQUIRE(sh.rate_bps(kQ) == rate_mbps * 1'000'000);

  const Run r = backlog(sh, clock, l2_len, 500ms);
  INFO("frames " << r.frames << ", " << r.mbps() << " Mb/s on the wire");
  REQUIRE(r.frames > 300);
  CHECK(r.mbps() == Approx(static_cast<double>(rate_mbps)).epsilon(0.05));
  // Never above the rate by more than the window's credit plus one frame.
  const double allowed_bytes =
      static_cast<double>(rate_mbps) * 1e6 / 8.0 * static_cast<double>(r.ns) / 1e9 +
      static_cast<double>(rate_mbps) * 1e6 / 8.0 * static_cast<double>(sh.window_ns(kQ)) / 1e9 +
      static_cast<double>(TxShaper::charged_bytes(l2_len));
  CHECK(static_cast<double>(r.charged_bytes) <= allowed_bytes);
}

TEST_CASE("Polling granularity within the shaper's window costs no rate", "[tx_shaper]") {
  // The same backlog polled every 1-50 us with a 50 us window, and every 100 ns with a 100 ns
  // window: the same frames, at the same virtual times.
  hal::ManualClock coarse_clock;
  TxShaper coarse(TxShaper::kLink10G, kMaxStepNs);
  coarse.write_rttbcnrc(kQ, rttbcnrc(1000), 0);
  const Run a = backlog(coarse, coarse_clock, 1514, 200ms);

  TxShaper fine(TxShaper::kLink10G, 100);
  fine.write_rttbcnrc(kQ, rttbcnrc(1000), 0);
  uint64_t b = 0;
  for (uint64_t t = 0; t <= 200'000'000; t += 100) {
    while (fine.may_send(kQ, t)) {
      fine.charge(kQ, t, 1514);
      ++b;
    }
  }
  // Frames start every 12304 ns from 0: 16255 of them by 200 ms.
  CHECK(b == 16'255);
  CHECK(a.frames == b);

  // Why the engine passes its polling slack: with no window at all, every late poll loses the
  // lateness, and coarse polling falls well short of the rate.
  hal::ManualClock strict_clock;
  TxShaper strict(TxShaper::kLink10G, 0);
  strict.write_rttbcnrc(kQ, rttbcnrc(1000), 0);
  const Run c = backlog(strict, strict_clock, 1514, 200ms);
  CHECK(c.mbps() < 0.8 * 1000);
}

TEST_CASE("A queue without RS_ENA is never held back", "[tx_shaper]") {
  TxShaper sh;
  CHECK_FALSE(sh.limited(kQ));
  CHECK(sh.rate_bps(kQ) == 0);
  CHECK(burst_at_once(sh, 1'000, 9000) == 1'000'000);  // the helper's cap: unlimited
  CHECK(sh.next_send_ns(kQ) == 0);

  // A limit lifted by clearing RS_ENA takes effect at once, whatever the queue owed.
  sh.write_rttbcnrc(kQ, rttbcnrc(10), 0);
  sh.charge(kQ, 0, 9000);
  CHECK_FALSE(sh.may_send(kQ, 1'000));
  sh.write_rttbcnrc(kQ, rttbcnrc(10) & ~pfr::rttbcnrc::kRsEna, 1'000);
  CHECK(sh.may_send(kQ, 1'000));
  CHECK(burst_at_once(sh, 1'000, 9000) == 1'000'000);
  // Other queues were never limited.
  CHECK(sh.may_send(kQ + 1, 0));
}

TEST_CASE("A rate change mid-run applies from the next frame", "[tx_shaper]") {
  hal::ManualClock clock;
  TxShaper sh(TxShaper::kLink10G, kMaxStepNs);
  sh.write_rttbcnrm(pfr::rttbcnrm::kMmwSize82599);
  sh.write_rttbcnrc(kQ, rttbcnrc(1000), now(clock));
  const Run fast = backlog(sh, clock, 1514, 200ms);
  CHECK(fast.mbps() == Approx(1000.0).epsilon(0.05));

  // The time the queue owes at the change stands; later frames go at the new rate.
  const uint64_t owed = sh.next_send_ns(kQ);
  sh.write_rttbcnrc(kQ, rttbcnrc(100), now(clock));
  CHECK(sh.next_send_ns(kQ) == owed);
  CHECK(sh.rate_bps(kQ) == 100'000'000);
  const Run slow = backlog(sh, clock, 1514, 500ms, 2);
  CHECK(slow.mbps() == Approx(100.0).epsilon(0.05));

  sh.write_rttbcnrc(kQ, rttbcnrc(2500), now(clock));
  const Run faster = backlog(sh, clock, 60, 100ms, 3);
  CHECK(faster.mbps() == Approx(2500.0).epsilon(0.05));
}

TEST_CASE("An idle queue banks at most one window of credit", "[tx_shaper]") {
  hal::ManualClock clock;
  TxShaper sh;                                      // no polling slack: the MMW window alone
  sh.write_rttbcnrm(pfr::rttbcnrm::kMmwSize82599);  // 4 KiB
  sh.write_rttbcnrc(kQ, rttbcnrc(1000), now(clock));
  // 4096 bytes at 1 Gb/s.
  CHECK(sh.window_ns(kQ) == 32'768);

  // Idle for a second, then for a minute: the same burst, one frame plus what fits in 4 KiB
  // (1538-byte frames: 1 + 2).
  clock.advance(1s);
  CHECK(burst_at_once(sh, now(clock), 1514) == 3);
  clock.advance(60s);
  CHECK(burst_at_once(sh, now(clock), 1514) == 3);
  // With jumbo frames the window holds none: one frame, then the rate.
  clock.advance(10s);
  CHECK(burst_at_once(sh, now(clock), 8996) == 1);

  // A larger window (MMW_SIZE 0x14, the jumbo setting) buys proportionally more, still bounded.
  sh.write_rttbcnrm(0x14);
  CHECK(sh.window_ns(kQ) == 163'840);
  clock.advance(10s);
  CHECK(burst_at_once(sh, now(clock), 1514) == 1 + 20 * 1024 / 1538);

  // The engine's polling slack widens the window the same way, and bounds it the same way.
  TxShaper slack(TxShaper::kLink10G, 1'000'000);
  slack.write_rttbcnrc(kQ, rttbcnrc(1000), now(clock));
  clock.advance(1s);
  CHECK(burst_at_once(slack, now(clock), 1514) == 1 + 1'000'000 / 12'304);  // 1538 bytes = 12304 ns
}

TEST_CASE("A queue that becomes limited starts without banked credit", "[tx_shaper]") {
  TxShaper sh(TxShaper::kLink10G, 1'000'000);
  sh.write_rttbcnrc(kQ, rttbcnrc(1000), 5'000'000'000);
  // The window would allow 81 frames of credit, but there was no idle time under the limit.
  CHECK(burst_at_once(sh, 5'000'000'000, 1514) == 1);
  CHECK(sh.next_send_ns(kQ) == 5'000'000'000 + 12'304);
}

TEST_CASE("A rate factor below 1 is capped at the link rate", "[tx_shaper]") {
  TxShaper sh;
  sh.write_rttbcnrc(kQ, pfr::rttbcnrc::kRsEna | (1u << 13), 0);  // RF = 0.5
  CHECK(sh.rate_bps(kQ) == TxShaper::kLink10G);
  sh.write_rttbcnrc(kQ, pfr::rttbcnrc::kRsEna, 0);  // RF = 0
  CHECK(sh.rate_bps(kQ) == TxShaper::kLink10G);
  sh.charge(kQ, 0, 1514);
  CHECK(sh.next_send_ns(kQ) == 1'230);  // 1538 bytes at 10 Gb/s, 1230.4 ns
}

TEST_CASE("The rate follows the link speed the factor is relative to", "[tx_shaper]") {
  TxShaper sh;
  sh.write_rttbcnrc(kQ, rttbcnrc(1000), 0);  // RF = 10
  CHECK(sh.rate_bps(kQ) == 1'000'000'000);
  sh.set_link_speed(1'000'000'000);
  CHECK(sh.rate_bps(kQ) == 100'000'000);
  sh.charge(kQ, 0, 1514);
  CHECK(sh.next_send_ns(kQ) == 123'040);
  sh.set_link_speed(0);  // unknown: 10 Gb/s
  CHECK(sh.link_bps() == TxShaper::kLink10G);
}

TEST_CASE("RTTDQSEL queue indexes wrap at 128 and a device reset lifts every limit",
          "[tx_shaper]") {
  TxShaper sh;
  sh.write_rttbcnrm(pfr::rttbcnrm::kMmwSize82599);
  sh.write_rttbcnrc(128 + 3, rttbcnrc(100), 0);
  CHECK(sh.limited(3));
  sh.write_rttbcnrc(127, rttbcnrc(100), 0);
  CHECK(sh.limited(127));
  sh.reset();
  for (unsigned q = 0; q < TxShaper::kNumQueues; ++q) CHECK_FALSE(sh.limited(q));
  sh.write_rttbcnrc(3, rttbcnrc(100), 0);
  CHECK(sh.window_ns(3) == 0);  // RTTBCNRM went back to 0 with the reset
}
