#include "datapath/tx_queue.hpp"

#include <algorithm>
#include <utility>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "hal/ixgbe/queue_regs.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "datapath/barriers.hpp"

namespace dp {

namespace ix = hal::ixgbe;
namespace vfr = hal::ixgbe::vf;

namespace {
constexpr uint16_t kDefaultThresh = 32;
/// Mbufs returned to a pool per rte_mempool_put_bulk call.
constexpr unsigned kFreeBatch = 64;
/// The head write-back word sits after the ring, in the ring's memzone, on its own 128 bytes.
constexpr size_t kHeadWbSpace = 128;
}  // namespace

std::expected<TxQueue, QueueError> TxQueue::create(hal::PciFunction& fn, hal::QueueId queue,
                                                   uint16_t ring_size, TxQueueOptions opts) {
  const auto regs = vf_tx_regs(queue);
  if (!regs) return std::unexpected(detail::bad_queue("VF queue", queue.value(), vfr::kMaxQueues));
  return create(fn, *regs, ring_size, opts);
}

std::expected<TxQueue, QueueError> TxQueue::create(hal::PciFunction& fn, const TxQueueRegs& regs,
                                                   uint16_t ring_size, TxQueueOptions opts) {
  if (auto r = detail::check_ring(ring_size); !r) return std::unexpected(r.error());
  TxQueue q;
  q.bar_ = &fn.bar0();
  q.regs_ = regs;
  q.tdt_ = regs.tdt;
  q.size_ = ring_size;
  q.mask_ = static_cast<uint16_t>(ring_size - 1);
  const uint16_t dflt = std::min<uint16_t>(kDefaultThresh, ring_size / 2);
  q.rs_thresh_ = std::clamp<uint16_t>(opts.rs_thresh != 0 ? opts.rs_thresh : dflt, 1,
                                      static_cast<uint16_t>(ring_size / 2));
  // A packet longer than size - rs_thresh descriptors could wait for room that only a clean
  // frees, while too few descriptors are in use for an RS to exist: it would never fit.
  q.max_segments_ = std::min<uint16_t>(kMaxSegments, static_cast<uint16_t>(ring_size - q.rs_thresh_));
  q.fast_free_ = opts.fast_free;
  if (q.fast_free_) q.max_segments_ = 1;
  q.free_thresh_ = std::clamp<uint16_t>(opts.free_thresh != 0 ? opts.free_thresh : dflt,
                                        q.rs_thresh_, static_cast<uint16_t>(ring_size - 1));
  q.waiter_ = opts.waiter;
  q.sw_ring_ = std::make_unique<Entry[]>(ring_size);
  for (uint16_t i = 0; i < ring_size; ++i) q.sw_ring_[i] = Entry{nullptr, i};
  // Nothing in flight: the last "cleaned" descriptor is the one before the first.
  q.tail_ = 0;
  q.last_cleaned_ = q.mask_;
  q.nb_free_ = q.mask_;  // one slot stays empty (see header)
  q.nb_since_rs_ = 0;

  const size_t ring_bytes = size_t{ring_size} * sizeof(ix::AdvTxDesc);
  auto zone = detail::reserve_ring(fn, "tx", regs.index,
                                   ring_bytes + (opts.head_writeback ? kHeadWbSpace : 0));
  if (!zone) return std::unexpected(zone.error());
  q.zone_ = std::make_unique<DmaZone>(std::move(*zone));
  q.ring_ = static_cast<ix::AdvTxDesc*>(q.zone_->addr());
  if (opts.head_writeback) {
    q.head_wb_ = reinterpret_cast<uint32_t*>(static_cast<std::byte*>(q.zone_->addr()) + ring_bytes);
  }
  if (auto r = q.program(opts.waiter); !r) return std::unexpected(r.error());
  return q;
}

std::expected<void, QueueError> TxQueue::program(hal::Waiter* waiter) {
  // 82599 datasheet 4.6.8 (transmit initialisation) and the queue enable it describes, in the
  // order ixgbevf_configure_tx_ring uses: off, base/length, head/tail, write-back, enable. The
  // PF's own queues take the same steps on their absolute registers.
  hal::RegisterIo& bar = *bar_;
  const TxQueueRegs& r = regs_;
  bar.clear_bits(r.txdctl, ix::txdctl::kEnable);
  if (auto w = detail::wait_ctl_bit(bar, r.txdctl, ix::txdctl::kEnable, false, waiter); !w) {
    return w;
  }
  const uint64_t base = zone_->iova().value();
  bar.write(r.tdbal, static_cast<uint32_t>(base));
  bar.write(r.tdbah, static_cast<uint32_t>(base >> 32));
  bar.write(r.tdlen, uint32_t{size_} * sizeof(ix::AdvTxDesc));
  bar.write(r.tdh, 0);
  write_tail(0);
  if (head_wb_ != nullptr) {
    // Spec 5b: a 4-byte aligned address in TDWBAL[31:2]/TDWBAH, HEAD_WB_ENABLE in b0.
    const uint64_t wb = base + uint64_t{size_} * sizeof(ix::AdvTxDesc);
    bar.write(r.tdwbah, static_cast<uint32_t>(wb >> 32));
    bar.write(r.tdwbal, static_cast<uint32_t>(wb) | ix::tdwbal::kHeadWbEnable);
  } else {
    // They survive a VF reset (spec 3e): clear them, or the device might write an old address.
    bar.write(r.tdwbal, 0);
    bar.write(r.tdwbah, 0);
  }
  bar.write(r.txdctl, ix::txdctl::kEnable);
  return detail::wait_ctl_bit(bar, r.txdctl, ix::txdctl::kEnable, true, waiter);
}

uint16_t TxQueue::tx_burst(rte_mbuf** pkts, uint16_t n) {
  if (nb_free_ < free_thresh_) clean_once();
  ix::AdvTxDesc* const ring = ring_;
  Entry* const sw = sw_ring_.get();
  uint16_t tail = tail_;
  uint16_t nb_tx = 0;

  for (; nb_tx < n; ++nb_tx) {
    rte_mbuf* m = pkts[nb_tx];
    const uint16_t nseg = m->nb_segs;
    if (nseg == 0 || nseg > max_segments_) break;
    if (nseg > nb_free_) {
      while (nseg > nb_free_ && clean_once() != 0) {
      }
      if (nseg > nb_free_) break;  // ring full: the rest stays the caller's
    }
    const auto last = static_cast<uint16_t>((tail + nseg - 1) & mask_);
    // RS on this packet's EOP once rs_thresh descriptors have gathered since the last RS.
    const bool rs = nb_since_rs_ + nseg >= rs_thresh_;
    nb_since_rs_ = rs ? 0 : static_cast<uint16_t>(nb_since_rs_ + nseg);
    const uint32_t olinfo = ix::tx_olinfo_paylen(m->pkt_len);
    if (nseg == 1) {
      // The common case without touching m->next (the mbuf's second cache line).
      const uint32_t dcmd = ix::txd_cmd::kIfcs | ix::txd_cmd::kEop | (rs ? ix::txd_cmd::kRs : 0u);
      ix::AdvTxRead& d = ring[tail].read;
      d.buffer_addr = rte_mbuf_data_iova(m);
      d.cmd_type_len = ix::tx_data_cmd_type_len(m->data_len, dcmd);
      d.olinfo_status = olinfo;
      sw[tail] = Entry{m, tail};
      tail = static_cast<uint16_t>((tail + 1) & mask_);
      --nb_free_;
      continue;
    }
    for (uint16_t k = 0; k < nseg; ++k, m = m->next) {
      const bool eop = k + 1 == nseg;
      const uint32_t dcmd = ix::txd_cmd::kIfcs |
                            (eop ? ix::txd_cmd::kEop | (rs ? ix::txd_cmd::kRs : 0u) : 0u);
      ix::AdvTxRead& d = ring[tail].read;
      d.buffer_addr = rte_mbuf_data_iova(m);
      d.cmd_type_len = ix::tx_data_cmd_type_len(m->data_len, dcmd);
      d.olinfo_status = olinfo;  // also clears the DD of this slot's previous lap
      sw[tail] = Entry{m, last};
      tail = static_cast<uint16_t>((tail + 1) & mask_);
    }
    nb_free_ = static_cast<uint16_t>(nb_free_ - nseg);
  }

  if (nb_tx != 0) {
    // Pairs with the device reading descriptors only below the TDT it sees: every descriptor
    // of the burst is in memory before the doorbell.
    dma_wmb();
    write_tail(tail);
    tail_ = tail;
  }
  return nb_tx;
}

uint16_t TxQueue::cleanup() {
  uint16_t total = 0;
  for (uint16_t k; (k = clean_once()) != 0;) total = static_cast<uint16_t>(total + k);
  return total;
}

uint16_t TxQueue::clean_once() {
  uint16_t to;
  if (head_wb_ != nullptr) {
    // The device stores TDH after it is done with everything before it.
    const uint32_t head = load_dma_word(*head_wb_);
    dma_rmb();  // pairs with the device's release store of the head word
    to = static_cast<uint16_t>((head - 1) & mask_);
    if (to == last_cleaned_ || head > mask_) return 0;
  } else {
    // The RS descriptor at or after last_cleaned + rs_thresh exists only once that many are
    // in use (see header): before that there is nothing to look at.
    if (static_cast<uint16_t>(mask_ - nb_free_) < rs_thresh_) return 0;
    to = sw_ring_[(last_cleaned_ + rs_thresh_) & mask_].last_id;
    const uint32_t status = load_dma_word(ring_[to].wb.status);
    if ((status & ix::txd_olinfo::kStaDd) == 0) return 0;
    dma_rmb();  // pairs with the device's release store of DD after reading the buffers
  }
  const auto freed = static_cast<uint16_t>((to - last_cleaned_) & mask_);
  free_range(to);
  return freed;
}

void TxQueue::free_range(uint16_t to) {
  Entry* const sw = sw_ring_.get();
  rte_mbuf* batch[kFreeBatch];
  unsigned nb = 0;
  rte_mempool* pool = nullptr;
  uint16_t i = last_cleaned_;
  if (fast_free_) {
    // One pool, refcnt 1, one segment each (the fast_free contract): straight back in bulk.
    // The pool is read from the first mbuf only: the others' headers are not touched at all.
    do {
      i = static_cast<uint16_t>((i + 1) & mask_);
      rte_mbuf* m = sw[i].mbuf;
      sw[i].mbuf = nullptr;
      if (m == nullptr) continue;
      if (nb == kFreeBatch) {
        rte_mempool_put_bulk(pool, reinterpret_cast<void**>(batch), nb);
        nb = 0;
      }
      if (pool == nullptr) pool = m->pool;
      batch[nb++] = m;
    } while (i != to);
    if (nb != 0) rte_mempool_put_bulk(pool, reinterpret_cast<void**>(batch), nb);
    nb_free_ = static_cast<uint16_t>(nb_free_ + ((to - last_cleaned_) & mask_));
    last_cleaned_ = to;
    return;
  }
  do {
    i = static_cast<uint16_t>((i + 1) & mask_);
    rte_mbuf* m = sw[i].mbuf;
    if (m == nullptr) continue;
    sw[i].mbuf = nullptr;
    // One segment at a time: the packet's other segments have their own descriptors.
    m = rte_pktmbuf_prefree_seg(m);
    if (m == nullptr) continue;  // still referenced elsewhere
    if (nb == kFreeBatch || (nb != 0 && m->pool != pool)) {
      rte_mempool_put_bulk(pool, reinterpret_cast<void**>(batch), nb);
      nb = 0;
    }
    pool = m->pool;
    batch[nb++] = m;
  } while (i != to);
  if (nb != 0) rte_mempool_put_bulk(pool, reinterpret_cast<void**>(batch), nb);
  nb_free_ = static_cast<uint16_t>(nb_free_ + ((to - last_cleaned_) & mask_));
  last_cleaned_ = to;
}

bool TxQueue::enabled() const {
  const uint32_t v = bar_->read(regs_.txdctl);
  return v != hal::kDeviceGone && (v & ix::txdctl::kEnable) != 0;
}

TxQueue::TxQueue(TxQueue&& o) noexcept
    : bar_(std::exchange(o.bar_, nullptr)),
      tdt_(o.tdt_),
      regs_(o.regs_),
      zone_(std::move(o.zone_)),
      ring_(std::exchange(o.ring_, nullptr)),
      head_wb_(std::exchange(o.head_wb_, nullptr)),
      sw_ring_(std::move(o.sw_ring_)),
      size_(std::exchange(o.size_, 0)),
      mask_(o.mask_),
      tail_(o.tail_),
      last_cleaned_(o.last_cleaned_),
      nb_free_(o.nb_free_),
      nb_since_rs_(o.nb_since_rs_),
      rs_thresh_(o.rs_thresh_),
      max_segments_(o.max_segments_),
      fast_free_(o.fast_free_),
      free_thresh_(o.free_thresh_),
      waiter_(o.waiter_) {}

TxQueue::~TxQueue() { (void)close(); }

TxCloseCounts TxQueue::close(bool stop_device) noexcept {
  TxCloseCounts c;
  if (bar_ == nullptr) return c;
  // Stop the device before its buffers go back to their pools (datasheet 4.6.8).
  if (stop_device) {
    bar_->clear_bits(regs_.txdctl, ix::txdctl::kEnable);
    (void)detail::wait_ctl_bit(*bar_, regs_.txdctl, ix::txdctl::kEnable, false, waiter_);
  }
  const auto first = static_cast<uint16_t>((last_cleaned_ + 1) & mask_);
  const auto in_use = static_cast<uint16_t>((tail_ - first) & mask_);
  // Descriptors [first, first + done) are the ones the device reported done.
  uint16_t done = 0;
  if (head_wb_ != nullptr) {
    const uint32_t head = load_dma_word(*head_wb_);
    if (head <= mask_) done = std::min(in_use, static_cast<uint16_t>((head - first) & mask_));
  } else {
    for (uint16_t k = 0; k < in_use; ++k) {
      const auto i = static_cast<uint16_t>((first + k) & mask_);
      if (sw_ring_[i].last_id == i && (load_dma_word(ring_[i].wb.status) & ix::txd_olinfo::kStaDd) != 0) {
        done = static_cast<uint16_t>(k + 1);
      }
    }
  }
  dma_rmb();  // pairs with the device's release store of DD or the head word
  for (uint16_t k = 0; k < in_use; ++k) {
    const auto i = static_cast<uint16_t>((first + k) & mask_);
    Entry& e = sw_ring_[i];
    if (e.mbuf == nullptr) continue;
    if (e.last_id == i) {
      ++c.packets;
      if (k < done) ++c.completed;
    }
    rte_pktmbuf_free_seg(e.mbuf);
    e.mbuf = nullptr;
  }
  // Nothing else should hold an mbuf (cleanup nulls what it frees); free it all the same.
  for (uint16_t i = 0; sw_ring_ && i < size_; ++i) {
    if (sw_ring_[i].mbuf != nullptr) rte_pktmbuf_free_seg(std::exchange(sw_ring_[i].mbuf, nullptr));
  }
  bar_ = nullptr;
  return c;
}

}  // namespace dp
