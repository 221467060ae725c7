// The simulated 82599's link and the global RX/TX enables: what the bring-up sequence of
// datasheet 4.6.3 switches on (AUTOC link setup, the SFP+ laser on ESDP.SDP3, RXCTRL.RXEN behind
// SECRXCTRL.RX_DIS, DMATXCTL.TE). Choices the datasheet leaves open: docs/sim-model.md,
// "Bring-up registers".
#include <bit>
#include <utility>

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

void DeviceModel::write_autoc(uint32_t v) {
  reg(pfr::AUTOC) = v & ~pfr::autoc::kRestartAn;
  if ((v & pfr::autoc::kRestartAn) == 0) return;  // LMS takes effect at the next restart
  // The port is SFP+: 10 Gb/s serial with the SFI PMA/PMD is the one mode that links.
  const bool sfi = (v & pfr::autoc::kLmsMask) == pfr::autoc::kLms10gSerial &&
                   (reg(pfr::AUTOC2) & pfr::autoc2::k10gPmaPmdSerialMask) == pfr::autoc2::k10gSfi;
  phy_ready_ = sfi;
  update_link();
}

void DeviceModel::link_reset() {
  phy_ready_ = false;
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
  reg(pfr::AUTOC) = pfr::autoc::kLms10gSerial;
  reg(pfr::AUTOC2) = pfr::autoc2::k10gSfi;
  reg(pfr::ESDP) = pfr::esdp::kSdp3Dir;
  // Without DCB the whole packet buffers belong to PB 0 (datasheet reset values).
  reg(pfr::RXPBSIZE(0)) = pfr::rxpbsize::k512KB;
  reg(pfr::TXPBSIZE(0)) = pfr::txpbsize::k160KB;
  reg(pfr::DTXMXSZRQ) = pfr::dtxmxszrq::kDefault;
}

}  // namespace sim
