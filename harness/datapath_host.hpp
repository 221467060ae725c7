#pragma once
// A simulated host for the data path: one simulated 82599, the real PF driver, and per VF a
// probed VfDriver with an rte_pktmbuf pool mapped into the VF's DMA domain and RX/TX queue
// pairs (queue 0 by default). Everything is stepped on the caller's thread: nothing moves a
// frame until the caller runs device().poll_once(). The mailbox is served inline (a VF driver's
// waits run the PF's service), as in SimHost's stepped mode.
//
// The pieces stand alone too: make_pktmbuf_pool(), VfPort::open() (probes a driver of its own)
// and VfPort::attach() (a driver someone else probed, such as a SimHost guest's) build one VF's
// data path on any PciFunction, so a rig that owns its own device and PF driver can use them.
//
// Requires a running EAL (dp::Eal::init or dp::shared_eal), which must outlive the host.

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hal/clock.hpp"
#include "hal/sim/device.hpp"
#include "pf_driver/pf_driver.hpp"
#include "datapath/dma_map.hpp"
#include "datapath/rx_queue.hpp"
#include "datapath/tx_queue.hpp"
#include "vf_driver/vf_driver.hpp"

struct rte_mempool;

namespace harness {

/// rte_mempool_free as a deleter; a borrowed() one leaves the pool to its owner.
struct MempoolFree {
  static MempoolFree borrowed() { return MempoolFree{false}; }
  bool owned = true;
  void operator()(rte_mempool* mp) const;
};
using MempoolPtr = std::unique_ptr<rte_mempool, MempoolFree>;

/// An rte_pktmbuf pool of `n` mbufs (a power of two minus one suits rte_mempool) with `data_room`
/// bytes of data after the headroom, a per-lcore cache of `cache` mbufs (0: none, so
/// rte_mempool_avail_count is exact), under a process-unique name.
/// Errors: a message with rte_errno (no EAL, no memory, bad sizes).
std::expected<MempoolPtr, std::string> make_pktmbuf_pool(unsigned n, unsigned cache = 0,
                                                         uint16_t data_room = 2048);

/// How one VF's data path is built.
struct PortOptions {
  /// VfDriver options (mac_seed picks the VF's random MAC; give each VF its own).
  vf::VfOptions driver;
  /// set_mtu() after probe; 0 leaves the default (1500).
  uint32_t mtu = 0;
  /// RX and TX descriptors per queue (power of two, multiple of 8).
  uint16_t ring_size = 512;
  /// RX/TX queue pairs, VF queues 0..queues-1: at least 1, at most what the PF granted in
  /// GET_QUEUES (VfDriver::rx_queues() and tx_queues()). setup_queues() writes VFPSRTYPE.RQPL
  /// for the largest power of two up to 4 queues, so RSS spreads received flows over them.
  unsigned queues = 1;
  /// Mbufs in the VF's pool; 0 picks the smallest 2^k - 1 holding every ring, two bursts of 32
  /// and twice the cache.
  unsigned pool_size = 0;
  /// Per-lcore mempool cache (0: none).
  unsigned pool_cache = 0;
  /// Data room of each mbuf after the headroom, in bytes. RX programs SRRCTL.BSIZEPKT from it
  /// (1 KiB units, at most 16 KiB); frames longer than one buffer are chained.
  uint16_t data_room = 2048;
  /// A pool the caller owns and keeps for the port's life, instead of one the port makes: a
  /// guest's own memory, which every VF it is given uses (and which a VF's removal does not
  /// free). The port maps it into the function's DMA domain (it must not be mapped there
  /// already) and fills its RX rings from it; pool_size, pool_cache and data_room are then
  /// unused. Must hold the rings' mbufs besides what the caller keeps.
  rte_mempool* shared_pool = nullptr;
  dp::RxQueueOptions rx;
  dp::TxQueueOptions tx;
};

/// Deletes a VfDriver only when the port made it (VfPort::open); a port from VfPort::attach
/// borrows the caller's driver and leaves it alone.
struct DriverDelete {
  DriverDelete() = default;
  /// Implicit, so a std::make_unique<vf::VfDriver> converts to an owning DriverPtr.
  DriverDelete(std::default_delete<vf::VfDriver>) noexcept {}
  /// A deleter that leaves the driver to its owner.
  static DriverDelete borrowed() {
    DriverDelete d;
    d.owned = false;
    return d;
  }
  bool owned = true;
  void operator()(vf::VfDriver* d) const;
};
using DriverPtr = std::unique_ptr<vf::VfDriver, DriverDelete>;

/// One VF as a guest sees it: driver, pool, the pool's DMA mapping, and its RX/TX queue pairs.
/// Members are destroyed bottom-up: queues, then the mapping, then the pool, then the driver
/// (when the port owns it).
/// Not movable (the queues point into the driver's function; keep it in a unique_ptr).
struct VfPort {
  /// Probes a VfDriver on `fn`, then builds the data path as attach() does. `fn`, `clock` and
  /// `waiter` must outlive the port; `waiter` is what the driver runs while it waits for the
  /// PF (the PF's service, when stepped).
  /// Errors: one line naming the step that failed and why.
  static std::expected<std::unique_ptr<VfPort>, std::string> open(hal::PciFunction& fn,
                                                                  hal::Clock& clock,
                                                                  hal::Waiter& waiter,
                                                                  const PortOptions& opts);
  /// The data path of a driver already probed on `fn` (which must be `driver`'s function):
  /// set_mtu() when opts.mtu is not 0 (a mailbox request, served however the driver's waiter
  /// serves it), the pool, its mapping into fn's DMA domain, and opts.queues RX/TX queue
  /// pairs. opts.driver is not used. `fn` and `driver` must outlive the port, which does not
  /// own the driver. Queue setup itself needs no mailbox.
  /// Errors: one line naming the step that failed and why (more queues than GET_QUEUES gave).
  static std::expected<std::unique_ptr<VfPort>, std::string> attach(hal::PciFunction& fn,
                                                                    vf::VfDriver& driver,
                                                                    const PortOptions& opts);
  VfPort() = default;
  VfPort(const VfPort&) = delete;
  VfPort& operator=(const VfPort&) = delete;
  ~VfPort();

  /// (Re)creates `queues` RX/TX queue pairs, VF queues 0..queues-1 (old queues are destroyed
  /// first; nothing stays set up after an error). The pool must hold `queues` filled RX rings.
  std::expected<void, std::string> setup_queues(uint16_t ring_size, const dp::RxQueueOptions& rx,
                                                const dp::TxQueueOptions& tx, unsigned queues = 1);
  /// Queue pairs set up.
  unsigned num_queues() const { return static_cast<unsigned>(rxq.size()); }

  hal::PciFunction* fn = nullptr;
  DriverPtr drv;
  MempoolPtr pool;
  dp::DmaMapping mapping;
  /// VF queue q is txq[q] / rxq[q].
  std::vector<dp::TxQueue> txq;
  std::vector<dp::RxQueue> rxq;
  /// Queue 0 each way (txq[0], rxq[0]; null while none is set up): what single-queue users take.
  dp::TxQueue* tx = nullptr;
  dp::RxQueue* rx = nullptr;
  unsigned pool_size = 0;
};

struct DatapathHostOptions {
  unsigned num_vfs = 2;  ///< 1..63
  hal::MacAddr pf_mac{{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
  /// The PF's MTU; jumbo by default so VFs may ask for up to 9000 bytes.
  uint32_t pf_mtu = 9000;
  /// Applied to every VF; driver.mac_seed is offset by the VF number.
  PortOptions port;
};

/// The device, the PF driver (SR-IOV with num_vfs VFs, VF loopback on as the PF programs it)
/// and one VfPort per VF, on a ManualClock. Not thread-safe: one thread steps it all.
class DatapathHost {
 public:
  /// Builds and brings up everything. Errors: no EAL, the PF refused, a VF port failed (a line
  /// naming it).
  static std::expected<std::unique_ptr<DatapathHost>, std::string> create(
      const DatapathHostOptions& opts);
  ~DatapathHost();
  DatapathHost(const DatapathHost&) = delete;
  DatapathHost& operator=(const DatapathHost&) = delete;

  sim::Device82599& device() { return *dev_; }
  pf::PfDriver& pf() { return *pf_; }
  hal::ManualClock& clock() { return clock_; }
  unsigned num_ports() const { return static_cast<unsigned>(ports_.size()); }
  VfPort& port(unsigned i) { return *ports_[i]; }
  hal::MacAddr mac(unsigned i) const { return ports_[i]->drv->mac(); }

 private:
  explicit DatapathHost(const DatapathHostOptions& opts);
  std::expected<void, std::string> bring_up(const DatapathHostOptions& opts);

  hal::ManualClock clock_;
  std::unique_ptr<sim::Device82599> dev_;
  hal::SteppingWaiter pf_waiter_;  // the PF waits only on the device: advances the clock
  std::unique_ptr<pf::PfDriver> pf_;
  hal::SteppingWaiter vf_waiter_;  // a VF's wait serves the PF's mailbox once
  std::vector<std::unique_ptr<VfPort>> ports_;
};

}  // namespace harness
