// PF BAR0 register handlers of the simulated 82599. Plain registers are storage; the ones below
// have side effects the datasheet defines.
#include <utility>

#include "hal/sim/device_model.hpp"

namespace sim {

namespace pfr = hal::ixgbe::pf;

namespace {
constexpr uint32_t kPfMbMemBase = pfr::PFMBMEM(0, 0).offset;
constexpr uint32_t kPfMbMemEnd = pfr::PFMBMEM(pfr::kMaxVfs, 0).offset;
constexpr uint32_t kPfMailboxBase = pfr::PFMAILBOX(0).offset;
constexpr uint32_t kPfMailboxEnd = pfr::PFMAILBOX(pfr::kMaxVfs).offset;

/// The statistics registers the model has: read-only to software, cleared by a read.
constexpr bool is_clear_on_read_stat(uint32_t off) {
  for (const hal::Reg32 r : pfr::kClearOnReadStats) {
    if (r.offset == off) return true;
  }
  return false;
}
}  // namespace

uint32_t DeviceModel::pf_read_locked(uint32_t off) {
  uint32_t v = 0;
  if (pf_read_mailbox_block(off, v) || pf_read_interrupt_block(off, v) || pf_read_computed(off, v)) {
    return v;
  }
  switch (off) {
    case pfr::SECRXSTAT.offset:
      // An engine pass runs whole under the device lock, so no frame is ever half way through
      // the RX path between two accesses: RX_DIS has drained it by the next read.
      return (reg(pfr::SECRXCTRL) & pfr::secrxctrl::kRxDis) != 0 ? pfr::secrxstat::kSecRxRdy : 0;
    case pfr::EEC.offset:
      return reg(pfr::EEC) | pfr::eec::kPres | pfr::eec::kArd;
    case pfr::RDRXCTL.offset:
      return reg(pfr::RDRXCTL) | pfr::rdrxctl::kDmaIdone;
    case pfr::QDE.offset:
      // QDE is indirect: a write with READ latched the queue; report its bits.
      return (qde_read_index_ << pfr::qde::kIdxShift) | qde_[qde_read_index_];
    case pfr::RTTBCNRC.offset:
      return rttbcnrc_[reg(pfr::RTTDQSEL) % pfr::kNumQueues];
    case pfr::SSVPC.offset:
      return std::exchange(ssvpc_, 0u);
    default:
      // Statistics clear on read (datasheet 8.2.3.23): software keeps the running totals.
      if (is_clear_on_read_stat(off)) return std::exchange(regs_[off / 4], 0u);
      return load_reg(off);  // atomic: tail registers are also written by lock-free doorbells
  }
}

void DeviceModel::pf_write_locked(uint32_t off, uint32_t v) {
  if (pf_write_mailbox_block(off, v) || pf_write_interrupt_block(off, v)) return;
  if (is_clear_on_read_stat(off)) return;  // statistics: only the hardware counts
  switch (off) {
    case pfr::CTRL.offset:
      // RST resets CTRL itself with the rest of the chip; RST and LRST self-clear. The model
      // completes a reset before the next access.
      // LRST resets everything RST does and the link as well (Linux: "Link Reset. Resets
      // everything."): it drops and restarts from the EEPROM's AUTOC (link_reset()).
      if (v & pfr::ctrl::kResetMask) {
        device_reset();
        if (v & pfr::ctrl::kLrst) link_reset();
        return;
      }
      reg(pfr::CTRL) = v;
      return;
    case pfr::AUTOC.offset:
      write_autoc(v);
      return;
    case pfr::ESDP.offset:
      reg(pfr::ESDP) = v;
      update_link();
      return;
    case pfr::DMATXCTL.offset:
      write_dmatxctl(v);
      return;
    case pfr::SECRXSTAT.offset:
      return;  // read-only
    case pfr::RXPBSIZE(0).offset:
    case pfr::RXPBSIZE(1).offset:
    case pfr::RXPBSIZE(2).offset:
    case pfr::RXPBSIZE(3).offset:
    case pfr::RXPBSIZE(4).offset:
    case pfr::RXPBSIZE(5).offset:
    case pfr::RXPBSIZE(6).offset:
    case pfr::RXPBSIZE(7).offset:
      regs_[off / 4] = v & pfr::rxpbsize::kSizeMask;  // reserved bits read 0
      return;
    case pfr::TXPBSIZE(0).offset:
    case pfr::TXPBSIZE(1).offset:
    case pfr::TXPBSIZE(2).offset:
    case pfr::TXPBSIZE(3).offset:
    case pfr::TXPBSIZE(4).offset:
    case pfr::TXPBSIZE(5).offset:
    case pfr::TXPBSIZE(6).offset:
    case pfr::TXPBSIZE(7).offset:
      regs_[off / 4] = v & pfr::txpbsize::kSizeMask;
      return;
    case pfr::FCRTH(0).offset:
    case pfr::FCRTH(1).offset:
    case pfr::FCRTH(2).offset:
    case pfr::FCRTH(3).offset:
    case pfr::FCRTH(4).offset:
    case pfr::FCRTH(5).offset:
    case pfr::FCRTH(6).offset:
    case pfr::FCRTH(7).offset:
      regs_[off / 4] = v & (pfr::fcrth::kFcen | pfr::fcrth::kRthMask);
      return;
    case pfr::DTXMXSZRQ.offset:
      reg(pfr::DTXMXSZRQ) = v & pfr::dtxmxszrq::kMaxBytesNumReqMask;
      return;
    case pfr::CTRL_EXT.offset: {
      const bool was_ready = pf_ready();
      reg(pfr::CTRL_EXT) = v;
      if (!was_ready && pf_ready()) set_pfrstd(true);
      return;
    }
    case pfr::STATUS.offset:
    case pfr::LINKS.offset:
    case pfr::ANLP1.offset:
    case pfr::MMNGC.offset:
    case pfr::FWSM.offset:
    case pfr::FACTPS.offset:
      return;  // read-only to the driver (status, or the firmware's)
    case pfr::EEC.offset:
      reg(pfr::EEC) = v & ~(pfr::eec::kPres | pfr::eec::kArd);
      return;
    case pfr::RDRXCTL.offset:
      reg(pfr::RDRXCTL) = v & ~pfr::rdrxctl::kDmaIdone;
      return;
    case pfr::QDE.offset: {
      const uint32_t q = ((v & pfr::qde::kIdxMask) >> pfr::qde::kIdxShift) % pfr::kNumQueues;
      if (v & pfr::qde::kWrite) qde_[q] = v & (pfr::qde::kEnable | pfr::qde::kHideVlan);
      if (v & pfr::qde::kRead) qde_read_index_ = q;
      return;
    }
    case pfr::RTTBCNRC.offset: {
      const unsigned q = reg(pfr::RTTDQSEL) % pfr::kNumQueues;
      rttbcnrc_[q] = v;
      eng_.shaper.write_rttbcnrc(q, v, now_ns());
      return;
    }
    case pfr::RTTBCNRM.offset:
      reg(pfr::RTTBCNRM) = v;
      eng_.shaper.write_rttbcnrm(v);
      return;
    default:
      store_reg(off, v);
      switch_.note_write(off);
      if (RssRegisters::is_rss_register(off)) eng_.rss_stale = true;  // the VEB's snapshot is stale when a switch register changed
  }
}

bool DeviceModel::pf_read_mailbox_block(uint32_t off, uint32_t& out) {
  if (off >= kPfMailboxBase && off < kPfMailboxEnd) {
    out = read_pfmailbox((off - kPfMailboxBase) / 4);
    return true;
  }
  if (off >= kPfMbMemBase && off < kPfMbMemEnd) {
    const uint32_t rel = off - kPfMbMemBase;
    out = vfs_[rel / 64].mbmem[(rel % 64) / 4];
    return true;
  }
  for (unsigned i = 0; i < 2; ++i) {
    if (off == pfr::VFLRE(i).offset || off == pfr::VFLREC(i).offset) {
      out = static_cast<uint32_t>(vflre_ >> (32 * i));
      return true;
    }
  }
  return false;
}

bool DeviceModel::pf_write_mailbox_block(uint32_t off, uint32_t v) {
  if (off >= kPfMailboxBase && off < kPfMailboxEnd) {
    write_pfmailbox((off - kPfMailboxBase) / 4, v);
    return true;
  }
  if (off >= kPfMbMemBase && off < kPfMbMemEnd) {
    const uint32_t rel = off - kPfMbMemBase;
    vfs_[rel / 64].mbmem[(rel % 64) / 4] = v;
    return true;
  }
  for (unsigned i = 0; i < 4; ++i) {
    if (off == pfr::MBVFICR(i).offset) {
      regs_[off / 4] &= ~v;  // write 1 to clear
      return true;
    }
  }
  for (unsigned i = 0; i < 2; ++i) {
    if (off == pfr::VFLRE(i).offset) return true;  // status, read-only
    if (off == pfr::VFLREC(i).offset) {
      vflre_ &= ~(uint64_t{v} << (32 * i));  // write 1 to clear
      return true;
    }
  }
  return false;
}

bool DeviceModel::pf_read_interrupt_block(uint32_t off, uint32_t& out) {
  switch (off) {
    case pfr::EICR.offset:
      // Read-to-clear (datasheet 8.2.3.5.1 with GPIE.OCD: causes clear on read).
      out = eicr_;
      eicr_ = 0;
      return true;
    case pfr::EICS.offset:
      out = eicr_;  // reads return the causes without clearing them
      return true;
    case pfr::EIMS.offset:
    case pfr::EIMC.offset:
      out = eims_;
      return true;
    default:
      return false;
  }
}

bool DeviceModel::pf_write_interrupt_block(uint32_t off, uint32_t v) {
  switch (off) {
    case pfr::EICR.offset:
      eicr_ &= ~v;  // write 1 to clear
      return true;
    case pfr::EICS.offset:
      raise_pf_cause(v);
      return true;
    case pfr::EIMS.offset: {
      const uint32_t newly = v & ~eims_;
      eims_ |= v;
      if (eicr_ & newly) fire_pf_pending();
      return true;
    }
    case pfr::EIMC.offset:
      eims_ &= ~v;
      return true;
    default:
      return false;
  }
}

}  // namespace sim
