// The stepped rigs' time reaches the device: DatapathHost's simulated 82599 runs on the host's
// ManualClock, so its TX rate limiter moves only when the host's clock does (as the fault rig's
// does, harness/faults/traffic_rig.cpp).
#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "guest_apps_rig.hpp"

using namespace std::chrono_literals;

TEST_CASE("DatapathHost: a VF's TX rate limit follows the host's ManualClock", "[faults][clock]") {
  auto h = appstest::make_host(2);
  REQUIRE(h->pf().set_vf_rate(hal::VfId{0}, 100).has_value());  // 100 Mb/s: 12.5 kB per ms
  std::vector<std::vector<uint8_t>> frames;
  std::vector<uint8_t> f(1000, 0);
  const auto dst = h->mac(1).bytes();
  const auto src = h->mac(0).bytes();
  std::copy(dst.begin(), dst.end(), f.begin());
  std::copy(src.begin(), src.end(), f.begin() + 6);
  f[12] = 0x08;
  for (int i = 0; i < 32; ++i) frames.push_back(f);
  appstest::send_frames(*h, 0, frames);  // 32 kB: about 2.6 ms at the limit

  std::array<rte_mbuf*, 32> b{};
  unsigned got = 0;
  auto drain = [&] {
    for (int pass = 0; pass < 64; ++pass) h->device().poll_once();
    for (uint16_t n; (n = h->port(1).rx->rx_burst(b.data(), 32)) != 0; got += n) {
      for (uint16_t i = 0; i < n; ++i) rte_pktmbuf_free(b[i]);
    }
  };
  drain();
  // Simulated time has not moved: the limiter holds most of the burst back.
  CHECK(got < 32);
  const unsigned held = got;
  // 5 ms of simulated time in 100 us steps: the limiter lets the rest through (a jump would
  // buy only one window of credit).
  for (int step = 0; step < 50; ++step) {
    h->clock().advance(100us);
    drain();
  }
  CHECK(got == 32);
  CHECK(held < got);
}
