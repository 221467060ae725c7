#include "datapath/rx_queue.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>

#include "hal/ixgbe/queue_regs.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "datapath/barriers.hpp"

namespace dp {

namespace ix = hal::ixgbe;
namespace vfr = hal::ixgbe::vf;

namespace {
/// Largest packet buffer we program: SRRCTL.BSIZEPKT in KiB (the datasheet allows 16 KiB).
constexpr uint32_t kMaxBsizeKb = 16;
constexpr uint16_t kDefaultFreeThresh = 32;
/// Mbufs taken from the pool per rte_pktmbuf_alloc_bulk call while refilling.
constexpr uint16_t kRefillBatch = 64;
}  // namespace

std::expected<RxQueue, QueueError> RxQueue::create(hal::PciFunction& fn, hal::QueueId queue,
                                                   uint16_t ring_size, rte_mempool* mp,
                                                   RxQueueOptions opts) {
  const auto regs = vf_rx_regs(queue);
  if (!regs) return std::unexpected(detail::bad_queue("VF queue", queue.value(), vfr::kMaxQueues));
  return create(fn, *regs, ring_size, mp, opts);
}

std::expected<RxQueue, QueueError> RxQueue::create(hal::PciFunction& fn, const RxQueueRegs& regs,
                                                   uint16_t ring_size, rte_mempool* mp,
                                                   RxQueueOptions opts) {
  if (auto r = detail::check_ring(ring_size); !r) return std::unexpected(r.error());
  if (mp == nullptr || mp->private_data_size < sizeof(rte_pktmbuf_pool_private)) {
    return std::unexpected(QueueError{QueueErrc::kInvalidArgument, "not an rte_pktmbuf pool"});
  }
  const uint32_t room = rte_pktmbuf_data_room_size(mp);
  if (room < RTE_PKTMBUF_HEADROOM + 1024u) {
    return std::unexpected(QueueError{
        QueueErrc::kInvalidArgument,
        fmt::format("mbuf data room {} leaves under 1 KiB after {} bytes of headroom", room,
                    RTE_PKTMBUF_HEADROOM)});
  }
  RxQueue q;
  q.bar_ = &fn.bar0();
  q.regs_ = regs;
  q.rdt_ = regs.rdt;
  q.mp_ = mp;
  q.size_ = ring_size;
  q.mask_ = static_cast<uint16_t>(ring_size - 1);
  const uint16_t thresh = opts.free_thresh != 0
                              ? opts.free_thresh
                              : std::min<uint16_t>(kDefaultFreeThresh, ring_size / 4);
  q.free_thresh_ = std::clamp<uint16_t>(thresh, 1, static_cast<uint16_t>(ring_size - 1));
  q.port_id_ = opts.port_id;
  // What rte_pktmbuf_reset() leaves in data_off, refcnt, nb_segs and port, as one word.
  {
    rte_mbuf tmpl{};
    tmpl.data_off = RTE_PKTMBUF_HEADROOM;
    rte_mbuf_refcnt_set(&tmpl, 1);
    tmpl.nb_segs = 1;
    tmpl.port = opts.port_id;
    std::memcpy(&q.rearm_, &tmpl.rearm_data, sizeof q.rearm_);
  }
  q.vlan_flags_ = RTE_MBUF_F_RX_VLAN | (opts.vlan_strip ? RTE_MBUF_F_RX_VLAN_STRIPPED : 0);
  q.vme_ = opts.vlan_strip ? ix::rxdctl::kVme : 0;
  // BSIZEPKT counts 1 KiB units: round the usable room down so the device never writes past it.
  const uint32_t kb = std::min((room - RTE_PKTMBUF_HEADROOM) >> ix::srrctl::kBsizePktShift, kMaxBsizeKb);
  q.buf_size_ = kb << ix::srrctl::kBsizePktShift;
  q.waiter_ = opts.waiter;
  q.sw_ring_ = std::make_unique<rte_mbuf*[]>(ring_size);  // value-initialised: all null

  auto zone = detail::reserve_ring(fn, "rx", regs.index, size_t{ring_size} * sizeof(ix::AdvRxDesc));
  if (!zone) return std::unexpected(zone.error());
  q.zone_ = std::make_unique<DmaZone>(std::move(*zone));
  q.ring_ = static_cast<ix::AdvRxDesc*>(q.zone_->addr());

  if (auto r = q.program(opts.waiter); !r) return std::unexpected(r.error());
  if (auto r = q.fill_all(); !r) return std::unexpected(r.error());
  return q;
}

std::expected<void, QueueError> RxQueue::program(hal::Waiter* waiter) {
  // 82599 datasheet 4.6.7 (receive initialisation) and the queue enable it describes, in the order
  // ixgbevf_configure_rx_ring uses: the queue must be off while its ring registers change. The
  // PF's own queues take the same steps on their absolute registers.
  hal::RegisterIo& bar = *bar_;
  const RxQueueRegs& r = regs_;
  bar.clear_bits(r.rxdctl, ix::rxdctl::kEnable);
  if (auto w = detail::wait_ctl_bit(bar, r.rxdctl, ix::rxdctl::kEnable, false, waiter); !w) {
    return w;
  }
  const uint64_t base = zone_->iova().value();
  bar.write(r.rdbal, static_cast<uint32_t>(base));
  bar.write(r.rdbah, static_cast<uint32_t>(base >> 32));
  bar.write(r.rdlen, uint32_t{size_} * sizeof(ix::AdvRxDesc));
  // Advanced one-buffer descriptors, no header buffer; DROP_EN so a full ring drops its own
  // frames instead of stalling the shared packet buffer (ixgbevf always sets it).
  bar.write(r.srrctl, ((buf_size_ >> ix::srrctl::kBsizePktShift) & ix::srrctl::kBsizePktMask) |
                          ix::srrctl::kDescTypeAdvOneBuf | ix::srrctl::kDropEn);
  bar.write(r.rdh, 0);
  write_tail(0);
  bar.write(r.rxdctl, ix::rxdctl::kEnable | vme_);
  return detail::wait_ctl_bit(bar, r.rxdctl, ix::rxdctl::kEnable, true, waiter);
}

std::expected<void, QueueError> RxQueue::fill_all() {
  // Every slot gets an mbuf; the hardware gets all but the last (RDT = size - 1, see header).
  if (rte_pktmbuf_alloc_bulk(mp_, sw_ring_.get(), size_) != 0) {
    return std::unexpected(QueueError{
        QueueErrc::kNoMemory,
        fmt::format("mempool {} has {} free mbufs, the ring needs {}", mp_->name,
                    rte_mempool_avail_count(mp_), size_)});
  }
  for (uint16_t i = 0; i < size_; ++i) {
    ring_[i].read.pkt_addr = rte_mbuf_data_iova_default(sw_ring_[i]);
    ring_[i].read.hdr_addr = 0;  // also clears DD of the write-back format
  }
  next_ = 0;
  nb_hold_ = 0;
  // The descriptors must be in memory before the device may fetch them (pairs with the
  // device reading descriptors only below the tail it sees).
  dma_wmb();
  write_tail(static_cast<uint32_t>(size_ - 1));
  return {};
}

uint16_t RxQueue::rx_burst(rte_mbuf** pkts, uint16_t n) {
  ix::AdvRxDesc* const ring = ring_;
  rte_mbuf** const sw = sw_ring_.get();
  uint16_t idx = next_;
  uint16_t hold = nb_hold_;
  rte_mbuf* first = first_seg_;
  rte_mbuf* last = last_seg_;
  uint16_t nb_rx = 0;

  while (nb_rx < n) {
    ix::AdvRxDesc& d = ring[idx];
    // DD first: nothing else of the descriptor is valid before it.
    const uint32_t staterr = load_dma_word(d.wb.status_error);
    if ((staterr & ix::rxd_stat::kDd) == 0) break;
    // Pairs with the device writing status_error last (release) after the other fields.
    dma_rmb();
    const uint32_t info = d.wb.info;
    const uint32_t rss = d.wb.rss;
    const uint16_t len = d.wb.length;
    const uint16_t vlan = d.wb.vlan;
    // Clear DD: until refill() gives the slot back, it must not look done on the next lap.
    d.wb.status_error = 0;

    rte_mbuf* m = sw[idx];
    sw[idx] = nullptr;
    idx = static_cast<uint16_t>((idx + 1) & mask_);
    ++hold;
    rte_prefetch0(sw[idx]);

    // refill() takes raw mbufs from the pool (no rte_pktmbuf_reset): set here what a reset
    // would, in as few stores as the mbuf layout allows. data_off, refcnt, nb_segs and port
    // are one 8-byte word (rearm_data); next is NULL by the pool's invariant.
    std::memcpy(&m->rearm_data, &rearm_, sizeof rearm_);
    m->data_len = len;
    m->ol_flags = 0;
    if (first == nullptr) {
      first = m;
      first->pkt_len = len;
    } else {
      first->pkt_len += len;
      ++first->nb_segs;
      last->next = m;
    }
    last = m;
    if ((staterr & ix::rxd_stat::kEop) == 0) continue;

    // The frame is complete: its EOP descriptor carries status, VLAN and RSS for the frame.
    first->packet_type = 0;
    uint64_t flags = 0;
    first->vlan_tci = vlan;  // meaningful only with RTE_MBUF_F_RX_VLAN, written either way
    if (staterr & ix::rxd_stat::kVp) flags |= vlan_flags_;
    if (ix::rx_rss_type(info) != ix::rss_type::kNone) {
      flags |= RTE_MBUF_F_RX_RSS_HASH;
      first->hash.rss = rss;
    }
    first->ol_flags = flags;
    pkts[nb_rx++] = first;
    first = nullptr;
    last = nullptr;
  }

  next_ = idx;
  nb_hold_ = hold;
  first_seg_ = first;
  last_seg_ = last;
  if (hold >= free_thresh_) refill();
  return nb_rx;
}

void RxQueue::refill() {
  // The held slots are the nb_hold_ descriptors just before next_.
  ix::AdvRxDesc* const ring = ring_;
  rte_mbuf** const sw = sw_ring_.get();
  uint16_t at = static_cast<uint16_t>((next_ - nb_hold_) & mask_);
  uint16_t given = 0;
  while (given < nb_hold_) {
    rte_mbuf* bufs[kRefillBatch];
    const uint16_t want = std::min<uint16_t>(kRefillBatch, static_cast<uint16_t>(nb_hold_ - given));
    // Raw mbufs: rx_burst initialises what it hands out (see rearm_), so nothing here
    // touches the mbufs' headers.
    if (rte_mempool_get_bulk(mp_, reinterpret_cast<void**>(bufs), want) != 0) {
      ++alloc_failures_;
      break;
    }
    for (uint16_t k = 0; k < want; ++k) {
      sw[at] = bufs[k];
      ring[at].read.pkt_addr = rte_mbuf_data_iova_default(bufs[k]);
      ring[at].read.hdr_addr = 0;
      at = static_cast<uint16_t>((at + 1) & mask_);
    }
    given = static_cast<uint16_t>(given + want);
  }
  if (given == 0) return;
  nb_hold_ = static_cast<uint16_t>(nb_hold_ - given);
  // Pairs with the device fetching descriptors only below the tail: refilled descriptors are
  // in memory before RDT moves. RDT = the last slot given, so RDT stays one behind next_ when
  // everything was given.
  dma_wmb();
  write_tail(static_cast<uint32_t>((at - 1) & mask_));
}

uint32_t RxQueue::filled() const {
  const uint32_t rdh = bar_->read(regs_.rdh), rdt = bar_->read(regs_.rdt);
  if (rdh == hal::kDeviceGone || rdt == hal::kDeviceGone) return 0;
  // RDT stays one behind the descriptors held before the next one to read: the device has
  // filled [RDT + 1 + held, RDH).
  const uint32_t mask = size_ - 1u;
  return (rdh - ((rdt + 1u + nb_hold_) & mask)) & mask;
}

bool RxQueue::enabled() const {
  const uint32_t v = bar_->read(regs_.rxdctl);
  return v != hal::kDeviceGone && (v & ix::rxdctl::kEnable) != 0;
}

RxQueue::RxQueue(RxQueue&& o) noexcept
    : bar_(std::exchange(o.bar_, nullptr)),
      rdt_(o.rdt_),
      regs_(o.regs_),
      zone_(std::move(o.zone_)),
      ring_(std::exchange(o.ring_, nullptr)),
      sw_ring_(std::move(o.sw_ring_)),
      mp_(std::exchange(o.mp_, nullptr)),
      size_(std::exchange(o.size_, 0)),
      mask_(o.mask_),
      next_(o.next_),
      nb_hold_(o.nb_hold_),
      free_thresh_(o.free_thresh_),
      port_id_(o.port_id_),
      rearm_(o.rearm_),
      vlan_flags_(o.vlan_flags_),
      buf_size_(o.buf_size_),
      vme_(o.vme_),
      first_seg_(std::exchange(o.first_seg_, nullptr)),
      last_seg_(std::exchange(o.last_seg_, nullptr)),
      alloc_failures_(o.alloc_failures_),
      waiter_(o.waiter_) {}

RxQueue::~RxQueue() { (void)close(); }

RxCloseCounts RxQueue::close(bool stop_device) noexcept {
  RxCloseCounts c;
  if (bar_ == nullptr) return c;
  // Stop the device first (datasheet 4.6.7: clear ENABLE, wait until it reads back clear),
  // so no DMA reaches a buffer after it went back to the pool. A device that is gone or a
  // queue a VF reset already cleared reads back at once.
  if (stop_device) {
    bar_->clear_bits(regs_.rxdctl, ix::rxdctl::kEnable);
    (void)detail::wait_ctl_bit(*bar_, regs_.rxdctl, ix::rxdctl::kEnable, false, waiter_);
  }
  // The completed descriptors rx_burst has not reached: from next_ while DD is set, over the
  // slots that still hold a buffer (the held ones before next_ have none).
  const auto posted = static_cast<uint16_t>(size_ - nb_hold_);
  for (uint16_t k = 0; k < posted; ++k) {
    const auto i = static_cast<uint16_t>((next_ + k) & mask_);
    const uint32_t staterr = load_dma_word(ring_[i].wb.status_error);
    if ((staterr & ix::rxd_stat::kDd) == 0 || sw_ring_[i] == nullptr) break;
    if ((staterr & ix::rxd_stat::kEop) != 0) ++c.frames;
  }
  if (first_seg_ != nullptr) {
    last_seg_->next = nullptr;
    c.mbufs += first_seg_->nb_segs;
    rte_pktmbuf_free(std::exchange(first_seg_, nullptr));
    last_seg_ = nullptr;
  }
  for (uint16_t i = 0; sw_ring_ && i < size_; ++i) {
    if (sw_ring_[i] != nullptr) {
      rte_pktmbuf_free_seg(std::exchange(sw_ring_[i], nullptr));
      ++c.mbufs;
    }
  }
  bar_ = nullptr;
  return c;
}

}  // namespace dp
