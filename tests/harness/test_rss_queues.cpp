// RSS end to end: a VF with two RX queues asks for them (VFPSRTYPE.RQPL), the PF's MRQC/RETA
// (VMDq + RSS) spread flows over them, and rx_burst hands out the descriptor's hash.
#include <catch2/catch.hpp>

#include <set>

#include <rte_mbuf.h>

#include "datapath/eal.hpp"
#include "harness/datapath_host.hpp"
#include "harness/wire/mbuf_copy.hpp"

namespace {

/// An IPv4/TCP frame from 10.1.0.<host>:<sport> to 10.2.0.1:80 (checksums are not looked at).
std::vector<uint8_t> tcp_frame(const hal::MacAddr& dst, const hal::MacAddr& src, uint8_t host, uint16_t sport) {
  std::vector<uint8_t> b(64, 0);
  for (unsigned i = 0; i < 6; ++i) {
    b[i] = dst[i];
    b[6 + i] = src[i];
  }
  b[12] = 0x08;
  b[14] = 0x45;
  b[17] = 50;
  b[23] = 6;  // TCP
  const uint8_t ips[8] = {10, 1, 0, host, 10, 2, 0, 1};
  std::copy(std::begin(ips), std::end(ips), b.begin() + 26);
  b[34] = static_cast<uint8_t>(sport >> 8);
  b[35] = static_cast<uint8_t>(sport);
  b[37] = 80;
  b[46] = 0x50;
  return b;
}

}  // namespace

TEST_CASE("RSS spreads a VF's received flows over its two RX queues with the hash in each mbuf", "[harness][rss]") {
  REQUIRE(dp::shared_eal());
  harness::DatapathHostOptions o;
  o.num_vfs = 2;  // 32-pool mode: 4 queues per pool, the VF asks RSS for 2
  o.port.queues = 2;
  auto host = harness::DatapathHost::create(o);
  INFO((host ? std::string() : host.error()));
  REQUIRE(host);
  harness::DatapathHost& h = **host;
  auto& tx = *h.port(0).tx;
  constexpr unsigned kFlows = 64;
  unsigned sent = 0;
  for (unsigned f = 0; f < kFlows; ++f) {
    rte_mbuf* m = harness::mbuf_from_bytes(h.port(0).pool.get(),
                                           tcp_frame(h.mac(1), h.mac(0), static_cast<uint8_t>(f), static_cast<uint16_t>(1000 + f)));
    REQUIRE(m != nullptr);
    const uint16_t took = tx.tx_burst(&m, 1);
    if (took == 0) rte_pktmbuf_free(m);
    sent += took;
    if (f % 16 == 15) h.device().poll_once();
  }
  REQUIRE(sent == kFlows);
  while (h.device().poll_once() != 0) {
  }
  unsigned per_queue[2] = {0, 0};
  std::set<uint32_t> hashes;
  for (unsigned q = 0; q < 2; ++q) {
    rte_mbuf* got[32];
    for (uint16_t n; (n = h.port(1).rxq[q].rx_burst(got, 32)) != 0;) {
      for (uint16_t k = 0; k < n; ++k) {
        CHECK((got[k]->ol_flags & RTE_MBUF_F_RX_RSS_HASH) != 0);
        // RETA entry (hash & 0x7F), masked to the pool's two queues, picked this queue.
        hashes.insert(got[k]->hash.rss);
        rte_pktmbuf_free(got[k]);
      }
      per_queue[q] += n;
    }
  }
  CHECK(per_queue[0] + per_queue[1] == kFlows);
  CHECK(per_queue[0] > 0);
  CHECK(per_queue[1] > 0);
  CHECK(hashes.size() > kFlows / 2);  // distinct flows, distinct hashes (bar a collision or two)
  CHECK(h.device().accounting().check().empty());
}
