// TxQueue::close() and RxQueue::close(): what they free and what they report, so a harness can
// check its own frame counts against the rings instead of deriving them (harness/faults/).

#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include "datapath_rig.hpp"

using namespace vftest;

namespace {

/// Offers `count` 100-byte frames VF `from` -> VF `to` in one tx_burst; returns how many it took.
uint16_t offer(DatapathRig& rig, unsigned from, unsigned to, unsigned count) {
  std::vector<rte_mbuf*> pkts;
  for (unsigned k = 0; k < count; ++k) {
    pkts.push_back(make_mbuf(rig.ports[from].pool.get(), frame_bytes(rig.mac(to), rig.mac(from), 100, k)));
  }
  const uint16_t n = rig.ports[from].tx->tx_burst(pkts.data(), static_cast<uint16_t>(pkts.size()));
  for (size_t k = n; k < pkts.size(); ++k) rte_pktmbuf_free(pkts[k]);
  return n;
}

}  // namespace

TEST_CASE("TxQueue::close counts the packets it frees and, with head write-back, the sent ones",
          "[datapath][close]") {
  DatapathRig rig;
  rig.setup_queues(0, {}, dp::TxQueueOptions{.head_writeback = true});
  REQUIRE(offer(rig, 0, 1, 10) == 10);
  rig.dev->poll_once();  // the device sends all ten; nobody cleans up
  REQUIRE(offer(rig, 0, 1, 6) == 6);  // these six stay in the ring
  const dp::TxCloseCounts c = rig.ports[0].tx->close();
  CHECK(c.packets == 16);
  CHECK(c.completed == 10);
  CHECK(rig.ports[0].tx->close().packets == 0);  // inert afterwards
  CHECK(rig.avail(0) + rig.ring_size == DatapathRig::kPoolSize);  // only the RX ring's buffers out
}

TEST_CASE("TxQueue::close without head write-back counts done packets up to the last DD",
          "[datapath][close]") {
  DatapathRig rig;
  rig.setup_queues(0, {}, dp::TxQueueOptions{.rs_thresh = 4});
  REQUIRE(offer(rig, 0, 1, 9) == 9);  // RS on packets 4 and 8
  rig.dev->poll_once();
  const dp::TxCloseCounts c = rig.ports[0].tx->close(/*stop_device=*/false);
  CHECK(c.packets == 9);
  CHECK(c.completed == 8);  // the ninth was sent too, but nothing says so
}

TEST_CASE("RxQueue::close counts the completed frames never read, not the empty buffers",
          "[datapath][close]") {
  DatapathRig rig;
  REQUIRE(offer(rig, 0, 1, 5) == 5);
  rig.dev->poll_once();
  std::array<rte_mbuf*, 2> b{};
  REQUIRE(rig.ports[1].rx->rx_burst(b.data(), 2) == 2);
  rte_pktmbuf_free(b[0]);
  rte_pktmbuf_free(b[1]);
  const unsigned out = DatapathRig::kPoolSize - rig.avail(1);
  const dp::RxCloseCounts c = rig.ports[1].rx->close();
  CHECK(c.frames == 3);
  CHECK(c.mbufs == out);
  CHECK(rig.avail(1) == DatapathRig::kPoolSize);
  CHECK(rig.ports[1].rx->close().frames == 0);
}
