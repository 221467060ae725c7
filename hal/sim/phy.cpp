// The simulated 82599's link and the global RX/TX enables: what the bring-up sequence of
// datasheet 4.6.3 switches on (AUTOC link setup and the pipeline reset, the SFP+ laser on
// ESDP.SDP3, RXCTRL.RXEN behind SECRXCTRL.RX_DIS, DMATXCTL.TE), the EEPROM and firmware state
// the driver reads, and the registers whose reads the model computes. Choices the datasheet
// leaves open: docs/sim-model.md, "Bring-up registers".
#include <bit>
#include <utility>

#include "hal/pci_regs.hpp"
#include "hal/sim/config_layout.hpp"
#include "hal/sim/device_model.hpp"

namespace sim {

namespace pfr = hal::ixgbe::pf;

bool DeviceModel::laser_on() const {
  // SFP+ TX_DISABLE is pulled up inside the module: the laser is lit only while SDP3 is an
  // output driven low.
  const uint32_t esdp = reg(pfr::ESDP);
  return (esdp & pfr::esdp::kSdp3Dir) != 0 && (esdp & pfr::esdp::kSdp3) == 0;
}

void DeviceModel::update_link() {
  const bool laser = laser_on();
  if (laser != laser_told_) {
    laser_told_ = laser;
    eng_.wire->set_tx_signal(laser);
  }
  // 10GBASE-R fault signalling: an end that hears nothing sends Remote Fault, so both ends of a
  // link report it down when either laser is dark.
  const bool up = wire_connected_ && phy_ready_ && laser && eng_.wire->rx_signal();
  if (up == link_up_) return;
  link_up_ = up;
  raise_pf_cause(pfr::eicr::kLsc);
}

bool DeviceModel::autoc_links(uint32_t autoc) const {
  // The port is SFP+: 10 Gb/s serial with the SFI PMA/PMD is the one mode that links.
  const uint32_t autoc2 = reg(pfr::AUTOC2);
  return (autoc & pfr::autoc::kLmsMask) == pfr::autoc::kLms10gSerial &&
         (autoc2 & pfr::autoc2::k10gPmaPmdSerialMask) == pfr::autoc2::k10gSfi &&
         (autoc2 & pfr::autoc2::kLinkDisableMask) == 0;
}

void DeviceModel::write_autoc(uint32_t v) {
  reg(pfr::AUTOC) = v & ~pfr::autoc::kRestartAn;
  if ((v & pfr::autoc::kRestartAn) == 0) return;  // LMS takes effect at the next restart
  // A restart moves auto-negotiation out of state 0 (ANLP1.AN_STATE) whatever the mode: the
  // pipeline reset's toggled LMS waits for exactly that.
  an_started_ = true;
  phy_ready_ = autoc_links(v);
  update_link();
}

void DeviceModel::link_reset() {
  // The transmitter resets with the PHY: the partner loses the signal, however briefly.
  laser_told_ = false;
  eng_.wire->set_tx_signal(false);
  phy_ready_ = false;
  update_link();
  // Then the link restarts by itself from AUTOC as the EEPROM left it, as at power-on.
  an_started_ = true;
  phy_ready_ = autoc_links(reg(pfr::AUTOC));
  update_link();
}

bool DeviceModel::rx_enabled() const {
  return (reg(pfr::RXCTRL) & pfr::rxctrl::kRxEn) != 0 &&
         (reg(pfr::SECRXCTRL) & pfr::secrxctrl::kRxDis) == 0;
}

void DeviceModel::write_dmatxctl(uint32_t v) {
  const bool was_on = (reg(pfr::DMATXCTL) & pfr::dmatxctl::kTe) != 0;
  reg(pfr::DMATXCTL) = v;
  if (was_on || (v & pfr::dmatxctl::kTe) == 0) return;
  for (unsigned w = 0; w < tx_held_.size(); ++w) {
    for (uint64_t held = std::exchange(tx_held_[w], 0); held != 0; held &= held - 1) {
      mark_tx_pending(w * 64 + static_cast<unsigned>(std::countr_zero(held)));
    }
  }
}

void DeviceModel::load_reset_values() {
  reg(pfr::HLREG0) = pfr::hlreg0::kResetValue;  // TXPADEN and the CRC bits come up set
  // What the EEPROM of an 82599ES SFP+ board loads: 10G serial SFI, SDP3 an output driven low
  // (laser on).
  reg(pfr::AUTOC) = eeprom_autoc_;
  reg(pfr::AUTOC2) = eeprom_autoc2_;
  reg(pfr::ESDP) = pfr::esdp::kSdp3Dir;
  // Without DCB the whole packet buffers belong to PB 0 (datasheet reset values).
  reg(pfr::RXPBSIZE(0)) = pfr::rxpbsize::k512KB;
  reg(pfr::TXPBSIZE(0)) = pfr::txpbsize::k160KB;
  reg(pfr::DTXMXSZRQ) = pfr::dtxmxszrq::kDefault;
  reg(pfr::RDRXCTL) = pfr::rdrxctl::kRscFrstSizeReset;
  // Firmware state survives the reset: the firmware, not the reset, sets it.
  reg(pfr::FWSM) = mng_enabled_ ? pfr::fwsm::kModePassThrough : 0;
  reg(pfr::MANC) = mng_enabled_ ? pfr::manc::kRcvTcoEn : 0;
  reg(pfr::MMNGC) = mng_veto_ ? pfr::mmngc::kMngVeto : 0;
}

bool DeviceModel::pf_read_computed(uint32_t off, uint32_t& out) {
  switch (off) {
    case pfr::STATUS.offset:
      // Requests drain at once unless the world holds them (hold_master_requests).
      out = (reg(pfr::CTRL) & pfr::ctrl::kGioMasterDisable) != 0 && !gio_held_
                ? 0
                : pfr::status::kGioMasterEnable;
      return true;
    case pfr::LINKS.offset:
      update_link();  // the far end's laser may have changed since the last look
      out = link_up_ ? (pfr::links::kUp | pfr::links::kSpeed10G) : 0;
      return true;
    case pfr::ANLP1.offset:
      // Any state but 0 satisfies a pipeline reset; the model reports 1 once AN ran.
      out = an_started_ ? (1u << std::countr_zero(pfr::anlp1::kAnStateMask)) : 0;
      return true;
    case pfr::EERD.offset: {
      // A read started by writing START completes before the next access.
      const uint32_t v = reg(pfr::EERD);
      if ((v & pfr::eerd::kStart) == 0) {
        out = v;
        return true;
      }
      const uint32_t addr = (v & pfr::eerd::kAddrMask) >> pfr::eerd::kAddrShift;
      out = (v & ~pfr::eerd::kStart) | pfr::eerd::kDone |
            (uint32_t{eeprom_[addr % eeprom_.size()]} << pfr::eerd::kDataShift);
      return true;
    }
    default:
      return false;
  }
}

void DeviceModel::hold_master_requests(bool gio_held, bool transaction_pending) {
  Lock lock(mu_);
  gio_held_ = gio_held;
  transaction_pending_ = transaction_pending;
  pf_cfg_.force16(cfg_layout::kExpCap + hal::pci::kExpDevSta,
                  transaction_pending ? hal::pci::kExpDevStaTransPending : 0);
}

void DeviceModel::set_eeprom_link(uint32_t autoc, uint32_t autoc2) {
  Lock lock(mu_);
  eeprom_autoc_ = autoc;
  eeprom_autoc2_ = autoc2;
}

void DeviceModel::set_eeprom_word(uint16_t addr, uint16_t value) {
  Lock lock(mu_);
  eeprom_[addr % eeprom_.size()] = value;
}

void DeviceModel::set_manageability(bool enabled, bool veto) {
  Lock lock(mu_);
  mng_enabled_ = enabled;
  mng_veto_ = veto;
  reg(pfr::FWSM) = enabled ? pfr::fwsm::kModePassThrough : 0;
  reg(pfr::MANC) = enabled ? pfr::manc::kRcvTcoEn : 0;
  reg(pfr::MMNGC) = veto ? pfr::mmngc::kMngVeto : 0;
}

}  // namespace sim
