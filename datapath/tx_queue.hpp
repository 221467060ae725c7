#pragma once
// One 82599 transmit queue: an advanced data descriptor ring (spec 5b), and tx_burst with
// rte_eth_tx_burst's contract. A VF drives its queues through its VF-relative registers, the PF
// its default pool's queues through the absolute ones (TxQueueRegs, queue_setup.hpp).
//
// Ownership of the ring: we own the tail (TDT) and write descriptors from it; the hardware owns
// [TDH, TDT) and moves the head. One slot always stays empty (TDT never catches up with TDH from
// behind), so TDH == TDT means "nothing to send".
//
// Completion: RS is set on the EOP descriptor of the packet with which at least rs_thresh
// descriptors have been used since the last RS (DPDK ixgbe's full transmit path), so every
// RS descriptor sits at or after last_cleaned + rs_thresh; the device writes DD there. Cleanup
// checks that one DD, then frees the rs_thresh-or-so mbuf segments behind it in bulk. With head
// write-back the device stores TDH into memory instead, and cleanup frees everything before it.
//
// After a VF reset (VfDriver::counters().resets changed) the device has forgotten the queue:
// destroy it (which frees the mbufs still in flight) and create a new one. The PF's queues: see
// pf::HostQueues (pf_driver/host_queues.hpp).

#include <cstdint>
#include <expected>
#include <memory>

#include "hal/clock.hpp"
#include "hal/ixgbe/descriptors.hpp"
#include "hal/pci_function.hpp"
#include "datapath/dma_map.hpp"
#include "datapath/queue_setup.hpp"

struct rte_mbuf;

namespace dp {

struct TxQueueOptions {
  /// Descriptors between two RS bits. 0 picks min(32, ring_size / 2). Clamped to 1..ring_size/2.
  uint16_t rs_thresh = 0;
  /// tx_burst cleans completed descriptors when fewer than this many are free. 0 picks
  /// min(32, ring_size / 2). Clamped to rs_thresh..ring_size - 1.
  uint16_t free_thresh = 0;
  /// Program TDWBAL/H: the device writes its head index into memory (no DD polling).
  bool head_writeback = false;
  /// The caller promises what DPDK's RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE promises: every mbuf
  /// is single-segment, direct, has refcnt 1 and comes from one mempool. Completed mbufs then
  /// go back to the pool in bulk without the per-mbuf reference check. Multi-segment mbufs
  /// are refused (tx_burst stops at them) rather than leaked.
  bool fast_free = false;
  /// Paused through between ENABLE read-backs at setup and teardown; null re-reads at once.
  hal::Waiter* waiter = nullptr;
};

/// What TxQueue::close() found in the ring when it freed it.
struct TxCloseCounts {
  /// Packets whose mbufs close() freed, sent or not (what tx_burst took and cleanup had not
  /// freed yet).
  uint32_t packets = 0;
  /// Of those, the packets the device had reported done: before the written-back head with
  /// head write-back, else at or before the last descriptor with DD. Without head write-back a
  /// packet after the last RS descriptor counts as not done even if the device sent it.
  uint32_t completed = 0;
};

/// A transmit queue of one function (a VF, or the PF's default pool). Move-only; destruction
/// (or close()) clears TXDCTL.ENABLE (bounded wait) and frees every mbuf the queue still owns
/// (sent or not), then frees the ring memory.
///
/// Every mbuf given to tx_burst must come from a pool mapped into the function's DMA domain
/// while the queue may still send it. The function must outlive the queue.
///
/// Thread safety: none; one thread (an lcore) uses one queue, as in DPDK.
class TxQueue {
 public:
  /// The 82599 reads at most 40 data descriptors for one packet (datasheet 7.2.3.2.5).
  static constexpr uint16_t kMaxSegments = 40;

  /// Sets up VF-relative TX queue `queue` of `fn` (82599 datasheet 4.6.8, transmit
  /// initialisation; ixgbevf_configure_tx_ring): ENABLE off, ring base and length, TDH = TDT =
  /// 0, TDWBAL/H (the head write-back word, or 0), TXDCTL.ENABLE with a bounded read-back.
  /// `ring_size`: a power of two, a multiple of 8 (8..32768).
  /// `queue` should be below VfDriver::tx_queues() (only the slot range 0..7 is checked here).
  /// Errors: kInvalidArgument (queue >= 8, bad ring size), kNoMemory, kDma, kNoDevice,
  /// kEnableTimeout.
  static std::expected<TxQueue, QueueError> create(hal::PciFunction& fn, hal::QueueId queue,
                                                   uint16_t ring_size, TxQueueOptions opts = {});
  /// The same setup on the queue `regs` describes, through `fn`'s BAR0: vf_tx_regs(q) on a VF,
  /// pf_tx_regs(absolute queue) on the PF. The ring (and head write-back word) is mapped into
  /// `fn`'s DMA domain, which must be the domain the device uses for that queue. Errors: as
  /// above, except the queue range (the layout already holds a valid queue).
  static std::expected<TxQueue, QueueError> create(hal::PciFunction& fn, const TxQueueRegs& regs,
                                                   uint16_t ring_size, TxQueueOptions opts = {});

  TxQueue(TxQueue&& other) noexcept;
  TxQueue& operator=(TxQueue&&) = delete;
  TxQueue(const TxQueue&) = delete;
  TxQueue& operator=(const TxQueue&) = delete;
  ~TxQueue();

  /// Queues up to `n` packets from `pkts` and returns how many it took: pkts[0..ret) now belong
  /// to the queue (their segments are freed once the device has sent them), pkts[ret..n) stay
  /// the caller's. Never blocks: it stops at the first packet that does not fit in the free
  /// descriptors after cleanup, and at a packet with 0 or more than max_segments() segments
  /// (such a packet is never taken). One data descriptor
  /// per segment, EOP on the last, IFCS on all; one TDT write for the whole burst, after
  /// dma_wmb(). No offloads: ol_flags are ignored (no VLAN insertion, checksum, TSO).
  uint16_t tx_burst(rte_mbuf** pkts, uint16_t n);
  /// The most segments one packet may have: min(kMaxSegments, ring size - rs_thresh), so that a
  /// packet that does not fit now always fits once the device completes what is queued.
  uint16_t max_segments() const { return max_segments_; }

  /// Frees every mbuf the queue still owns and says how many packets that was and how many
  /// of them the device had completed. With `stop_device` it first clears TXDCTL.ENABLE and
  /// waits for the read-back, as the destructor does; without, it touches no register (the
  /// function was reset and its owner is gone: a dead VM's memory being torn down). The queue
  /// is inert afterwards (tx_burst must not be called; destruction does nothing more). A
  /// second call returns zeros.
  TxCloseCounts close(bool stop_device = true) noexcept;

  /// Frees what the device has completed, as tx_burst does when the ring runs low; returns the
  /// number of descriptors freed. For callers that want their mbufs back while the queue idles.
  uint16_t cleanup();

  /// The queue as its function numbers it: VF-relative, or absolute for the PF.
  hal::QueueId queue() const { return hal::QueueId{regs_.index}; }
  /// The registers the queue was set up on.
  const TxQueueRegs& regs() const { return regs_; }
  uint16_t ring_size() const { return size_; }
  /// Descriptors free for new packets.
  uint16_t free_descriptors() const { return nb_free_; }
  uint16_t rs_thresh() const { return rs_thresh_; }
  /// Reads TXDCTL: false once the device stopped the queue (a DMA fault, a VF reset). Cold.
  bool enabled() const;

 private:
  struct Entry {
    rte_mbuf* mbuf;    // the segment behind this descriptor, null once freed
    uint16_t last_id;  // the packet's EOP descriptor: where its completion shows
  };

  TxQueue() = default;
  std::expected<void, QueueError> program(hal::Waiter* waiter);
  /// One cleanup step (DD on the next RS descriptor, or the written-back head). Returns the
  /// descriptors freed; 0 when the device has not finished them.
  uint16_t clean_once();
  /// Frees the segments of descriptors (last_cleaned_, to] in bulk.
  void free_range(uint16_t to);
  /// The doorbell: every TDT write goes through here (setup and tx_burst).
  void write_tail(uint32_t tail) { bar_->write(tdt_, tail); }

  hal::RegisterIo* bar_ = nullptr;  // null once moved from
  hal::Reg32 tdt_{0};               // cached doorbell (regs_.tdt)
  TxQueueRegs regs_;                // the rest of the queue's registers: cold path only
  std::unique_ptr<DmaZone> zone_;
  hal::ixgbe::AdvTxDesc* ring_ = nullptr;
  uint32_t* head_wb_ = nullptr;     // head write-back word, null without it
  std::unique_ptr<Entry[]> sw_ring_;
  uint16_t size_ = 0;
  uint16_t mask_ = 0;
  uint16_t tail_ = 0;          // next descriptor to write
  uint16_t last_cleaned_ = 0;  // last descriptor whose mbuf was freed
  uint16_t nb_free_ = 0;
  uint16_t nb_since_rs_ = 0;   // descriptors used since the last RS
  uint16_t rs_thresh_ = 0;
  uint16_t max_segments_ = kMaxSegments;  // min(kMaxSegments, ring size - rs_thresh); 1 with fast_free
  bool fast_free_ = false;
  uint16_t free_thresh_ = 0;
  hal::Waiter* waiter_ = nullptr;
};

}  // namespace dp
