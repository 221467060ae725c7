// The simulated 82599's device engine, transmit side: TX descriptor rings (spec 5b), the wire's
// receive side, and the hand-off to the VEB. Everything runs under the device lock, so register
// state is consistent for a whole pass. Rules and assumptions: docs/sim-model.md.

#include <algorithm>
#include <cstdint>

#include "hal/ixgbe/descriptors.hpp"
#include "hal/ixgbe/queue_regs.hpp"
#include "hal/sim/device_model.hpp"
#include "hal/sim/mac_rx.hpp"
#include "hal/sim/mac_stats.hpp"

namespace sim {

static_assert(kEngineMaxFrame == EngineState::kMaxFrame, "mac_rx.hpp's cap is the engine's limit");

namespace pfr = hal::ixgbe::pf;
namespace ix = hal::ixgbe;

std::string_view to_string(DmaFaultKind k) {
  switch (k) {
    case DmaFaultKind::kTxDescriptor: return "tx_descriptor";
    case DmaFaultKind::kTxBuffer: return "tx_buffer";
    case DmaFaultKind::kTxHeadWb: return "tx_head_wb";
    case DmaFaultKind::kRxDescriptor: return "rx_descriptor";
    case DmaFaultKind::kRxBuffer: return "rx_buffer";
  }
  return "unknown";
}

namespace {

constexpr uint32_t kTxDescLen = sizeof(ix::AdvTxDesc);
/// Ring lengths are a multiple of 8 descriptors (spec 5b).
constexpr uint32_t kRingLenMultiple = 128;

/// The outcome of reading one TX descriptor chain.
enum class TxTake : uint8_t { kPacket, kIncomplete, kRingFault, kBufferFault, kOversize };

/// One chain read from [head, next). `bytes` is the frame: for a chain with one data
/// descriptor the data buffer itself (a PF queue: the host trusts its own memory) or a copy in
/// EngineState::tx_copy (a VF's: checked and delivered from bytes the guest can no longer
/// change), else EngineState::frame holding the gathered segments.
struct TxChain {
  uint32_t next = 0;
  /// A chain of exactly one descriptor (the common case): where it is, and whether it had RS,
  /// so its DD is written without translating and reading it again.
  uint8_t* only_desc = nullptr;
  bool only_rs = false;
  // DCMD.VLE's tag as two plain fields: a std::optional<VlanTag> built here and read back as
  // a word cost a store-forwarding stall per frame (profiled).
  bool vle = false;
  uint16_t vle_tci = 0;
  std::span<const uint8_t> bytes;
  uint64_t fault_iova = 0;
  uint32_t fault_len = 0;
};

/// The ring of absolute TX queue `q` as the registers describe it, or nullopt when the queue
/// has nothing to do or its registers are unusable (TDLEN 0 or not a multiple of 128, head or
/// tail past the end: the model then leaves the queue alone).
struct TxRing {
  uint64_t base;
  uint32_t count, head, tail;
};

}  // namespace

size_t DeviceModel::poll_once() {
  Lock lock(mu_);
  size_t taken = 0;
  eng_.shaper_due = UINT64_MAX;
  // GCR_EXT cannot change while the pass holds the lock: decode the pool layout once.
  eng_.per_pool = queues_per_pool();
  // The tap cannot change during the pass (set_frame_tap takes the lock): pick the variant here.
  const bool tapped = static_cast<bool>(frame_tap_);
  // The far end's laser may have gone on or off since the last pass.
  update_link();
  // DMATXCTL.TE clear: no queue transmits. The queues that rang are held, not forgotten, and
  // go back to the engine when TE is set (write_dmatxctl); holding them also lets a parked
  // engine thread stay parked.
  const bool tx_on = (reg(pfr::DMATXCTL) & pfr::dmatxctl::kTe) != 0;
  for (unsigned w = 0; w < 2 && !tx_on; ++w) {
    tx_held_[w] |= tx_pending_[w].exchange(0, std::memory_order_acquire) | eng_.tx_carry[w];
    eng_.tx_carry[w] = 0;
  }
  // Only the queues whose registers were written (a doorbell, a re-enable) or that still had
  // work when the last pass left them: an idle device costs two exchanges, not 128 queues.
  for (unsigned w = 0; w < 2 && tx_on; ++w) {
    uint64_t todo = tx_pending_[w].exchange(0, std::memory_order_acquire) | eng_.tx_carry[w];
    eng_.tx_carry[w] = 0;
    for (; todo != 0; todo &= todo - 1) {
      const unsigned q = w * 64 + static_cast<unsigned>(std::countr_zero(todo));
      bool more = false;
      taken += tapped ? poll_tx_queue<true>(q, more) : poll_tx_queue<false>(q, more);
      if (more) eng_.tx_carry[w] |= uint64_t{1} << (q % 64);
    }
  }
  taken += tapped ? poll_wire<true>() : poll_wire<false>();
  if (auto* e = eng_.wire.get()) e->flush();
  shaper_due_ns_.store(eng_.shaper_due, std::memory_order_relaxed);
  return taken;
}

unsigned DeviceModel::queue_pool(unsigned q) {
  const unsigned per_pool = eng_.per_pool;
  // Without a VT mode every queue is the PF's, which transmits from the default pool.
  return per_pool == 0 ? switch_.state().def_pool : q / per_pool;
}

int DeviceModel::queue_function(unsigned q) const {
  const unsigned per_pool = eng_.per_pool;
  if (per_pool == 0) return -1;
  const unsigned pool = q / per_pool;
  // Spec 6: VF n owns pool n; the pools from num_vfs on are the PF's.
  return pool < num_vfs_ && vfs_[pool].exists ? static_cast<int>(pool) : -1;
}

void DeviceModel::stop_queue(unsigned q, bool tx, DmaFaultKind kind, uint64_t iova, uint32_t len) {
  // A DMA fault stops the queue: software sees ENABLE read back clear and must set it up again.
  if (tx) {
    reg(pfr::TXDCTL(q)) &= ~ix::txdctl::kEnable;
    ++eng_.queues[q].tx_dma_faults;
  } else {
    reg(pfr::RXDCTL(q)) &= ~ix::rxdctl::kEnable;
    ++eng_.queues[q].rx_dma_faults;
  }
  eng_.record_fault(DmaFault{queue_function(q), q, kind, iova, len});
}

namespace {

/// Reads the chain starting at `ring.head` up to its EOP descriptor. `dma(iova, len)` is the
/// host address in the queue's domain or nullptr. Context descriptors update the queue's VLAN
/// slots. Reads nothing outside the domain: a descriptor fault returns at once, a buffer fault
/// stops gathering but still finds the chain's end so the whole chain can be retired.
template <typename Dma>
TxTake read_tx_chain(Dma&& dma, const TxRing& ring, std::array<uint16_t, 2>& ctx_vlan,
                     std::vector<uint8_t>& frame, uint8_t* copy_to, TxChain& c) {
  bool fault = false, over = false;
  unsigned ndesc = 0;
  size_t total = 0;
  const uint8_t* first = nullptr;  // the first data segment, copied only if a second one follows
  for (uint32_t i = ring.head;;) {
    if (i == ring.tail) return TxTake::kIncomplete;  // no EOP yet: wait for the driver
    ix::AdvTxDesc d;
    const uint64_t at = ring.base + uint64_t{i} * kTxDescLen;
    uint8_t* dp = dma(at, kTxDescLen);
    if (dp == nullptr) {
      c.fault_iova = at;
      c.fault_len = kTxDescLen;
      return TxTake::kRingFault;
    }
    std::memcpy(&d, dp, kTxDescLen);
    if (++i == ring.count) i = 0;  // not %: a division per descriptor showed in profiles
    const uint32_t cmd = d.read.cmd_type_len;
    if ((cmd & ix::txd_cmd::kDtypMask) == ix::txd_cmd::kDtypContext) {
      ix::AdvTxContextDesc ctx;
      std::memcpy(&ctx, &d, sizeof ctx);
      const unsigned slot = ((ctx.mss_l4len_idx & ix::txd_ctx_mss::kIdxMask) >> ix::txd_ctx_mss::kIdxShift) & 1u;
      ctx_vlan[slot] = static_cast<uint16_t>(ctx.vlan_macip_lens >> ix::txd_ctx_lens::kVlanShift);
      continue;
    }
    if (cmd & ix::txd_cmd::kVle) {
      const unsigned slot = ((d.read.olinfo_status & ix::txd_olinfo::kIdxMask) >> ix::txd_olinfo::kIdxShift) & 1u;
      c.vle = true;
      c.vle_tci = ctx_vlan[slot];
    }
    const uint32_t len = cmd & ix::txd_cmd::kDtalenMask;
    if (++ndesc > EngineState::kMaxTxChain || total + len > EngineState::kMaxFrame) over = true;
    if (!fault && !over && len != 0) {
      const uint8_t* p = dma(d.read.buffer_addr, len);
      if (p == nullptr) {
        fault = true;
        c.fault_iova = d.read.buffer_addr;
        c.fault_len = len;
      } else if (total == 0) {
        first = p;
      } else {
        if (first != nullptr) {
          frame.assign(first, first + total);
          first = nullptr;
        }
        frame.insert(frame.end(), p, p + len);
      }
      if (p != nullptr) total += len;
    }
    if (cmd & ix::txd_cmd::kEop) {
      c.next = i;
      if (ndesc == 1 && (ring.head + 1 == ring.count ? 0 : ring.head + 1) == i) {
        c.only_desc = dp;
        c.only_rs = (cmd & ix::txd_cmd::kRs) != 0;
      }
      break;
    }
  }
  if (fault) return TxTake::kBufferFault;
  if (over) return TxTake::kOversize;
  if (first != nullptr && copy_to != nullptr) {
    copy_frame(copy_to, first, total);
    first = copy_to;
  }
  c.bytes = first != nullptr ? std::span<const uint8_t>(first, total) : std::span<const uint8_t>(frame.data(), total);
  return TxTake::kPacket;
}

}  // namespace

template <bool kTap>
size_t DeviceModel::poll_tx_queue(unsigned q, bool& more) {
  if ((reg(pfr::TXDCTL(q)) & ix::txdctl::kEnable) == 0) return 0;
  const uint32_t len = reg(pfr::TDLEN(q));
  TxRing ring{(uint64_t{reg(pfr::TDBAH(q))} << 32) | (reg(pfr::TDBAL(q)) & ~kRingBaseAlignMask),
              len / kTxDescLen, reg(pfr::TDH(q)), load_reg(pfr::TDT(q).offset)};
  if (ring.count == 0 || len % kRingLenMultiple != 0 || ring.head >= ring.count ||
      ring.tail >= ring.count || ring.head == ring.tail) {
    return 0;
  }
  const int fn = queue_function(q);
  const unsigned pool = queue_pool(q);
  auto dma = [this, fn](uint64_t iova, size_t n) { return dma_at(fn, iova, n); };
  const bool head_wb = (reg(pfr::TDWBAL(q)) & ix::tdwbal::kHeadWbEnable) != 0;
  // The clock is read only for a rate-limited queue: most passes never need the time.
  const bool limited = eng_.shaper.limited(q);
  const uint64_t now = limited ? now_ns() : 0;
  size_t taken = 0;
  bool stopped = false;
  while (taken < EngineState::kTxBudgetPerQueue && ring.head != ring.tail) {
    if (limited && !eng_.shaper.may_send(q, now)) {
      // Held back (docs/sim-model.md "TX rate limiting"): the frame waits in the ring.
      eng_.shaper_due = std::min(eng_.shaper_due, eng_.shaper.next_send_ns(q));
      break;
    }
    TxChain c;
    const TxTake r = read_tx_chain(dma, ring, eng_.ctx_vlan[q], eng_.frame, fn >= 0 ? eng_.tx_copy.data() : nullptr, c);
    if (r == TxTake::kIncomplete) break;
    if (r == TxTake::kRingFault) {
      stop_queue(q, true, DmaFaultKind::kTxDescriptor, c.fault_iova, c.fault_len);
      stopped = true;
      break;
    }
    ++taken;
    ++eng_.acct.offered_tx;
    if (r == TxTake::kBufferFault) {
      // The chain is retired (TDH moves past it) without DD, so re-enabling the queue does not
      // offer it twice; the frame is counted once as tx_dma_fault.
      ++eng_.acct.tx_dma_fault;
      stop_queue(q, true, DmaFaultKind::kTxBuffer, c.fault_iova, c.fault_len);
      ring.head = c.next;
      stopped = true;
      break;
    }
    if (r == TxTake::kOversize) {
      ++eng_.acct.oversize;
    } else {
      if (limited) eng_.shaper.charge(q, now, c.bytes.size());
      transmit_frame<kTap>(q, pool, fn, c.bytes, c.vle, c.vle_tci);
    }
    bool done_ok = true;  // head write-back: no DD at all
    if (!head_wb && c.only_desc != nullptr) {
      if (c.only_rs) store_release(c.only_desc + offsetof(ix::AdvTxWriteBack, status), ix::txd_olinfo::kStaDd);
    } else if (!head_wb) {
      done_ok = write_tx_done(q, fn, ring.base, ring.count, ring.head, c.next);
    }
    ring.head = c.next;
    if (!done_ok) {  // the write-back faulted and stopped the queue: take nothing more
      stopped = true;
      break;
    }
  }
  reg(pfr::TDH(q)) = ring.head;
  if (head_wb && taken != 0) write_tx_head(q, ring.head);
  // Budget spent with descriptors left: come back next pass without waiting for a doorbell.
  more = !stopped && ring.head != ring.tail;
  return taken;
}

bool DeviceModel::write_tx_done(unsigned q, int fn, uint64_t base, uint32_t count, uint32_t first, uint32_t next) {
  // Spec 5b: DD (STA b0, the dword at byte 12) on every descriptor that had RS set.
  for (uint32_t i = first; i != next; i = i + 1 == count ? 0 : i + 1) {
    uint8_t* p = dma_at(fn, base + uint64_t{i} * kTxDescLen, kTxDescLen);
    if (p == nullptr) {  // unmapped since it was read: a fault like any other
      stop_queue(q, true, DmaFaultKind::kTxDescriptor, base + uint64_t{i} * kTxDescLen, kTxDescLen);
      return false;
    }
    uint32_t cmd;
    std::memcpy(&cmd, p + offsetof(ix::AdvTxRead, cmd_type_len), sizeof cmd);
    if ((cmd & ix::txd_cmd::kDtypMask) == ix::txd_cmd::kDtypContext || (cmd & ix::txd_cmd::kRs) == 0) continue;
    store_release(p + offsetof(ix::AdvTxWriteBack, status), ix::txd_olinfo::kStaDd);
  }
  return true;
}

void DeviceModel::write_tx_head(unsigned q, uint32_t head) {
  // Spec 5b: the head index goes to TDWBAH:TDWBAL[31:2]; descriptors get no DD then.
  const uint64_t at = (uint64_t{reg(pfr::TDWBAH(q))} << 32) | (reg(pfr::TDWBAL(q)) & ~3u);
  uint8_t* p = dma_at(queue_function(q), at, sizeof(uint32_t));
  if (p == nullptr) {
    stop_queue(q, true, DmaFaultKind::kTxHeadWb, at, sizeof(uint32_t));
    return;
  }
  store_release(p, head);
}

template <bool kTap>
void DeviceModel::transmit_frame(unsigned q, unsigned pool, int fn, std::span<const uint8_t> bytes,
                                 bool vle, uint16_t vle_tci) {
  // As the function wrote it: a VF's bytes are the engine's copy, so what the tap sees is what
  // the switch judges, and the DCMD.VLE tag is not in it yet (it is at kWireTx and kPoolRx).
  if constexpr (kTap) tap_frame(TapPoint::kPoolTx, pool, bytes);
  QueueCounters& qc = eng_.queues[q];
  ++qc.tx_packets;
  qc.tx_bytes += bytes.size();
  const auto frame = FrameView::parse(bytes);
  const Verdict v = frame ? switch_.transmit(pool, *frame, vle, vle_tci) : Verdict::dropped(DropReason::kMalformed);
  // Good-packets-transmitted counts what left the pool, not what the switch dropped (spoofed,
  // TX disabled): those are counted by the switch's drop reasons.
  if (fn >= 0 && !v.is_dropped()) {
    VfHw& h = vfs_[static_cast<unsigned>(fn)];
    ++h.gptc;
    add36(h.gotc_lsb, h.gotc_msb, bytes.size());
  }
  if (v.is_dropped()) [[unlikely]] count_security_violation(pool, *v.drop_reason());
  switch_frame<kTap>(v, bytes, /*loopback=*/true);
}

void DeviceModel::count_security_violation(unsigned pool, DropReason reason) {
  if (reason != DropReason::kMacSpoof && reason != DropReason::kVlanSpoof) return;
  if ((reg(pfr::VMECM(pfr::pool_reg_index(pool))) & pfr::pool_bit(pool)) == 0) return;
  if (ssvpc_ != UINT32_MAX) ++ssvpc_;
}

template <bool kTap>
size_t DeviceModel::poll_wire() {
  // Nothing arrives while the link is down; frames wait at the peer.
  if (!link_up_) return 0;
  // HLREG0 and MAXFRS cannot change during the pass (it holds the lock).
  const uint32_t max_frame = max_rx_frame(reg(pfr::HLREG0), reg(pfr::MAXFRS));
  WirePort& wire = *eng_.wire;
  size_t taken = 0;
  while (taken < EngineState::kWireBudget && wire.receive(eng_.frame)) {
    ++taken;
    ++eng_.acct.offered_wire;
    // Shown as it came, a frame the MAC discards too: the wire did carry it.
    if constexpr (kTap) tap_frame(TapPoint::kWireRx, 0, eng_.frame);
    const std::span<const uint8_t> bytes(eng_.frame);
    // The MAC's checks (mac_rx.hpp) come before the switch; the FCS status is the frame's, so
    // it is read right after receive().
    const bool fcs_bad = wire.last_fcs_bad();
    const auto stat = [this](hal::Reg32 r) -> uint32_t& { return reg(r); };
    count_wire_rx_total(bytes, stat);
    // Past what the engine carries (MAXFRS above the 82599's real limit) it is oversize or a
    // jabber all the same: classify_wire_frame caps the limit.
    MacRxError e = classify_wire_frame(bytes.size(), fcs_bad, has_vlan_tag(bytes), max_frame);
    // A short good frame from a port whose senders do not pad is what their MAC would have
    // padded (WirePort::carries_runts): not a runt.
    if (e == MacRxError::kUndersize && !wire.carries_runts()) e = MacRxError::kNone;
    if (e != MacRxError::kNone) [[unlikely]] {
      count_mac_rx_error(e, stat);
      count_mac_rx_drop(e, eng_.acct);
      continue;
    }
    const Verdict v = switch_.receive(bytes);
    // GPRC and its kin count what passed the L2 filters into an enabled receive path (the
    // datasheet's GPRC); TPR/TOR above count everything the wire carried.
    if (rx_enabled() && !v.drop_reason() && v.pools().bits() != 0) count_wire_rx_good(bytes, stat);
    switch_frame<kTap>(v, bytes, /*loopback=*/false);
  }
  return taken;
}

}  // namespace sim
