// The cable between two simulated devices (hal/sim/cable.hpp): both directions, order, the
// full-ring and oversize drops, bad capacities, and two threads moving frames concurrently.

#include <atomic>
#include <cstring>
#include <thread>

#include <catch2/catch.hpp>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/sim/cable.hpp"
#include "hal/sim/device.hpp"

namespace {

/// A frame of `len` bytes whose first 8 bytes are `seq` and the rest a pattern seeded by it.
std::vector<uint8_t> numbered(uint64_t seq, size_t len = 64) {
  std::vector<uint8_t> f(len);
  std::memcpy(f.data(), &seq, sizeof seq);
  for (size_t i = sizeof seq; i < len; ++i) f[i] = static_cast<uint8_t>(seq * 31 + i);
  return f;
}

uint64_t seq_of(const std::vector<uint8_t>& f) {
  uint64_t seq = 0;
  std::memcpy(&seq, f.data(), sizeof seq);
  return seq;
}

sim::Cable cable(size_t capacity) {
  auto c = sim::make_cable(capacity);
  REQUIRE(c.has_value());
  return std::move(*c);
}

}  // namespace

TEST_CASE("cable: frames sent at either end arrive at the other end in order", "[cable]") {
  sim::Cable c = cable(8);
  CHECK(c.a->capacity() == 8);
  for (uint64_t i = 0; i < 5; ++i) c.a->send(numbered(i, 60 + i));
  for (uint64_t i = 100; i < 103; ++i) c.b->send(numbered(i, 1514));

  std::vector<uint8_t> f;
  REQUIRE(c.a->receive(f));  // b's frames wait at a
  CHECK(f == numbered(100, 1514));
  for (uint64_t i = 0; i < 5; ++i) {
    REQUIRE(c.b->receive(f));
    CHECK(f == numbered(i, 60 + i));
  }
  CHECK_FALSE(c.b->receive(f));
  for (uint64_t i = 101; i < 103; ++i) {
    REQUIRE(c.a->receive(f));
    CHECK(f == numbered(i, 1514));
  }
  CHECK_FALSE(c.a->receive(f));

  const sim::CableDirection ab = c.a->tx_stats();
  CHECK(ab.sent == 5);
  CHECK(ab.received == 5);
  CHECK(ab.dropped_full == 0);
  CHECK(ab.in_flight() == 0);
  CHECK(c.b->rx_stats().sent == 5);  // the same direction seen from the other end
  CHECK(c.b->tx_stats().sent == 3);
  CHECK(c.a->rx_stats().received == 3);
}

TEST_CASE("cable: a full ring drops the frame and counts it at the sending end", "[cable]") {
  sim::Cable c = cable(4);
  for (uint64_t i = 0; i < 10; ++i) c.a->send(numbered(i));
  sim::CableDirection ab = c.a->tx_stats();
  CHECK(ab.sent == 4);
  CHECK(ab.dropped_full == 6);
  CHECK(ab.offered() == 10);
  CHECK(c.b->tx_stats().offered() == 0);  // the other direction is untouched

  // The four that fit are the first four, whole; then there is room again.
  std::vector<uint8_t> f;
  for (uint64_t i = 0; i < 4; ++i) {
    REQUIRE(c.b->receive(f));
    CHECK(f == numbered(i));
  }
  CHECK_FALSE(c.b->receive(f));
  c.a->send(numbered(42));
  REQUIRE(c.b->receive(f));
  CHECK(seq_of(f) == 42);
  ab = c.a->tx_stats();
  CHECK(ab.sent == 5);
  CHECK(ab.dropped_full == 6);
  CHECK(ab.received == 5);
}

TEST_CASE("cable: frames up to kMaxWireFrame pass, longer ones are dropped as oversize", "[cable]") {
  sim::Cable c = cable(2);
  const auto big = numbered(7, sim::kMaxWireFrame);
  c.a->send(big);
  c.a->send(numbered(8, sim::kMaxWireFrame + 1));
  const sim::CableDirection ab = c.a->tx_stats();
  CHECK(ab.sent == 1);
  CHECK(ab.dropped_oversize == 1);
  CHECK(ab.dropped_full == 0);
  std::vector<uint8_t> f;
  REQUIRE(c.b->receive(f));
  CHECK(f == big);
  CHECK_FALSE(c.b->receive(f));
}

TEST_CASE("cable: receive reuses the caller's buffer (no allocation per frame)", "[cable]") {
  sim::Cable c = cable(16);
  std::vector<uint8_t> f;
  f.reserve(sim::kMaxWireFrame);
  const uint8_t* storage = f.data();
  for (uint64_t i = 0; i < 64; ++i) {
    c.a->send(numbered(i, 60 + (i * 997) % 9000));
    REQUIRE(c.b->receive(f));
    CHECK(seq_of(f) == i);
  }
  CHECK(f.data() == storage);
}

TEST_CASE("cable: make_cable refuses a capacity that is 0, not a power of two or too large",
          "[cable]") {
  for (size_t bad : {size_t{0}, size_t{3}, size_t{100}, sim::kMaxCableCapacity * 2}) {
    const auto c = sim::make_cable(bad);
    REQUIRE_FALSE(c.has_value());
    CHECK(c.error() == hal::Error::kInvalidArgument);
  }
  CHECK(sim::make_cable(1).has_value());
  CHECK(sim::make_cable(sim::kMaxCableCapacity).has_value());
}

TEST_CASE("cable: either end may outlive the other", "[cable]") {
  sim::Cable c = cable(2);
  std::shared_ptr<sim::CableEnd> a = std::move(c.a);
  c.b.reset();
  for (uint64_t i = 0; i < 3; ++i) a->send(numbered(i));  // nobody reads: the ring fills
  CHECK(a->tx_stats().sent == 2);
  CHECK(a->tx_stats().dropped_full == 1);
}

TEST_CASE("cable: two threads move 200000 frames with no loss while in flight stays within capacity",
          "[cable][threads]") {
  constexpr uint64_t kFrames = 200000;
  sim::Cable c = cable(64);
  std::thread sender([&] {
    for (uint64_t i = 0; i < kFrames; ++i) {
      // Flow control as a well-behaved peer: never more in flight than the ring holds.
      while (c.a->tx_stats().in_flight() >= c.a->capacity()) std::this_thread::yield();
      c.a->send(numbered(i, 60 + i % 200));
    }
  });
  uint64_t got = 0, out_of_order = 0, bad_bytes = 0;
  std::vector<uint8_t> f;
  f.reserve(sim::kMaxWireFrame);
  while (got < kFrames) {
    if (!c.b->receive(f)) {
      std::this_thread::yield();
      continue;
    }
    if (seq_of(f) != got) ++out_of_order;
    if (f != numbered(got, 60 + got % 200)) ++bad_bytes;
    ++got;
  }
  sender.join();
  CHECK(out_of_order == 0);
  CHECK(bad_bytes == 0);
  const sim::CableDirection ab = c.a->tx_stats();
  CHECK(ab.sent == kFrames);
  CHECK(ab.received == kFrames);
  CHECK(ab.dropped_full == 0);
  CHECK_FALSE(c.b->receive(f));
}

TEST_CASE("cable: two threads, a sender that ignores flow control - every frame is received or counted",
          "[cable][threads]") {
  constexpr uint64_t kFrames = 100000;
  sim::Cable c = cable(16);
  std::atomic<bool> done{false};
  std::thread sender([&] {
    for (uint64_t i = 0; i < kFrames; ++i) c.a->send(numbered(i));
    done.store(true, std::memory_order_release);
  });
  uint64_t got = 0, last = 0, out_of_order = 0;
  std::vector<uint8_t> f;
  for (;;) {
    // Read `done` before trying, so an empty ring after it was set really is the end.
    const bool finished = done.load(std::memory_order_acquire);
    if (c.b->receive(f)) {
      const uint64_t s = seq_of(f);
      if (got > 0 && s <= last) ++out_of_order;
      if (f != numbered(s)) ++out_of_order;
      last = s;
      ++got;
    } else if (finished) {
      break;
    } else {
      std::this_thread::yield();
    }
  }
  sender.join();
  CHECK(out_of_order == 0);
  const sim::CableDirection ab = c.a->tx_stats();
  CHECK(ab.offered() == kFrames);
  CHECK(ab.sent + ab.dropped_full == kFrames);
  CHECK(ab.received == got);
  CHECK(ab.sent == got);
}

TEST_CASE("cable: a short frame over a cable is a runt (the sender cleared TXPADEN)", "[cable]") {
  // The far end is an 82599 whose MAC pads from reset: only software clearing TXPADEN sends
  // 42 bytes, and the receiving MAC discards that as undersize.
  namespace pfr = hal::ixgbe::pf;
  auto c = cable(8);
  const auto dev = sim::Device82599::create();
  dev->set_wire(c.b);
  CHECK(c.b->carries_runts());
  c.a->send(numbered(1, 42));
  for (int i = 0; i < 4 && dev->poll_once() != 0; ++i) {
  }
  CHECK(dev->pf().bar0().read(pfr::RUC) == 1);
  CHECK(dev->accounting().wire_undersize == 1);
}
