#pragma once
// The host's own data path: RX/TX queue pairs on the PF's default pool, with the same burst
// API as a VF's (dp::RxQueue / dp::TxQueue on the PF's absolute queue registers).
//
// Built into sriovkit_pf_datapath, not sriovkit_pf: the PF's control plane stays free of DPDK
// (as hal/ and mailbox/ are), and only programs that want host traffic link DPDK through this.
//
// Lifecycle:
//   - open() takes a lease on the default pool (PfDriver::lease_host_pool()) and sets up
//     queue pairs on PfDriver::host_queues(). While it lives, PfDriver::set_num_vfs() refuses
//     to change the VF count (the change moves the pool): destroy the HostQueues, change the
//     count, open again.
//   - after PfDriver::reset() (or init() again) the device has forgotten the queues: stale()
//     turns true and nothing is sent or received any more (tx_burst still takes packets until
//     the ring is full; destruction frees them). Destroy and open again.

#include <cstdint>
#include <expected>
#include <utility>
#include <vector>

#include "datapath/queue_setup.hpp"
#include "datapath/rx_queue.hpp"
#include "datapath/tx_queue.hpp"
#include "hal/pci_function.hpp"
#include "pf_driver/host_pool.hpp"
#include "pf_driver/pf_driver.hpp"

struct rte_mempool;

namespace pf {

struct HostQueueOptions {
  /// RX and TX descriptors per queue (power of two, multiple of 8, 8..32768).
  uint16_t ring_size = 512;
  /// Queue pairs to open, from the pool's first queue; 0 opens every host queue. In VT mode
  /// the PF's RSS spreads received flows over all of the pool's queues (MRQC VMDq + RSS), so
  /// fewer pairs means frames for the others are dropped on real hardware.
  unsigned pairs = 0;
  dp::RxQueueOptions rx;
  dp::TxQueueOptions tx;
};

/// Queue pairs of the PF's default pool. Move-only. Destruction stops and frees the queues
/// (each RXDCTL/TXDCTL.ENABLE cleared, mbufs back to their pools), then returns the lease.
///
/// The PfDriver, `pf_fn` and the mempool must outlive it; the mempool must be mapped into the
/// PF's DMA domain (dp::DmaMapping::map_mempool(pf_fn.dma(), ...)), and so must every mbuf
/// given to tx_burst.
///
/// Thread safety: the queues, as dp queues (one lcore each). open(), stale() and destruction
/// are control-plane calls: serialise them with the PfDriver's other calls.
class HostQueues {
 public:
  /// Sets up `opts.pairs` RX/TX queue pairs on the default pool's absolute queues, through
  /// `pf_fn` (the function `pf` drives), RX filled from `mp`. Pair i is absolute queue
  /// pf.host_queues()[i] both ways.
  /// Errors: kNotReady (PF not initialized), kInvalidArgument (more pairs than host queues, a
  /// bad ring size or pool), and every error of dp::RxQueue/TxQueue::create. Nothing stays
  /// set up after an error.
  static std::expected<HostQueues, dp::QueueError> open(PfDriver& pf, hal::PciFunction& pf_fn,
                                                        rte_mempool* mp,
                                                        const HostQueueOptions& opts = {});

  HostQueues(HostQueues&&) noexcept = default;
  HostQueues& operator=(HostQueues&&) = delete;
  HostQueues(const HostQueues&) = delete;
  HostQueues& operator=(const HostQueues&) = delete;
  ~HostQueues() = default;

  /// Queue pairs open.
  unsigned size() const { return static_cast<unsigned>(rx_.size()); }
  /// Pair i's receive queue (absolute queue queues()[i]).
  dp::RxQueue& rx(unsigned i) { return rx_[i]; }
  /// Pair i's transmit queue (absolute queue queues()[i]).
  dp::TxQueue& tx(unsigned i) { return tx_[i]; }
  /// The default pool the queues run on (VT_CTL.DEF_PL when they were opened).
  unsigned pool() const { return lease_.pool(); }
  /// The absolute queues open: the first size() of the pool's host queues.
  QueueRange queues() const { return {lease_.queues().first, size()}; }
  /// The PF was reset after open(): the device has forgotten the queues. Cold.
  bool stale() const { return lease_.stale(); }

 private:
  explicit HostQueues(HostPoolLease lease) : lease_(std::move(lease)) {}

  // Declared first, destroyed last: the queues stop before the pool may move.
  HostPoolLease lease_;
  std::vector<dp::TxQueue> tx_;
  std::vector<dp::RxQueue> rx_;
};

}  // namespace pf
