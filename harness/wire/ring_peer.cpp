#include "harness/wire/ring_peer.hpp"

#include <dlfcn.h>

#include <atomic>
#include <bit>

#include <fmt/format.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_version.h>

#include "datapath/eal.hpp"
#include "harness/wire/mbuf_copy.hpp"

namespace harness {

namespace {

// rte_eth_from_rings lives in the net_ring driver, which Debian ships as an EAL plugin
// (dpdk/pmds-<abi>) and not in libdpdk's link line. The EAL has usually loaded it already;
// dlopen then only takes a reference on that same copy (one soname, one registration).
static_assert(RTE_VERSION >= RTE_VERSION_NUM(22, 11, 0, 0) && RTE_VERSION < RTE_VERSION_NUM(23, 11, 0, 0),
              "the net_ring soname below is for DPDK ABI 23 (22.11 to 23.07)");
constexpr const char* kNetRingSoname = "librte_net_ring.so.23";

using FromRingsFn = decltype(&rte_eth_from_rings);

std::expected<FromRingsFn, std::string> from_rings() {
  // Kept for the process's life: unloading a driver DPDK has registered is never safe.
  static const std::expected<FromRingsFn, std::string> fn = []() -> std::expected<FromRingsFn, std::string> {
    void* lib = dlopen(kNetRingSoname, RTLD_NOW);
    if (lib == nullptr) return std::unexpected(fmt::format("the net_ring driver: {}", dlerror()));
    void* sym = dlsym(lib, "rte_eth_from_rings");
    if (sym == nullptr) return std::unexpected(fmt::format("rte_eth_from_rings: {}", dlerror()));
    return reinterpret_cast<FromRingsFn>(sym);
  }();
  return fn;
}

struct RingFree {
  void operator()(rte_ring* r) const { rte_ring_free(r); }
};
using RingPtr = std::unique_ptr<rte_ring, RingFree>;

/// Frees every mbuf left in `r`.
void drain(rte_ring* r) {
  if (r == nullptr) return;
  void* objs[32];
  while (const unsigned n = rte_ring_dequeue_burst(r, objs, 32, nullptr)) {
    rte_pktmbuf_free_bulk(reinterpret_cast<rte_mbuf**>(objs), n);
  }
}

}  // namespace

/// What both ends share: the rings (net_ring ethdevs made from rings do not own them) and the
/// pools of both ends, whose mbufs may still sit in the rings after their end is gone (the
/// device's copies in to_peer, WirePeer::send's in to_device).
struct RingLink {
  ~RingLink() {
    // Both ethdevs are closed by now (each end releases its link after its port).
    drain(to_peer.get());
    drain(to_device.get());
  }
  // Declared first: freed after the rings are drained.
  std::shared_ptr<rte_mempool> device_pool;
  std::shared_ptr<rte_mempool> peer_pool;
  RingPtr to_peer;
  RingPtr to_device;
};

WirePeer::WirePeer(EthdevPort port, std::shared_ptr<RingLink> link)
    : link_(std::move(link)), port_(std::move(port)) {}

WirePeer::~WirePeer() = default;

uint16_t WirePeer::rx_burst(rte_mbuf** pkts, uint16_t n) { return rte_eth_rx_burst(port_.id(), 0, pkts, n); }

uint16_t WirePeer::tx_burst(rte_mbuf** pkts, uint16_t n) { return rte_eth_tx_burst(port_.id(), 0, pkts, n); }

bool WirePeer::send(std::span<const uint8_t> frame) {
  rte_mbuf* m = mbuf_from_bytes(port_.pool(), frame);
  if (m == nullptr) return false;
  if (tx_burst(&m, 1) == 1) return true;
  rte_pktmbuf_free(m);
  return false;
}

std::optional<std::vector<uint8_t>> WirePeer::receive() {
  rte_mbuf* m = nullptr;
  if (rx_burst(&m, 1) == 0) return std::nullopt;
  std::vector<uint8_t> out;
  bytes_from_mbuf(m, out);
  rte_pktmbuf_free(m);
  return out;
}

std::expected<RingWire, std::string> make_ring_wire(const RingWireOptions& opts) {
  if (!dp::Eal::running()) return std::unexpected(std::string("no EAL is running (dp::shared_eal() first)"));
  if (opts.ring_size < 2 || opts.ring_size > 65536 || !std::has_single_bit(opts.ring_size)) {
    return std::unexpected(fmt::format("ring_size {}: want a power of two in 2..65536", opts.ring_size));
  }
  auto fn = from_rings();
  if (!fn) return std::unexpected(fn.error());

  static std::atomic<unsigned> serial{0};
  const unsigned n = serial.fetch_add(1);
  auto link = std::make_shared<RingLink>();
  // Exact size: the ring holds ring_size frames, not ring_size - 1. One producer and one
  // consumer per ring: the device's engine thread on one side, the peer's thread on the other.
  const unsigned flags = RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ;
  link->to_peer.reset(rte_ring_create(fmt::format("skw{}_d2p", n).c_str(), opts.ring_size, SOCKET_ID_ANY, flags));
  link->to_device.reset(rte_ring_create(fmt::format("skw{}_p2d", n).c_str(), opts.ring_size, SOCKET_ID_ANY, flags));
  if (!link->to_peer || !link->to_device) {
    return std::unexpected(fmt::format("rte_ring_create({} slots): {}", opts.ring_size, rte_strerror(rte_errno)));
  }

  rte_ring* to_peer = link->to_peer.get();
  rte_ring* to_device = link->to_device.get();
  const int dev_id = (*fn)(fmt::format("sk{}dev", n).c_str(), &to_device, 1, &to_peer, 1, SOCKET_ID_ANY);
  if (dev_id < 0) return std::unexpected(fmt::format("rte_eth_from_rings: {}", rte_strerror(rte_errno)));
  EthdevPortOptions dev_opts = opts.device;
  dev_opts.extra_mbufs += opts.ring_size;
  auto dev_port = EthdevPort::adopt(static_cast<uint16_t>(dev_id), dev_opts);
  if (!dev_port) return std::unexpected(dev_port.error());
  link->device_pool = dev_port->shared_pool();

  const int peer_id = (*fn)(fmt::format("sk{}peer", n).c_str(), &to_peer, 1, &to_device, 1, SOCKET_ID_ANY);
  if (peer_id < 0) return std::unexpected(fmt::format("rte_eth_from_rings: {}", rte_strerror(rte_errno)));
  auto peer_port = EthdevPort::adopt(static_cast<uint16_t>(peer_id), opts.peer);
  if (!peer_port) return std::unexpected(peer_port.error());
  link->peer_pool = peer_port->shared_pool();

  RingWire w;
  w.port = std::make_shared<EthdevWire>(std::move(*dev_port), link);
  w.peer = std::make_unique<WirePeer>(std::move(*peer_port), std::move(link));
  return w;
}

}  // namespace harness
