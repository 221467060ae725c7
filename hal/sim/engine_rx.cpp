// The simulated 82599's device engine, receive side: carrying out the VEB's verdict (replication,
// tag insertion, the wire) and writing copies into RX descriptor rings (spec 5a). Runs under the
// device lock. Rules and assumptions: docs/sim-model.md, "Device engine".
#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "hal/ixgbe/descriptors.hpp"
#include "hal/ixgbe/queue_regs.hpp"
#include "hal/sim/device_model.hpp"
#include "hal/sim/mac_rx.hpp"
#include "hal/sim/mac_stats.hpp"

namespace sim {

namespace pfr = hal::ixgbe::pf;
namespace ix = hal::ixgbe;

namespace {
constexpr uint32_t kRxDescLen = sizeof(ix::AdvRxDesc);
/// SRRCTL.BSIZEPKT = 0: the model uses 2 KiB (the value every driver programs).
constexpr uint32_t kDefaultRxBuffer = 2048;
constexpr size_t kMacHeaderNoType = 12;  // DA + SA: an 802.1Q tag goes right after them
/// Descriptors one frame can take: kMaxFrame plus a tag over 1 KiB buffers.
constexpr unsigned kMaxRxChain = (EngineState::kMaxFrame + FrameView::kTagLen) / 1024 + 1;

/// `bytes` with `tag` inserted after the source address, into `out`.
void insert_tag(std::span<const uint8_t> bytes, VlanTag tag, std::vector<uint8_t>& out) {
  out.assign(bytes.begin(), bytes.begin() + kMacHeaderNoType);
  const uint8_t hdr[FrameView::kTagLen] = {FrameView::kTpid8021Q >> 8, FrameView::kTpid8021Q & 0xFF,
                                           static_cast<uint8_t>(tag.tci >> 8),
                                           static_cast<uint8_t>(tag.tci)};
  out.insert(out.end(), hdr, hdr + FrameView::kTagLen);
  out.insert(out.end(), bytes.begin() + kMacHeaderNoType, bytes.end());
}

/// `bytes` without its outer 802.1Q tag, into `out`.
void strip_tag(std::span<const uint8_t> bytes, std::vector<uint8_t>& out) {
  out.assign(bytes.begin(), bytes.begin() + kMacHeaderNoType);
  out.insert(out.end(), bytes.begin() + kMacHeaderNoType + FrameView::kTagLen, bytes.end());
}
}  // namespace

template <bool kTap>
void DeviceModel::switch_frame(const Verdict& v, std::span<const uint8_t> bytes, bool loopback) {
  Accounting& a = eng_.acct;
  if (const auto reason = v.drop_reason()) {
    ++a.switch_drops[static_cast<size_t>(*reason)];
    return;
  }
  ++a.switched;
  a.copies += v.replicas() + (v.wire() ? 1u : 0u);
  std::span<const uint8_t> out = bytes;
  if (const auto tag = v.inserted_tag()) {
    // T4/T6 (docs/switch.md): local copies and the wire copy both carry the inserted tag.
    insert_tag(bytes, *tag, eng_.tagged);
    out = eng_.tagged;
  }
  if (v.wire()) {
    if (link_up_) {
      ++a.to_wire;
      // HLREG0.TXPADEN: the MAC pads a short frame with zeros to the Ethernet minimum on its
      // way to the wire (datasheet 8.2.3.22.8). Only the wire copy: local copies loop back in
      // the switch and never pass the MAC (docs/sim-model.md, "TX padding").
      std::span<const uint8_t> wire_out = out;
      std::array<uint8_t, kMinFrameNoFcs> padded;  // filled below before use
      if (out.size() < kMinFrameNoFcs && (reg(pfr::HLREG0) & pfr::hlreg0::kTxPadEn) != 0) [[unlikely]] {
        std::memcpy(padded.data(), out.data(), out.size());
        std::memset(padded.data() + out.size(), 0, padded.size() - out.size());
        wire_out = padded;
      }
      if constexpr (kTap) tap_frame(TapPoint::kWireTx, 0, wire_out);
      count_wire_tx(wire_out, [this](hal::Reg32 r) -> uint32_t& { return reg(r); });
      eng_.wire->send(wire_out);
    } else {
      ++a.link_down;
    }
  }
  uint64_t pools = v.pools().bits();
  if (pools == 0) return;
  const auto parsed = FrameView::parse(out);  // once for every copy
  // RSS hashes the frame once; each copy's pool picks its own queue from the result.
  const RssState& r = rss();
  const RssHash h = r.enabled() ? r.hash(out) : RssHash{};
  for (; pools != 0; pools &= pools - 1) {
    const auto pool = static_cast<unsigned>(std::countr_zero(pools));
    deliver_copy<kTap>(pool, out, parsed ? &*parsed : nullptr, h, v.hide_tag().has(pool), loopback);
  }
}

template <bool kTap>
void DeviceModel::deliver_copy(unsigned pool, std::span<const uint8_t> bytes, const FrameView* frame,
                               const RssHash& h, bool hide, bool loopback) {
  // RXCTRL.RXEN clear or SECRXCTRL.RX_DIS set: the packet buffer takes nothing, from the wire
  // or looped back by the switch (datasheet 4.6.7; that looped-back copies are gated too is an
  // assumption, docs/sim-model.md).
  if (!rx_enabled()) {
    ++eng_.acct.rx_port_disabled;
    return;
  }
  // The pool's first queue, or the one RSS picks: an offset inside the pool with VT, the
  // absolute queue without. An offset past the pool's queues (MRQC and GCR_EXT disagreeing)
  // falls back to the first queue rather than into another pool.
  const unsigned per_pool = eng_.per_pool;
  const unsigned off = h.hashed() ? eng_.rss->queue_offset(h, pool) : 0;
  const unsigned q = per_pool == 0 ? off : pool * per_pool + (off < per_pool ? off : 0);
  // A pool beyond what the VT mode has (or any pool but 0 with VT on and no VT_MODE) owns no
  // queue: a configuration the PF should never make, counted instead of indexing past the
  // queue registers.
  if (q >= pfr::kNumQueues || (per_pool == 0 && pool != 0)) {
    ++eng_.acct.rx_no_queue;
    return;
  }
  const uint32_t rxdctl = reg(pfr::RXDCTL(q));
  if ((rxdctl & ix::rxdctl::kEnable) == 0) {
    ++eng_.acct.rx_queue_disabled;
    ++eng_.queues[q].rx_queue_disabled;
    return;
  }
  uint32_t status = loopback ? ix::rxd_stat::kLb : 0;
  uint16_t vlan = 0;
  std::span<const uint8_t> data = bytes;
  if (frame != nullptr && frame->tagged()) {
    // A hidden (port-VLAN) tag is removed and not reported (docs/switch.md A5); otherwise VP
    // says the frame was 802.1Q and the TCI is in the descriptor, and VME strips it.
    if (hide || (rxdctl & ix::rxdctl::kVme) != 0) {
      strip_tag(bytes, eng_.rx_bytes);
      data = eng_.rx_bytes;
    }
    if (!hide) {
      status |= ix::rxd_stat::kVp;
      vlan = frame->tag().tci;
    }
  }
  write_rx<kTap>(q, data, status, vlan, h);
}

template <bool kTap>
void DeviceModel::write_rx(unsigned q, std::span<const uint8_t> data, uint32_t status, uint16_t vlan,
                           const RssHash& rss_hash) {
  QueueCounters& qc = eng_.queues[q];
  const uint32_t count = reg(pfr::RDLEN(q)) / kRxDescLen;
  const uint32_t head = reg(pfr::RDH(q)), tail = load_reg(pfr::RDT(q).offset);
  const uint32_t bsize_field = reg(pfr::SRRCTL(q)) & ix::srrctl::kBsizePktMask;
  const uint32_t bsize = bsize_field == 0 ? kDefaultRxBuffer : bsize_field << ix::srrctl::kBsizePktShift;
  // Most frames fit one buffer: no division for them (one per frame showed in profiles).
  const auto ndesc = data.size() <= bsize ? 1u : static_cast<uint32_t>((data.size() + bsize - 1) / bsize);
  const uint32_t avail = count == 0 || head >= count || tail >= count ? 0 : tail >= head ? tail - head : tail + count - head;
  if (ndesc > avail || ndesc > kMaxRxChain) {
    // The model drops at once whether or not QDE/SRRCTL.DROP_EN is set (docs/sim-model.md).
    ++eng_.acct.rx_no_descriptor;
    ++qc.rx_no_descriptor;
    return;
  }
  const uint64_t base = (uint64_t{reg(pfr::RDBAH(q))} << 32) | (reg(pfr::RDBAL(q)) & ~kRingBaseAlignMask);
  const int fn = queue_function(q);
  // Phase 1: translate every descriptor and buffer first, so a fault writes nothing at all.
  // Uninitialised on purpose: only [0, ndesc) is used, and zeroing 2 x 17 pointers per frame
  // showed up in profiles.
  std::array<uint8_t*, kMaxRxChain> desc, buf;
  for (uint32_t k = 0; k < ndesc; ++k) {
    const uint32_t slot = head + k < count ? head + k : head + k - count;  // ndesc < count
    const uint64_t at = base + uint64_t{slot} * kRxDescLen;
    desc[k] = dma_at(fn, at, kRxDescLen);
    const bool desc_fault = desc[k] == nullptr;
    uint64_t pkt_addr = 0;
    if (!desc_fault) std::memcpy(&pkt_addr, desc[k] + offsetof(ix::AdvRxRead, pkt_addr), sizeof pkt_addr);
    const auto chunk = static_cast<uint32_t>(std::min<size_t>(bsize, data.size() - size_t{k} * bsize));
    if (!desc_fault) buf[k] = dma_at(fn, pkt_addr, chunk);
    if (desc_fault || buf[k] == nullptr) {
      ++eng_.acct.rx_dma_fault;
      stop_queue(q, false, desc_fault ? DmaFaultKind::kRxDescriptor : DmaFaultKind::kRxBuffer,
                 desc_fault ? at : pkt_addr, desc_fault ? kRxDescLen : chunk);
      return;
    }
  }
  // Phase 2: buffers, then each write-back with its status word last (DD publishes it).
  for (uint32_t k = 0; k < ndesc; ++k) {
    const size_t off = size_t{k} * bsize;
    const auto chunk = static_cast<uint16_t>(std::min<size_t>(bsize, data.size() - off));
    copy_frame(buf[k], data.data() + off, chunk);
    ix::AdvRxWriteBack wb{};
    wb.info = rss_hash.type;
    // Dword 1 carries the hash only with RXCSUM.PCSD (else IP id and checksum, not modelled: 0).
    wb.rss = eng_.rss->hash_in_descriptor() ? rss_hash.hash : 0;
    wb.length = chunk;
    wb.vlan = vlan;
    std::memcpy(desc[k], &wb, offsetof(ix::AdvRxWriteBack, status_error));
    std::memcpy(desc[k] + offsetof(ix::AdvRxWriteBack, length), &wb.length, sizeof wb.length + sizeof wb.vlan);
    const bool last = k + 1 == ndesc;
    store_release(desc[k] + offsetof(ix::AdvRxWriteBack, status_error),
                  ix::rxd_stat::kDd | (last ? ix::rxd_stat::kEop | status : 0));
  }
  reg(pfr::RDH(q)) = head + ndesc < count ? head + ndesc : head + ndesc - count;
  ++eng_.acct.delivered;
  ++qc.rx_packets;
  qc.rx_bytes += data.size();
  if (fn >= 0) {
    VfHw& h = vfs_[static_cast<unsigned>(fn)];
    ++h.gprc;
    add36(h.gorc_lsb, h.gorc_msb, data.size());
    // Multicast received: group addresses other than broadcast, as the PF's MPRC counts.
    const bool broadcast = data.size() >= 6 && std::all_of(data.begin(), data.begin() + 6, [](uint8_t b) { return b == 0xFF; });
    if (data.size() >= 6 && (data[0] & 1u) != 0 && !broadcast) ++h.mprc;
  }
  // Only a copy that reached the ring, as the pool reads it (tag stripped or hidden). Without
  // VT every queue is pool 0's (deliver_copy sends nothing else there).
  if constexpr (kTap) {
    tap_frame(TapPoint::kPoolRx, eng_.per_pool == 0 ? 0 : q / eng_.per_pool, data);
  }
}

// engine_tx.cpp hands frames here.
template void DeviceModel::switch_frame<false>(const Verdict&, std::span<const uint8_t>, bool);
template void DeviceModel::switch_frame<true>(const Verdict&, std::span<const uint8_t>, bool);

const RssState& DeviceModel::rss() {
  if (eng_.rss_stale) {
    auto r = RssRegisters::read(RegisterReader(std::span<const uint32_t>(regs_)));
    // A VF's pool PSRTYPE is the register the VF writes as VFPSRTYPE, kept in its VfHw.
    for (unsigned vf = 0; vf < num_vfs_; ++vf) {
      if (vfs_[vf].exists) r.psrtype[vf] = vfs_[vf].psrtype;
    }
    eng_.rss->rebuild(r);
    eng_.rss_stale = false;
  }
  return *eng_.rss;
}

// ---- Public engine API (each takes the device lock).

void DeviceModel::set_wire(std::shared_ptr<WirePort> port) {
  Lock lock(mu_);
  eng_.wire = port ? std::move(port) : std::make_shared<MemoryWire>();
  laser_told_ = laser_on();
  eng_.wire->set_tx_signal(laser_told_);
  update_link();
}

void DeviceModel::set_frame_tap(FrameTapFn fn) {
  Lock lock(mu_);
  frame_tap_ = std::move(fn);
}

std::shared_ptr<WirePort> DeviceModel::wire() const {
  Lock lock(mu_);
  return eng_.wire;
}

Accounting DeviceModel::accounting() const {
  Lock lock(mu_);
  return eng_.acct;
}

QueueCounters DeviceModel::queue_counters(unsigned abs_queue) const {
  Lock lock(mu_);
  return abs_queue < eng_.queues.size() ? eng_.queues[abs_queue] : QueueCounters{};
}

std::vector<DmaFault> DeviceModel::dma_faults() const {
  Lock lock(mu_);
  return eng_.fault_log;
}

uint64_t DeviceModel::dma_fault_count() const {
  Lock lock(mu_);
  return eng_.dma_fault_count;
}

}  // namespace sim
