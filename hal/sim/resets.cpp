// Resets of the simulated 82599: device reset (CTRL.RST), PF reset done (CTRL_EXT.PFRSTD),
// VF FLR, VF software reset (VFCTRL.RST), and VF creation/removal through SR-IOV control.
#include <algorithm>

#include "hal/sim/device_model.hpp"

namespace sim {

namespace pfr = hal::ixgbe::pf;

namespace {
/// The VF's interrupt and vector-map registers back to their reset values.
void clear_vf_registers(VfHw& h) {
  h.eicr = h.eims = h.eiac = h.eiam = 0;
  h.ivar.fill(0);
  h.ivar_misc = 0;
  h.eitr.fill(0);
  h.psrtype = 0;
}

/// The VF's statistics. A VF software reset keeps them (drivers take a new baseline, they do
/// not expect zeros); a device reset or an FLR clears them.
void clear_vf_statistics(VfHw& h) {
  h.gprc = h.gorc_lsb = h.gorc_msb = h.mprc = h.gptc = h.gotc_lsb = h.gotc_msb = 0;
}
}  // namespace

void DeviceModel::device_reset() {
  eng_.rss_stale = true;
  eng_.shaper.reset();
  // CTRL.RST resets the whole LAN function, VFs included, but not PCI config space: the VFs
  // keep existing, they only lose their register state (datasheet 4.2.1.6).
  ++pf_resets_;
  gio_held_ = false;  // the reset drops the requests that held GIO_MASTER_ENABLE
  std::fill(regs_.begin(), regs_.end(), 0u);
  load_reset_values();
  tx_held_.fill(0);
  switch_.invalidate();
  for (auto& slots : eng_.ctx_vlan) slots.fill(0);  // context descriptors are queue state
  qde_.fill(0);
  rttbcnrc_.fill(0);
  qde_read_index_ = 0;
  ssvpc_ = 0;
  eicr_ = 0;
  eims_ = 0;
  vflre_ = 0;
  for (auto& h : vfs_) {
    h.mbmem.fill(0);
    h.vfu = h.pfu = h.pfsts = h.pfack = h.rstd = false;
    // RSTI: the PF is not ready until it sets CTRL_EXT.PFRSTD (spec 3e).
    h.rsti = true;
    clear_vf_registers(h);
    clear_vf_statistics(h);
  }
  // RST alone keeps the link (it does not reset the PHY); the laser is back to the EEPROM's.
  update_link();
}

void DeviceModel::set_pfrstd(bool ready) {
  if (!ready) return;
  // PFRSTD 0 -> 1: every VF sees RSTI clear and RSTD set (spec 3e).
  for (unsigned vf = 0; vf < vfs_.size(); ++vf) {
    VfHw& h = vfs_[vf];
    if (!h.rsti) continue;
    h.rsti = false;
    if (!h.exists) continue;
    h.rstd = true;
    raise_vf_misc(vf);
  }
}

void DeviceModel::vf_function_reset(unsigned vf, bool flr) {
  VfHw& h = vfs_[vf];
  eng_.rss_stale = true;  // the VF's PSRTYPE is cleared below
  h.vfu = h.pfsts = h.pfack = h.rstd = false;
  h.rsti = !pf_ready();
  clear_vf_registers(h);
  clear_vf_queues(vf);
  if (!flr) return;
  // FLR: the PF learns of it through VFLRE/VFLREC and the mailbox interrupt cause; the VF's
  // pool stops receiving and transmitting until the PF re-enables it (assumption, see
  // docs/sim-model.md: the spec could not confirm whether hardware clears VFRE/VFTE).
  ++h.flr_count;
  clear_vf_statistics(h);
  vflre_ |= uint64_t{1} << vf;
  reg(pfr::VFRE(vf / 32)) &= ~(1u << (vf % 32));
  reg(pfr::VFTE(vf / 32)) &= ~(1u << (vf % 32));
  switch_.invalidate();
  raise_pf_cause(pfr::eicr::kMailbox);
}

void DeviceModel::vf_software_reset(unsigned vf) {
  // VFCTRL.RST: the VF's registers reset; RSTD reports completion once the PF is ready.
  vf_function_reset(vf, false);
  VfHw& h = vfs_[vf];
  h.rsti = !pf_ready();
  h.rstd = pf_ready();
}

void DeviceModel::enable_vfs(unsigned n) {
  num_vfs_ = std::min<unsigned>(n, static_cast<unsigned>(vfs_.size()));
  for (unsigned vf = 0; vf < num_vfs_; ++vf) {
    VfHw& h = vfs_[vf];
    h.exists = true;
    h.pfu = false;
    h.mbmem.fill(0);
    h.flr_count = 0;
    build_vf_config(vf);
    vf_function_reset(vf, false);
  }
}

void DeviceModel::disable_vfs() {
  for (unsigned vf = 0; vf < num_vfs_; ++vf) {
    VfHw& h = vfs_[vf];
    h.exists = false;
    vf_function_reset(vf, false);
    h.pfu = false;
    h.dma.clear();
  }
  vflre_ = 0;
  num_vfs_ = 0;
}

}  // namespace sim
