// The VF data path (dp::RxQueue, dp::TxQueue) against the simulated 82599 and the real PF
// driver: VF0 sends to VF1's MAC through the VEB (loopback), the engine is stepped by hand.

#include <catch2/catch.hpp>

#include <array>
#include <atomic>
#include <cstring>
#include <vector>

#include "datapath_rig.hpp"
#include "hal/ixgbe/queue_regs.hpp"
#include "hal/ixgbe/regs_vf.hpp"

using namespace vftest;

namespace {


/// Frame length for sequence number `seq`: 60..1514, varied.
size_t len_of(uint32_t seq) { return 60 + (seq * 97) % (1514 - 60 + 1); }

/// Builds `count` frames VF `from` -> VF `to` numbered from `seq`, offers them in one
/// tx_burst and frees the ones not taken. Returns how many were taken.
uint16_t send(DatapathRig& rig, unsigned from, unsigned to, unsigned count, uint32_t seq,
              unsigned segments = 1, size_t len = 0) {
  std::vector<rte_mbuf*> pkts;
  for (unsigned k = 0; k < count; ++k) {
    const size_t l = len != 0 ? len : len_of(seq + k);
    pkts.push_back(make_mbuf(rig.ports[from].pool.get(),
                             frame_bytes(rig.mac(to), rig.mac(from), l, seq + k), segments));
  }
  const uint16_t took = rig.ports[from].tx->tx_burst(pkts.data(), static_cast<uint16_t>(count));
  for (unsigned k = took; k < count; ++k) rte_pktmbuf_free(pkts[k]);
  return took;
}

/// Everything VF `i` has received, in rx_burst calls of kBurst.
std::vector<rte_mbuf*> receive(DatapathRig& rig, unsigned i) {
  std::vector<rte_mbuf*> out;
  std::array<rte_mbuf*, kBurst> b{};
  for (uint16_t n; (n = rig.ports[i].rx->rx_burst(b.data(), kBurst)) != 0;) {
    out.insert(out.end(), b.begin(), b.begin() + n);
  }
  return out;
}

/// Checks that `got` are frames seq, seq+1, ... from VF `from` to VF `to`, then frees them.
void check_and_free(DatapathRig& rig, std::vector<rte_mbuf*>& got, unsigned from, unsigned to,
                    uint32_t seq, size_t len = 0) {
  for (size_t k = 0; k < got.size(); ++k) {
    const auto s = static_cast<uint32_t>(seq + k);
    const size_t l = len != 0 ? len : len_of(s);
    INFO("frame " << s);
    CHECK(got[k]->pkt_len == l);
    CHECK(mbuf_bytes(got[k]) == frame_bytes(rig.mac(to), rig.mac(from), l, s));
    CHECK((got[k]->ol_flags & (RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_RSS_HASH)) == 0);
    rte_pktmbuf_free(got[k]);
  }
  got.clear();
}

void check_accounting(DatapathRig& rig) {
  const sim::Accounting a = rig.dev->accounting();
  INFO(a.summary());
  CHECK(a.check() == "");
}

}  // namespace

TEST_CASE("32 frames from VF0 to VF1's MAC arrive once each with their bytes and lengths",
          "[datapath]") {
  DatapathRig rig;
  REQUIRE(send(rig, 0, 1, kBurst, 0) == kBurst);
  CHECK(rig.dev->poll_once() == kBurst);
  auto got = receive(rig, 1);
  REQUIRE(got.size() == kBurst);
  for (rte_mbuf* m : got) {
    CHECK(m->nb_segs == 1);
    CHECK(m->data_len == m->pkt_len);
    CHECK(m->next == nullptr);
  }
  check_and_free(rig, got, 0, 1, 0);
  CHECK(receive(rig, 0).empty());  // nothing looped back to the sender
  const sim::Accounting a = rig.dev->accounting();
  CHECK(a.offered_tx == kBurst);
  CHECK(a.delivered == kBurst);
  check_accounting(rig);
}

TEST_CASE("rx_burst returns at most n frames and keeps the rest for the next call", "[datapath]") {
  DatapathRig rig;
  REQUIRE(send(rig, 0, 1, 20, 0) == 20);
  rig.dev->poll_once();
  std::array<rte_mbuf*, kBurst> b{};
  std::vector<rte_mbuf*> got;
  for (const uint16_t n : {uint16_t{1}, uint16_t{7}, uint16_t{0}, uint16_t{32}}) {
    const uint16_t r = rig.ports[1].rx->rx_burst(b.data(), n);
    CHECK(r == std::min<uint16_t>(n, static_cast<uint16_t>(20 - got.size())));
    got.insert(got.end(), b.begin(), b.begin() + r);
  }
  REQUIRE(got.size() == 20);
  check_and_free(rig, got, 0, 1, 0);
  CHECK(rig.ports[1].rx->rx_burst(b.data(), kBurst) == 0);
  check_accounting(rig);
}

TEST_CASE("ring wrap: 320 frames in 10 bursts through 64-descriptor rings, in order",
          "[datapath]") {
  DatapathRig rig(64);
  uint32_t seq = 0;
  for (unsigned burst = 0; burst < 10; ++burst) {
    INFO("burst " << burst);
    REQUIRE(send(rig, 0, 1, kBurst, seq) == kBurst);
    rig.dev->poll_once();
    auto got = receive(rig, 1);
    REQUIRE(got.size() == kBurst);
    check_and_free(rig, got, 0, 1, seq);
    seq += kBurst;
    // The receiver's pool lends exactly a ring's worth to the device, wherever the ring is.
    CHECK(rig.avail(1) == DatapathRig::kPoolSize - rig.ring_size);
  }
  // Both directions at once, so each VF's TX and RX rings wrap while the other's do.
  for (unsigned burst = 0; burst < 5; ++burst) {
    REQUIRE(send(rig, 0, 1, kBurst, seq) == kBurst);
    REQUIRE(send(rig, 1, 0, kBurst, seq + 1000) == kBurst);
    rig.dev->poll_once();
    auto to1 = receive(rig, 1);
    auto to0 = receive(rig, 0);
    REQUIRE(to1.size() == kBurst);
    REQUIRE(to0.size() == kBurst);
    check_and_free(rig, to1, 0, 1, seq);
    check_and_free(rig, to0, 1, 0, seq + 1000);
    seq += kBurst;
  }
  CHECK(rig.dev->accounting().delivered == 20 * kBurst);
  check_accounting(rig);
}

TEST_CASE("tx_burst takes what fits in a full TX ring and leaves the rest to the caller",
          "[datapath]") {
  DatapathRig rig(64);
  auto& tx = *rig.ports[0].tx;
  const unsigned total = 100;
  std::vector<rte_mbuf*> pkts;
  for (unsigned k = 0; k < total; ++k) {
    pkts.push_back(make_mbuf(rig.ports[0].pool.get(), frame_bytes(rig.mac(1), rig.mac(0), 60, k)));
  }
  // 63 of 64 descriptors: one slot always stays empty.
  uint16_t sent = tx.tx_burst(pkts.data(), total);
  CHECK(sent == rig.ring_size - 1);
  CHECK(tx.free_descriptors() == 0);
  // The device has not run: nothing completed, nothing more fits, and nothing blocks.
  CHECK(tx.tx_burst(pkts.data() + sent, static_cast<uint16_t>(total - sent)) == 0);
  // Until everything is sent: one engine pass takes up to 32 frames per queue.
  std::vector<rte_mbuf*> got;
  for (unsigned round = 0; round < 10 && got.size() < total; ++round) {
    rig.dev->poll_once();
    auto r = receive(rig, 1);
    got.insert(got.end(), r.begin(), r.end());
    sent = static_cast<uint16_t>(sent + tx.tx_burst(pkts.data() + sent, static_cast<uint16_t>(total - sent)));
  }
  CHECK(sent == total);
  REQUIRE(got.size() == total);
  check_and_free(rig, got, 0, 1, 0, 60);
  CHECK(tx.rs_thresh() == 32);
  // Sender's pool, besides its own RX ring: after a cleanup, only descriptors past the last
  // RS still hold mbufs.
  tx.cleanup();
  const unsigned held = DatapathRig::kPoolSize - rig.ring_size - rig.avail(0);
  CHECK(held < tx.rs_thresh());
  CHECK(tx.free_descriptors() == rig.ring_size - 1 - held);
  CHECK(rig.dev->accounting().rx_no_descriptor == 0);
  check_accounting(rig);
}

TEST_CASE("a 9000-byte frame sent as 5 segments arrives chained over 2 KiB RX buffers",
          "[datapath]") {
  DatapathRig rig(64);
  REQUIRE(rig.ports[1].rx->buffer_size() == 2048);
  for (uint32_t seq = 0; seq < 20; ++seq) {  // 20 x 5 descriptors: both rings wrap too
    INFO("frame " << seq);
    REQUIRE(send(rig, 0, 1, 1, seq, 5, 9000) == 1);
    CHECK(rig.dev->poll_once() == 1);
    auto got = receive(rig, 1);
    REQUIRE(got.size() == 1);
    rte_mbuf* m = got[0];
    CHECK(m->pkt_len == 9000);
    CHECK(m->nb_segs == 5);  // 4 x 2048 + 808
    unsigned segs = 0;
    uint32_t sum = 0;
    for (const rte_mbuf* s = m; s != nullptr; s = s->next) {
      ++segs;
      sum += s->data_len;
      CHECK(s->data_len == (s->next != nullptr ? 2048u : 9000u - 4 * 2048u));
    }
    CHECK(segs == 5);
    CHECK(sum == 9000);
    CHECK(rte_mbuf_check(m, 1, nullptr) == 0);
    check_and_free(rig, got, 0, 1, seq, 9000);
  }
  check_accounting(rig);
}

TEST_CASE("no mbuf leaks: both pools are full again once frames and queues are freed",
          "[datapath]") {
  DatapathRig rig(128);
  uint32_t seq = 0;
  for (unsigned burst = 0; burst < 12; ++burst) {
    const unsigned segs = 1 + burst % 3;
    REQUIRE(send(rig, 0, 1, kBurst, seq, segs) == kBurst);
    rig.dev->poll_once();
    auto got = receive(rig, 1);
    REQUIRE(got.size() == kBurst);
    check_and_free(rig, got, 0, 1, seq);
    seq += kBurst;
  }
  // Frames sent but never received stay in VF1's ring until the queue goes.
  REQUIRE(send(rig, 0, 1, kBurst, seq) == kBurst);
  rig.dev->poll_once();
  CHECK(rig.avail(0) < DatapathRig::kPoolSize);
  CHECK(rig.avail(1) < DatapathRig::kPoolSize);
  for (VfPort& p : rig.ports) {
    p.rx.reset();
    p.tx.reset();
  }
  CHECK(rig.avail(0) == DatapathRig::kPoolSize);
  CHECK(rig.avail(1) == DatapathRig::kPoolSize);
  // Destroying a queue disabled it in the device.
  CHECK((rig.fn(1).bar0().read(hal::ixgbe::vf::VFRXDCTL(0)) & hal::ixgbe::rxdctl::kEnable) == 0);
  CHECK((rig.fn(0).bar0().read(hal::ixgbe::vf::VFTXDCTL(0)) & hal::ixgbe::txdctl::kEnable) == 0);
  check_accounting(rig);
}

TEST_CASE("after a VF reset the old queues are stopped and new ones carry traffic",
          "[datapath]") {
  DatapathRig rig(64);
  REQUIRE(send(rig, 0, 1, kBurst, 0) == kBurst);
  rig.dev->poll_once();
  auto got = receive(rig, 1);
  REQUIRE(got.size() == kBurst);
  check_and_free(rig, got, 0, 1, 0);

  // VF1 resets (VFCTRL.RST in a new bring-up): the device forgets its queues.
  const uint64_t resets = rig.ports[1].drv->counters().resets;
  require_ok(rig.ports[1].drv->probe());
  require_ok(rig.ports[1].drv->set_mtu(9000));
  REQUIRE(rig.ports[1].drv->counters().resets != resets);
  CHECK_FALSE(rig.ports[1].rx->enabled());
  CHECK_FALSE(rig.ports[1].tx->enabled());
  // Frames for VF1 now find its RX queue disabled and are counted as such.
  REQUIRE(send(rig, 0, 1, 4, 100) == 4);
  rig.dev->poll_once();
  CHECK(rig.dev->accounting().rx_queue_disabled == 4);

  rig.setup_queues(1);
  CHECK(rig.avail(1) == DatapathRig::kPoolSize - rig.ring_size);  // the old ring's mbufs came back
  REQUIRE(send(rig, 0, 1, kBurst, 200) == kBurst);
  REQUIRE(send(rig, 1, 0, kBurst, 300) == kBurst);
  rig.dev->poll_once();
  auto to1 = receive(rig, 1);
  auto to0 = receive(rig, 0);
  REQUIRE(to1.size() == kBurst);
  REQUIRE(to0.size() == kBurst);
  check_and_free(rig, to1, 0, 1, 200);
  check_and_free(rig, to0, 1, 0, 300);
  check_accounting(rig);
}

TEST_CASE("TX with head write-back frees what the device has sent", "[datapath]") {
  DatapathRig rig(64);
  dp::TxQueueOptions o;
  o.head_writeback = true;
  rig.setup_queues(0, {}, o);
  for (uint32_t seq = 0; seq < 5 * kBurst; seq += kBurst) {
    REQUIRE(send(rig, 0, 1, kBurst, seq) == kBurst);
    rig.dev->poll_once();
    auto got = receive(rig, 1);
    REQUIRE(got.size() == kBurst);
    check_and_free(rig, got, 0, 1, seq);
  }
  // The head covers every sent descriptor, so cleanup returns all of them.
  rig.ports[0].tx->cleanup();
  CHECK(rig.ports[0].tx->free_descriptors() == rig.ring_size - 1);
  CHECK(rig.avail(0) == DatapathRig::kPoolSize - rig.ring_size);  // only VF0's RX ring
  check_accounting(rig);
}

TEST_CASE("a tagged frame is flagged RX_VLAN (+ STRIPPED with VME) with its TCI", "[datapath]") {
  DatapathRig rig(64);
  require_ok(rig.ports[0].drv->add_vlan(100));
  require_ok(rig.ports[1].drv->add_vlan(100));
  for (const bool strip : {false, true}) {
    INFO("strip " << strip);
    dp::RxQueueOptions ro;
    ro.vlan_strip = strip;
    rig.setup_queues(1, ro);
    std::vector<uint8_t> untagged = frame_bytes(rig.mac(1), rig.mac(0), 100, 7);
    std::vector<uint8_t> tagged(untagged.begin(), untagged.begin() + 12);
    const uint16_t tci = (3u << 13) | 100;
    tagged.insert(tagged.end(), {0x81, 0x00, static_cast<uint8_t>(tci >> 8), static_cast<uint8_t>(tci)});
    tagged.insert(tagged.end(), untagged.begin() + 12, untagged.end());
    rte_mbuf* m = make_mbuf(rig.ports[0].pool.get(), tagged);
    REQUIRE(rig.ports[0].tx->tx_burst(&m, 1) == 1);
    rig.dev->poll_once();
    auto got = receive(rig, 1);
    REQUIRE(got.size() == 1);
    CHECK((got[0]->ol_flags & RTE_MBUF_F_RX_VLAN) != 0);
    CHECK(((got[0]->ol_flags & RTE_MBUF_F_RX_VLAN_STRIPPED) != 0) == strip);
    CHECK(got[0]->vlan_tci == tci);
    CHECK(mbuf_bytes(got[0]) == (strip ? untagged : tagged));
    rte_pktmbuf_free(got[0]);
  }
  check_accounting(rig);
}

TEST_CASE("queue setup refuses bad arguments", "[datapath]") {
  DatapathRig rig(64);
  rte_mempool* mp = rig.ports[0].pool.get();
  auto code = [](const auto& r) { return r ? std::optional<dp::QueueErrc>() : r.error().code; };
  CHECK(code(dp::RxQueue::create(rig.fn(0), hal::QueueId{8}, 64, mp)) == dp::QueueErrc::kInvalidArgument);
  CHECK(code(dp::RxQueue::create(rig.fn(0), hal::QueueId{1}, 48, mp)) == dp::QueueErrc::kInvalidArgument);
  CHECK(code(dp::RxQueue::create(rig.fn(0), hal::QueueId{1}, 4, mp)) == dp::QueueErrc::kInvalidArgument);
  CHECK(code(dp::RxQueue::create(rig.fn(0), hal::QueueId{1}, 64, nullptr)) == dp::QueueErrc::kInvalidArgument);
  CHECK(code(dp::TxQueue::create(rig.fn(0), hal::QueueId{1}, 100)) == dp::QueueErrc::kInvalidArgument);
  // A ring bigger than the pool's free mbufs.
  CHECK(code(dp::RxQueue::create(rig.fn(0), hal::QueueId{1}, 2048, mp)) == dp::QueueErrc::kNoMemory);
  CHECK(rig.avail(0) == DatapathRig::kPoolSize - rig.ring_size);  // the failed fill took nothing
  check_accounting(rig);
}

namespace {

/// Plays the device by hand on VF `i`'s RX queue 0: finds the ring through VFRDBAL/H and the
/// VF's DMA domain, and writes write-back descriptors the way the engine does (status last).
struct HandDevice {
  HandDevice(DatapathRig& rig, unsigned i) : fn(rig.fn(i)) {
    namespace vfr = hal::ixgbe::vf;
    const uint64_t base = (uint64_t{fn.bar0().read(vfr::VFRDBAH(0))} << 32) | fn.bar0().read(vfr::VFRDBAL(0));
    auto p = fn.dma().translate(hal::Iova(base), size_t{rig.ring_size} * 16);
    REQUIRE(p.has_value());
    ring = static_cast<hal::ixgbe::AdvRxDesc*>(*p);
  }
  /// Copies `bytes` into descriptor `idx`'s buffer and writes its write-back.
  void complete(unsigned idx, const std::vector<uint8_t>& bytes, uint32_t status, uint32_t info = 0,
                uint32_t rss = 0, uint16_t vlan = 0) {
    auto buf = fn.dma().translate(hal::Iova(ring[idx].read.pkt_addr), bytes.size());
    REQUIRE(buf.has_value());
    std::memcpy(*buf, bytes.data(), bytes.size());
    hal::ixgbe::AdvRxWriteBack wb{info, rss, 0, static_cast<uint16_t>(bytes.size()), vlan};
    std::memcpy(&ring[idx], &wb, 16);
    std::atomic_ref<uint32_t>(ring[idx].wb.status_error).store(status, std::memory_order_release);
  }
  hal::PciFunction& fn;
  hal::ixgbe::AdvRxDesc* ring = nullptr;
};

}  // namespace

TEST_CASE("a write-back with an RSS type gives hash.rss and RTE_MBUF_F_RX_RSS_HASH", "[datapath]") {
  namespace ix = hal::ixgbe;
  DatapathRig rig(64);
  HandDevice hw(rig, 1);
  const auto f0 = frame_bytes(rig.mac(1), rig.mac(0), 60, 1);
  const auto f1 = frame_bytes(rig.mac(1), rig.mac(0), 70, 2);
  hw.complete(0, f0, ix::rxd_stat::kDd | ix::rxd_stat::kEop, ix::rss_type::kIpv4Tcp, 0xDEADBEEF);
  hw.complete(1, f1, ix::rxd_stat::kDd | ix::rxd_stat::kEop, ix::rss_type::kNone, 0x12345678);
  std::array<rte_mbuf*, 4> b{};
  REQUIRE(rig.ports[1].rx->rx_burst(b.data(), 4) == 2);
  CHECK((b[0]->ol_flags & RTE_MBUF_F_RX_RSS_HASH) != 0);
  CHECK(b[0]->hash.rss == 0xDEADBEEF);
  CHECK(mbuf_bytes(b[0]) == f0);
  CHECK((b[1]->ol_flags & RTE_MBUF_F_RX_RSS_HASH) == 0);
  CHECK(mbuf_bytes(b[1]) == f1);
  rte_pktmbuf_free(b[0]);
  rte_pktmbuf_free(b[1]);
  check_accounting(rig);
}

TEST_CASE("a frame whose EOP has not arrived is held back and completed by a later rx_burst",
          "[datapath]") {
  namespace ix = hal::ixgbe;
  DatapathRig rig(64);
  HandDevice hw(rig, 1);
  const auto whole = frame_bytes(rig.mac(1), rig.mac(0), 3000, 9);
  const std::vector<uint8_t> a(whole.begin(), whole.begin() + 2048), c(whole.begin() + 2048, whole.end());
  hw.complete(0, a, ix::rxd_stat::kDd);
  std::array<rte_mbuf*, 4> b{};
  CHECK(rig.ports[1].rx->rx_burst(b.data(), 4) == 0);
  hw.complete(1, c, ix::rxd_stat::kDd | ix::rxd_stat::kEop | ix::rxd_stat::kVp, 0, 0, 42);
  REQUIRE(rig.ports[1].rx->rx_burst(b.data(), 4) == 1);
  CHECK(b[0]->nb_segs == 2);
  CHECK(b[0]->pkt_len == 3000);
  CHECK(b[0]->vlan_tci == 42);
  CHECK((b[0]->ol_flags & (RTE_MBUF_F_RX_VLAN | RTE_MBUF_F_RX_VLAN_STRIPPED)) == RTE_MBUF_F_RX_VLAN);
  CHECK(mbuf_bytes(b[0]) == whole);
  rte_pktmbuf_free(b[0]);
  // A half-received frame still in the queue goes back to the pool with the queue.
  hw.complete(2, a, ix::rxd_stat::kDd);
  CHECK(rig.ports[1].rx->rx_burst(b.data(), 4) == 0);
  rig.ports[1].rx.reset();
  CHECK(rig.avail(1) == DatapathRig::kPoolSize);
  check_accounting(rig);
}

TEST_CASE("a packet with more segments than ring size - rs_thresh is refused, one at the limit fits",
          "[datapath]") {
  DatapathRig rig(64);
  dp::TxQueue& tx = *rig.ports[0].tx;
  // 64 descriptors, rs_thresh 32: a longer packet could wait for room that no RS would free.
  REQUIRE(tx.max_segments() == 64 - tx.rs_thresh());
  const auto bytes = frame_bytes(rig.mac(1), rig.mac(0), 60u * (tx.max_segments() + 1u), 0);
  rte_mbuf* too_long = make_mbuf(rig.ports[0].pool.get(), bytes, tx.max_segments() + 1u);
  REQUIRE(too_long != nullptr);
  CHECK(tx.tx_burst(&too_long, 1) == 0);  // refused: still the caller's
  rte_pktmbuf_free(too_long);
  rte_mbuf* at_limit = make_mbuf(rig.ports[0].pool.get(), bytes, tx.max_segments());
  REQUIRE(at_limit != nullptr);
  CHECK(tx.tx_burst(&at_limit, 1) == 1);
  rig.dev->poll_once();
  auto got = receive(rig, 1);
  REQUIRE(got.size() == 1);
  CHECK(got[0]->pkt_len == bytes.size());
  for (rte_mbuf* m : got) rte_pktmbuf_free(m);
  check_accounting(rig);
}

TEST_CASE("fast_free returns completed mbufs to the pool in bulk and refuses multi-segment ones",
          "[datapath]") {
  DatapathRig rig(64);
  dp::TxQueueOptions o;
  o.fast_free = true;
  rig.setup_queues(0, {}, o);
  auto& tx = *rig.ports[0].tx;
  CHECK(tx.max_segments() == 1);
  const unsigned before = rig.avail(0);
  // A chained mbuf breaks the fast_free contract: refused, still the caller's.
  rte_mbuf* chain = make_mbuf(rig.ports[0].pool.get(), frame_bytes(rig.mac(1), rig.mac(0), 200, 0), 2);
  CHECK(tx.tx_burst(&chain, 1) == 0);
  rte_pktmbuf_free(chain);
  // 200 single-segment frames through a 64-descriptor ring: every mbuf comes back.
  unsigned sent = 0;
  std::vector<rte_mbuf*> got;
  for (unsigned round = 0; round < 100 && got.size() < 200; ++round) {
    std::vector<rte_mbuf*> pkts;
    for (unsigned k = 0; k < 32 && sent + k < 200; ++k) {
      pkts.push_back(make_mbuf(rig.ports[0].pool.get(), frame_bytes(rig.mac(1), rig.mac(0), 60, sent + k)));
    }
    const uint16_t took = tx.tx_burst(pkts.data(), static_cast<uint16_t>(pkts.size()));
    for (size_t k = took; k < pkts.size(); ++k) rte_pktmbuf_free(pkts[k]);
    sent += took;
    rig.dev->poll_once();
    auto r = receive(rig, 1);
    got.insert(got.end(), r.begin(), r.end());
  }
  REQUIRE(got.size() == 200);
  check_and_free(rig, got, 0, 1, 0, 60);
  tx.cleanup();
  const unsigned held = DatapathRig::kPoolSize - rig.ring_size - rig.avail(0);
  CHECK(held < tx.rs_thresh());  // only what follows the last RS is still in the ring
  rig.ports[0].tx.reset();
  CHECK(rig.avail(0) == before);
  check_accounting(rig);
}
