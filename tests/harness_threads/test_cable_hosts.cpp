// Two simulated hosts joined by a cable (hal/sim/cable.hpp): a VF on one host reaches a VF on
// the other through both devices' switches, stepped on one thread and with each host polled on
// its own thread.

#include <atomic>
#include <thread>

#include "hal/sim/cable.hpp"
#include "tests/harness/wire_rig.hpp"

using wiretest::Bytes;
using wiretest::frame;

namespace {

/// Two hosts with different MACs, cabled together.
struct CabledHosts {
  explicit CabledHosts(size_t capacity = 256) {
    a = wiretest::make_host(1, 0, 1);
    b = wiretest::make_host(1, 500000, 2);
    REQUIRE(a->mac(0) != b->mac(0));
    auto c = sim::make_cable(capacity);
    REQUIRE(c.has_value());
    cable = std::move(*c);
    a->device().set_wire(cable.a);
    b->device().set_wire(cable.b);
  }
  std::unique_ptr<harness::DatapathHost> a, b;
  sim::Cable cable;
};

}  // namespace

TEST_CASE("cable: a VF on host A reaches a VF on host B across the cable, and back", "[wire][cable]") {
  CabledHosts h;
  const Bytes there = frame(h.b->mac(0), h.a->mac(0), 128, 1);
  const Bytes back = frame(h.a->mac(0), h.b->mac(0), 1514, 2);
  wiretest::vf_send(h.a->port(0), there);
  // A: unknown unicast (B's MAC is not A's) -> wire. B: from the wire to its VF's MAC.
  wiretest::run_until_idle(h.a->device());
  wiretest::run_until_idle(h.b->device());
  std::vector<Bytes> at_b;
  wiretest::vf_receive(h.b->port(0), at_b);
  REQUIRE(at_b.size() == 1);
  CHECK(at_b[0] == there);

  wiretest::vf_send(h.b->port(0), back);
  wiretest::run_until_idle(h.b->device());
  wiretest::run_until_idle(h.a->device());
  std::vector<Bytes> at_a;
  wiretest::vf_receive(h.a->port(0), at_a);
  REQUIRE(at_a.size() == 1);
  CHECK(at_a[0] == back);

  CHECK(h.cable.a->tx_stats().sent == 1);
  CHECK(h.cable.a->tx_stats().received == 1);
  CHECK(h.cable.b->tx_stats().sent == 1);
  CHECK(h.a->device().accounting().to_wire == 1);
  CHECK(h.b->device().accounting().offered_wire == 1);
  wiretest::require_accounts(h.a->device());
  wiretest::require_accounts(h.b->device());
}

TEST_CASE("cable: frames that find the cable full are counted at the sender, the rest arrive in order",
          "[wire][cable]") {
  CabledHosts h(8);
  for (uint32_t i = 0; i < 20; ++i) wiretest::vf_send(h.a->port(0), frame(h.b->mac(0), h.a->mac(0), 60, i));
  wiretest::run_until_idle(h.a->device());  // B does not poll yet: the cable fills

  const sim::CableDirection ab = h.cable.a->tx_stats();
  CHECK(h.a->device().accounting().to_wire == 20);
  CHECK(ab.sent == 8);
  CHECK(ab.dropped_full == 12);
  CHECK(ab.offered() == 20);

  wiretest::run_until_idle(h.b->device());
  std::vector<Bytes> at_b;
  wiretest::vf_receive(h.b->port(0), at_b);
  REQUIRE(at_b.size() == 8);
  for (uint32_t i = 0; i < 8; ++i) CHECK(wiretest::seq_of(at_b[i]) == i);
  wiretest::require_accounts(h.a->device());
  wiretest::require_accounts(h.b->device());
}

TEST_CASE("cable: two hosts each polled on its own thread exchange 2000 frames each way", "[wire][cable][threads]") {
  constexpr uint32_t kFrames = 2000;
  // Room for every frame in flight: nothing can be dropped whatever the scheduling.
  CabledHosts h(2048);
  struct Result {
    uint32_t received = 0;
    uint32_t out_of_order = 0;
  };
  std::atomic<unsigned> finished{0};
  // Each side sends kFrames to the other and receives until it has kFrames, then keeps its
  // device polled until the other side is done too.
  auto run = [&](harness::DatapathHost& self, const hal::MacAddr& to, Result& r) {
    uint32_t sent = 0;
    bool done = false;
    std::vector<Bytes> got;
    rte_mbuf* bufs[32];
    const auto deadline = wiretest::Clock::now() + wiretest::kPatience * 3;
    while (finished.load(std::memory_order_acquire) < 2 && wiretest::Clock::now() < deadline) {
      const uint32_t want = std::min<uint32_t>(32, kFrames - sent);
      uint32_t made = 0;
      for (; made < want; ++made) {
        bufs[made] = harness::mbuf_from_bytes(self.port(0).pool.get(), frame(to, self.mac(0), 60 + sent % 64, sent + made));
        if (bufs[made] == nullptr) break;
      }
      const uint16_t took = self.port(0).tx->tx_burst(bufs, static_cast<uint16_t>(made));
      rte_pktmbuf_free_bulk(bufs + took, made - took);
      sent += took;
      const size_t moved = self.device().poll_once();
      got.clear();
      wiretest::vf_receive(self.port(0), got);
      for (const Bytes& b : got) {
        if (wiretest::seq_of(b) != r.received) ++r.out_of_order;
        ++r.received;
      }
      if (!done && r.received >= kFrames && sent == kFrames) {
        done = true;
        finished.fetch_add(1, std::memory_order_acq_rel);
      }
      if (moved == 0 && got.empty()) std::this_thread::yield();
    }
  };
  Result ra, rb;
  std::thread ta([&] { run(*h.a, h.b->mac(0), ra); });
  std::thread tb([&] { run(*h.b, h.a->mac(0), rb); });
  ta.join();
  tb.join();
  CHECK(ra.received == kFrames);
  CHECK(rb.received == kFrames);
  CHECK(ra.out_of_order == 0);
  CHECK(rb.out_of_order == 0);
  for (const auto& end : {h.cable.a, h.cable.b}) {
    const sim::CableDirection d = end->tx_stats();
    CHECK(d.sent == kFrames);
    CHECK(d.received == kFrames);
    CHECK(d.dropped_full == 0);
  }
  wiretest::require_accounts(h.a->device());
  wiretest::require_accounts(h.b->device());
}
