#include "harness/datapath_host.hpp"

#include <algorithm>
#include <atomic>
#include <bit>

#include <fmt/format.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "datapath/eal.hpp"
#include "datapath/rss_queues.hpp"

namespace harness {

void MempoolFree::operator()(rte_mempool* mp) const {
  if (owned) rte_mempool_free(mp);
}

std::expected<MempoolPtr, std::string> make_pktmbuf_pool(unsigned n, unsigned cache,
                                                         uint16_t data_room) {
  static std::atomic<unsigned> serial{0};
  const std::string name = fmt::format("dph_pool{}", serial.fetch_add(1));
  const unsigned buf = unsigned{data_room} + RTE_PKTMBUF_HEADROOM;
  if (buf > UINT16_MAX) return std::unexpected(fmt::format("mbuf data room {} too large", data_room));
  MempoolPtr mp(rte_pktmbuf_pool_create(name.c_str(), n, cache, 0, static_cast<uint16_t>(buf),
                                        SOCKET_ID_ANY));
  if (!mp) {
    return std::unexpected(fmt::format("rte_pktmbuf_pool_create({} x {} B, cache {}): {}", n, buf,
                                       cache, rte_strerror(rte_errno)));
  }
  return mp;
}

void DriverDelete::operator()(vf::VfDriver* d) const {
  if (owned) delete d;
}

namespace {

/// The smallest 2^k - 1 that holds every RX and TX ring, a burst in flight each way and the
/// cache's worst case (rte_mempool may keep up to 1.5 x cache per lcore).
unsigned default_pool_size(const PortOptions& o) {
  const unsigned need = 2u * o.ring_size * std::max(o.queues, 1u) + 2 * 32 + 2 * o.pool_cache;
  return std::bit_ceil(need + 1) - 1;
}

/// The pool, its mapping and the queues, on a port whose driver is probed.
std::expected<void, std::string> build_path(VfPort& p, const PortOptions& opts) {
  vf::VfDriver& drv = *p.drv;
  // The PF's answer to GET_QUEUES bounds the queues the VF may touch: past it the registers
  // belong to no queue of this pool (or to nothing), and the device would ignore them.
  const unsigned granted = std::min(drv.rx_queues(), drv.tx_queues());
  if (opts.queues < 1 || opts.queues > granted) {
    return std::unexpected(
        fmt::format("{} queue pairs asked, the PF granted {} RX and {} TX (GET_QUEUES)",
                    opts.queues, drv.rx_queues(), drv.tx_queues()));
  }
  if (opts.mtu != 0) {
    if (auto r = drv.set_mtu(opts.mtu); !r) {
      return std::unexpected(fmt::format("set_mtu({}): {}", opts.mtu, r.error()));
    }
  }
  if (opts.shared_pool != nullptr) {
    p.pool = MempoolPtr(opts.shared_pool, MempoolFree::borrowed());
    p.pool_size = opts.shared_pool->size;
  } else {
    p.pool_size = opts.pool_size != 0 ? opts.pool_size : default_pool_size(opts);
    auto mp = make_pktmbuf_pool(p.pool_size, opts.pool_cache, opts.data_room);
    if (!mp) return std::unexpected(mp.error());
    p.pool = std::move(*mp);
  }
  auto m = dp::DmaMapping::map_mempool(p.fn->dma(), *p.pool);
  if (!m) return std::unexpected(fmt::format("mapping the pool: {}", m.error()));
  p.mapping = std::move(*m);
  return p.setup_queues(opts.ring_size, opts.rx, opts.tx, opts.queues);
}

}  // namespace

VfPort::~VfPort() {
  // Queues before the mapping and the pool (they hold mbufs and DMA zones), as declared.
  tx = nullptr;
  rx = nullptr;
  rxq.clear();
  txq.clear();
}

std::expected<void, std::string> VfPort::setup_queues(uint16_t ring_size,
                                                      const dp::RxQueueOptions& rx_opts,
                                                      const dp::TxQueueOptions& tx_opts,
                                                      unsigned queues) {
  tx = nullptr;
  rx = nullptr;
  rxq.clear();
  txq.clear();
  // Reserved up front: tx and rx point into the vectors.
  txq.reserve(queues);
  rxq.reserve(queues);
  for (unsigned q = 0; q < queues; ++q) {
    auto t = dp::TxQueue::create(*fn, hal::QueueId{q}, ring_size, tx_opts);
    if (!t) {
      txq.clear();
      return std::unexpected(fmt::format("TX queue {} setup: {}", q, t.error()));
    }
    txq.push_back(std::move(*t));
  }
  for (unsigned q = 0; q < queues; ++q) {
    auto r = dp::RxQueue::create(*fn, hal::QueueId{q}, ring_size, pool.get(), rx_opts);
    if (!r) {
      rxq.clear();
      txq.clear();
      return std::unexpected(fmt::format("RX queue {} setup: {}", q, r.error()));
    }
    rxq.push_back(std::move(*r));
  }
  if (queues != 0) {
    tx = &txq[0];
    rx = &rxq[0];
  }
  // RSS spreads received flows over the queues only once the pool's RQPL says how many there
  // are; queues past a power of two still transmit.
  const unsigned rss = queues >= 4 ? 4 : queues >= 2 ? 2 : 1;
  if (auto r = dp::set_vf_rss_queues(*fn, rss); !r) return std::unexpected(fmt::format("{}", r.error()));
  return {};
}

std::expected<std::unique_ptr<VfPort>, std::string> VfPort::open(hal::PciFunction& fn,
                                                                 hal::Clock& clock,
                                                                 hal::Waiter& waiter,
                                                                 const PortOptions& opts) {
  auto p = std::make_unique<VfPort>();
  p->fn = &fn;
  p->drv = std::make_unique<vf::VfDriver>(fn, clock, waiter, opts.driver);
  if (auto r = p->drv->probe(); !r) return std::unexpected(fmt::format("probe: {}", r.error()));
  if (auto r = build_path(*p, opts); !r) return std::unexpected(r.error());
  return p;
}

std::expected<std::unique_ptr<VfPort>, std::string> VfPort::attach(hal::PciFunction& fn,
                                                                   vf::VfDriver& driver,
                                                                   const PortOptions& opts) {
  auto p = std::make_unique<VfPort>();
  p->fn = &fn;
  p->drv = DriverPtr(&driver, DriverDelete::borrowed());
  if (auto r = build_path(*p, opts); !r) return std::unexpected(r.error());
  return p;
}

DatapathHost::DatapathHost(const DatapathHostOptions& opts)
    // The device's time is the host's (its TX rate limiter): clock_ is declared first, so it
    // outlives the device.
    : dev_(sim::Device82599::create(sim::DeviceConfig{.clock = &clock_})),
      pf_waiter_(clock_, nullptr),
      vf_waiter_(clock_, [this] { pf_->service_once(); }) {
  pf::PfOptions pf_opts;
  pf_opts.mac = opts.pf_mac;
  pf_opts.mtu = opts.pf_mtu;
  pf_ = std::make_unique<pf::PfDriver>(dev_->pf(), clock_, pf_waiter_, pf_opts);
}

DatapathHost::~DatapathHost() {
  // Ports (queues, mappings, pools, VF drivers) before the PF driver and the device.
  ports_.clear();
}

std::expected<std::unique_ptr<DatapathHost>, std::string> DatapathHost::create(
    const DatapathHostOptions& opts) {
  if (!dp::Eal::running()) return std::unexpected(std::string("no EAL is running"));
  if (opts.num_vfs < 1 || opts.num_vfs > 63) {
    return std::unexpected(fmt::format("{} VFs: want 1..63", opts.num_vfs));
  }
  std::unique_ptr<DatapathHost> host(new DatapathHost(opts));
  if (auto r = host->bring_up(opts); !r) return std::unexpected(r.error());
  return host;
}

std::expected<void, std::string> DatapathHost::bring_up(const DatapathHostOptions& opts) {
  if (auto r = pf_->init(); !r) return std::unexpected(fmt::format("PF init: {}", r.error().reason));
  if (auto r = pf_->set_num_vfs(opts.num_vfs); !r) {
    return std::unexpected(fmt::format("PF set_num_vfs({}): {}", opts.num_vfs, r.error().reason));
  }
  for (unsigned i = 0; i < opts.num_vfs; ++i) {
    auto fn = dev_->vf(hal::VfId{i});
    if (!fn) return std::unexpected(fmt::format("VF {}: no function", i));
    PortOptions po = opts.port;
    po.driver.mac_seed = opts.port.driver.mac_seed + 1000 + i;
    auto p = VfPort::open(**fn, clock_, vf_waiter_, po);
    if (!p) return std::unexpected(fmt::format("VF {}: {}", i, p.error()));
    ports_.push_back(std::move(*p));
  }
  return {};
}

}  // namespace harness
