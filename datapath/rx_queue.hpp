#pragma once
// One 82599 receive queue: an advanced one-buffer descriptor ring (spec 5a) filled with mbufs
// from an rte_mempool, and rx_burst with rte_eth_rx_burst's contract. A VF drives its queues
// through its VF-relative registers, the PF its default pool's queues through the absolute ones
// (RxQueueRegs, queue_setup.hpp); everything else is the same code.
//
// Ownership of the ring (the usual one for Intel NICs): the hardware owns the descriptors from
// RDH up to, not including, RDT; we own the rest. We keep RDT one behind our next descriptor to
// check, so RDH == RDT always means "no descriptor for the hardware", never "all of them".
//
// After a VF reset (VfDriver::counters().resets changed) the device has forgotten the queue:
// destroy it and create a new one. The PF's queues: see pf::HostQueues (pf_driver/host_queues.hpp).

#include <cstdint>
#include <expected>
#include <memory>

#include "hal/clock.hpp"
#include "hal/ixgbe/descriptors.hpp"
#include "hal/pci_function.hpp"
#include "datapath/dma_map.hpp"
#include "datapath/queue_setup.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace dp {

struct RxQueueOptions {
  /// RXDCTL.VME: the device strips the 802.1Q tag; rx_burst then also flags
  /// RTE_MBUF_F_RX_VLAN_STRIPPED.
  bool vlan_strip = false;
  /// Refill (and write RDT) once this many descriptors were consumed; 0 picks
  /// min(32, ring_size / 4). Clamped to ring_size - 1.
  uint16_t free_thresh = 0;
  /// Written into every received mbuf's `port`.
  uint16_t port_id = 0;
  /// Paused through between ENABLE read-backs at setup and teardown; null re-reads at once.
  hal::Waiter* waiter = nullptr;
};

/// What RxQueue::close() found in the ring when it freed it.
struct RxCloseCounts {
  uint32_t mbufs = 0;   ///< mbufs returned to the pool (posted, completed, a partial frame)
  /// Frames the device had completed (DD on their EOP descriptor) that rx_burst never returned.
  uint32_t frames = 0;
};

/// A receive queue of one function (a VF, or the PF's default pool). Move-only; destruction
/// (or close()) clears RXDCTL.ENABLE (bounded wait) and returns every mbuf the queue still owns
/// to its pool, then frees the ring memory.
///
/// The mempool must outlive the queue and be mapped into the function's DMA domain (DmaMapping)
/// for the queue's whole life; the function must outlive it too.
///
/// Thread safety: none; one thread (an lcore) polls one queue, as in DPDK.
class RxQueue {
 public:
  /// Sets up VF-relative RX queue `queue` of `fn` (82599 datasheet 4.6.7, receive
  /// initialisation; ixgbevf_configure_rx_ring): ENABLE off, ring base and length, SRRCTL
  /// advanced one-buffer with BSIZEPKT = the mbufs' data room minus headroom in KiB (rounded
  /// down, at most 16) and DROP_EN, RDH = RDT = 0, RXDCTL.ENABLE (+VME) with a bounded
  /// read-back, then every descriptor filled from `mp` and RDT = ring_size - 1.
  /// `ring_size`: a power of two, a multiple of 8 (8..32768).
  /// `queue` should be below VfDriver::rx_queues() (only the slot range 0..7 is checked here).
  /// Errors: kInvalidArgument (queue >= 8, bad ring size, null pool, a pool without
  /// rte_pktmbuf private data or with less than 1 KiB of data room after the headroom),
  /// kNoMemory (no memzone, or the pool has fewer than ring_size free mbufs), kDma,
  /// kNoDevice, kEnableTimeout.
  static std::expected<RxQueue, QueueError> create(hal::PciFunction& fn, hal::QueueId queue,
                                                   uint16_t ring_size, rte_mempool* mp,
                                                   RxQueueOptions opts = {});
  /// The same setup on the queue `regs` describes, through `fn`'s BAR0: vf_rx_regs(q) on a VF,
  /// pf_rx_regs(absolute queue) on the PF. The ring is mapped into `fn`'s DMA domain, which
  /// must be the domain the device uses for that queue (the PF's for its own pool's queues).
  /// Which queues a function may drive is the caller's business (pf::HostQueues checks the
  /// PF's). Errors: as above, except the queue range (the layout already holds a valid queue).
  static std::expected<RxQueue, QueueError> create(hal::PciFunction& fn, const RxQueueRegs& regs,
                                                   uint16_t ring_size, rte_mempool* mp,
                                                   RxQueueOptions opts = {});

  RxQueue(RxQueue&& other) noexcept;
  RxQueue& operator=(RxQueue&&) = delete;
  RxQueue(const RxQueue&) = delete;
  RxQueue& operator=(const RxQueue&) = delete;
  ~RxQueue();

  /// Takes up to `n` received frames into `pkts` and returns how many. Never blocks. The
  /// caller owns every returned mbuf. A frame spread over several descriptors (up to EOP) comes
  /// as one multi-segment mbuf; a frame whose EOP has not arrived yet is kept for the next call.
  /// Each head mbuf has pkt_len, data_len, nb_segs and port set; RTE_MBUF_F_RX_VLAN with
  /// vlan_tci when the descriptor's VP is set (+ RTE_MBUF_F_RX_VLAN_STRIPPED with vlan_strip);
  /// hash.rss with RTE_MBUF_F_RX_RSS_HASH when the descriptor's RSS type is not zero.
  /// Consumed descriptors are refilled in bulk with one RDT write once free_thresh of them
  /// have gathered; when the pool is empty they are retried on the next call (the hardware then
  /// has fewer descriptors and may drop). No allocation besides the mempool, no lock.
  uint16_t rx_burst(rte_mbuf** pkts, uint16_t n);

  /// The queue as its function numbers it: VF-relative, or absolute for the PF.
  hal::QueueId queue() const { return hal::QueueId{regs_.index}; }
  /// The registers the queue was set up on.
  const RxQueueRegs& regs() const { return regs_; }
  uint16_t ring_size() const { return size_; }
  /// Buffer size programmed into SRRCTL.BSIZEPKT, in bytes.
  uint32_t buffer_size() const { return buf_size_; }
  /// Descriptors consumed and not yet given back to the hardware.
  uint16_t held() const { return nb_hold_; }
  /// Descriptors the device has filled and rx_burst has not returned yet (one per buffer, so
  /// a chained frame counts each of its buffers), read from RDH/RDT; 0 when the function
  /// reads all-ones (gone). Meaningful only while the device runs the queue (enabled()).
  /// Cold: two register reads.
  uint32_t filled() const;
  /// Refills that found the pool empty.
  uint64_t alloc_failures() const { return alloc_failures_; }
  /// Reads RXDCTL: false once the device stopped the queue (a DMA fault, a VF reset). Cold.
  bool enabled() const;
  /// Returns every mbuf the queue owns to the pool and counts the frames the device completed
  /// (DD set) that were never read. With `stop_device` it first clears RXDCTL.ENABLE and waits
  /// for the read-back, as the destructor does; without, it touches no register (the function
  /// was reset and its owner is gone). The queue is inert afterwards (rx_burst must not be
  /// called). A second call returns zeros.
  RxCloseCounts close(bool stop_device = true) noexcept;

 private:
  RxQueue() = default;
  std::expected<void, QueueError> program(hal::Waiter* waiter);
  std::expected<void, QueueError> fill_all();
  /// Gives the held descriptors back, bulk-allocated, with one RDT write.
  void refill();
  /// The doorbell: every RDT write goes through here (setup, first fill, refills).
  void write_tail(uint32_t tail) { bar_->write(rdt_, tail); }

  hal::RegisterIo* bar_ = nullptr;  // null once moved from
  hal::Reg32 rdt_{0};               // cached doorbell (regs_.rdt)
  RxQueueRegs regs_;                // the rest of the queue's registers: cold path only
  std::unique_ptr<DmaZone> zone_;
  hal::ixgbe::AdvRxDesc* ring_ = nullptr;
  std::unique_ptr<rte_mbuf*[]> sw_ring_;  // the mbuf behind each descriptor (null: none)
  rte_mempool* mp_ = nullptr;
  uint16_t size_ = 0;
  uint16_t mask_ = 0;
  uint16_t next_ = 0;     // next descriptor to check for DD
  uint16_t nb_hold_ = 0;  // consumed descriptors before next_ without an mbuf
  uint16_t free_thresh_ = 0;
  uint16_t port_id_ = 0;
  uint64_t rearm_ = 0;       // data_off, refcnt, nb_segs, port of a fresh mbuf (rearm_data)
  uint64_t vlan_flags_ = 0;  // RTE_MBUF_F_RX_VLAN (| _STRIPPED), picked at setup
  uint32_t buf_size_ = 0;
  uint32_t vme_ = 0;
  rte_mbuf* first_seg_ = nullptr;  // a frame whose EOP has not arrived yet
  rte_mbuf* last_seg_ = nullptr;
  uint64_t alloc_failures_ = 0;
  hal::Waiter* waiter_ = nullptr;
};

}  // namespace dp
