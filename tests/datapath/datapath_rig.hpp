#pragma once
// A stepped rig for the VF data path: a simulated 82599, the real PF driver (SR-IOV with two
// VFs, jumbo PF so VFs may ask for 9000-byte MTUs), two probed VfDrivers, and per VF an
// rte_pktmbuf pool mapped into that VF's DMA domain plus RX/TX queue 0. Nothing runs on its own:
// tests move frames with dev->poll_once().

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <deque>
#include <vector>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "tests/vf/pf_rig.hpp"
#include "datapath/dma_map.hpp"
#include "datapath/eal.hpp"
#include "datapath/rx_queue.hpp"
#include "datapath/tx_queue.hpp"

namespace vftest {

/// The burst size the data-path tests use (DPDK's usual 32).
inline constexpr unsigned kBurst = 32;

inline void require_eal() {
  const auto& e = dp::shared_eal();
  INFO((e ? std::string() : fmt::format("{}", e.error())));
  REQUIRE(e.has_value());
}

struct MempoolFree {
  void operator()(rte_mempool* mp) const { rte_mempool_free(mp); }
};
using MempoolPtr = std::unique_ptr<rte_mempool, MempoolFree>;

/// An rte_pktmbuf pool of `n` mbufs with 2 KiB of data room after the headroom, no per-lcore
/// cache (so rte_mempool_avail_count is exact), under a process-unique name.
inline MempoolPtr make_pool(unsigned n) {
  static std::atomic<unsigned> serial{0};
  const std::string name = "dp_pool" + std::to_string(serial.fetch_add(1));
  MempoolPtr mp(rte_pktmbuf_pool_create(name.c_str(), n, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
                                        SOCKET_ID_ANY));
  REQUIRE(mp != nullptr);
  return mp;
}

/// One VF as a guest sees it. Members are destroyed bottom-up: queues, then the mapping, then
/// the pool, then the driver.
struct VfPort {
  std::unique_ptr<vf::VfDriver> drv;
  MempoolPtr pool;
  dp::DmaMapping mapping;
  std::optional<dp::TxQueue> tx;
  std::optional<dp::RxQueue> rx;
  unsigned pool_size = 0;
};

inline void require_ok(const std::expected<void, vf::Error>& r) {
  INFO((r ? std::string() : fmt::format("{}", r.error())));
  REQUIRE(r.has_value());
}

struct DatapathRig : PfRig {
  static constexpr unsigned kPoolSize = 1023;  // a power of two minus one suits rte_mempool

  explicit DatapathRig(uint16_t ring = 64, unsigned num_vfs = 2) : PfRig(pf_options(9000)), ring_size(ring) {
    require_eal();
    up(num_vfs);
    for (unsigned i = 0; i < num_vfs; ++i) {
      VfPort& p = ports.emplace_back();
      p.drv = std::make_unique<vf::VfDriver>(fn(i), clock, vf_waiter, vf_options(i));
      require_ok(p.drv->probe());
      require_ok(p.drv->set_mtu(9000));
      p.pool = make_pool(kPoolSize);
      p.pool_size = kPoolSize;
      auto m = dp::DmaMapping::map_mempool(fn(i).dma(), *p.pool);
      INFO((m ? std::string() : fmt::format("{}", m.error())));
      REQUIRE(m.has_value());
      p.mapping = std::move(*m);
      setup_queues(i);
    }
  }

  ~DatapathRig() {
    // Queues go before the pools and mappings; ports before the device (the base class).
    ports.clear();
  }

  /// (Re)creates queue 0 of VF `i` (old queues are destroyed first).
  void setup_queues(unsigned i, dp::RxQueueOptions rx_opts = {}, dp::TxQueueOptions tx_opts = {}) {
    VfPort& p = ports[i];
    p.rx.reset();
    p.tx.reset();
    auto tx = dp::TxQueue::create(fn(i), hal::QueueId{0}, ring_size, tx_opts);
    INFO((tx ? std::string() : fmt::format("{}", tx.error())));
    REQUIRE(tx.has_value());
    p.tx.emplace(std::move(*tx));
    auto rx = dp::RxQueue::create(fn(i), hal::QueueId{0}, ring_size, p.pool.get(), rx_opts);
    INFO((rx ? std::string() : fmt::format("{}", rx.error())));
    REQUIRE(rx.has_value());
    p.rx.emplace(std::move(*rx));
  }

  hal::MacAddr mac(unsigned i) const { return ports[i].drv->mac(); }
  unsigned avail(unsigned i) const { return rte_mempool_avail_count(ports[i].pool.get()); }

  uint16_t ring_size;
  std::deque<VfPort> ports;
};

/// The bytes of frame number `seq`: dst, src, IPv4 ethertype, then a pattern seeded by seq.
inline std::vector<uint8_t> frame_bytes(const hal::MacAddr& dst, const hal::MacAddr& src,
                                        size_t len, uint32_t seq) {
  std::vector<uint8_t> b(len, 0);
  for (unsigned i = 0; i < 6; ++i) {
    b[i] = dst[i];
    b[6 + i] = src[i];
  }
  // IEEE local experimental ethertype: never IPv4, so RSS never hashes these (a 0x0800 frame
  // whose pattern byte happened to read 0x45 was hashed, as the device should).
  b[12] = 0x88;
  b[13] = 0xB5;
  // The sequence number first, then a pattern that differs per frame.
  for (unsigned i = 0; i < 4 && 14 + i < len; ++i) b[14 + i] = static_cast<uint8_t>(seq >> (8 * i));
  for (size_t i = 18; i < len; ++i) b[i] = static_cast<uint8_t>(seq * 7 + i);
  return b;
}

/// An mbuf chain from `mp` holding `bytes` in `segments` segments of near-equal length.
inline rte_mbuf* make_mbuf(rte_mempool* mp, const std::vector<uint8_t>& bytes, unsigned segments = 1) {
  const size_t per = (bytes.size() + segments - 1) / segments;
  rte_mbuf* head = nullptr;
  for (unsigned k = 0; k < segments; ++k) {
    rte_mbuf* m = rte_pktmbuf_alloc(mp);
    REQUIRE(m != nullptr);
    const size_t off = k * per;
    const size_t len = std::min(per, bytes.size() - off);
    char* p = rte_pktmbuf_append(m, static_cast<uint16_t>(len));
    REQUIRE(p != nullptr);
    std::memcpy(p, bytes.data() + off, len);
    if (head == nullptr) {
      head = m;
    } else {
      REQUIRE(rte_pktmbuf_chain(head, m) == 0);
    }
  }
  return head;
}

/// The bytes of a (possibly chained) mbuf.
inline std::vector<uint8_t> mbuf_bytes(const rte_mbuf* m) {
  std::vector<uint8_t> out;
  for (; m != nullptr; m = m->next) {
    const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
    out.insert(out.end(), p, p + m->data_len);
  }
  return out;
}

}  // namespace vftest
