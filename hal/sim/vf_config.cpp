// PCI configuration space of a simulated 82599 VF: MSI-X and PCIe capabilities, FLR.
#include "hal/ixgbe/ids.hpp"
#include "hal/pci_regs.hpp"
#include "hal/sim/config_layout.hpp"
#include "hal/sim/device_model.hpp"

namespace sim {

namespace pci = hal::pci;
namespace ix = hal::ixgbe;

using cfg_layout::kExpCap;
using cfg_layout::kMsixCap;

void DeviceModel::build_vf_config(unsigned vf) {
  ConfigStore& c = vfs_[vf].cfg;
  c = ConfigStore{};
  // A VF's Vendor and Device ID read all-ones; the VF Device ID lives in the PF's SR-IOV
  // capability (SR-IOV 1.1, 3.4.1.1/2).
  c.init16(pci::kVendorId, 0xFFFF);
  c.init16(pci::kDeviceId, 0xFFFF);
  c.writable16(pci::kCommand, pci::kCommandMaster);  // memory decode is the PF's VF MSE
  c.init16(pci::kStatus, pci::kStatusCapList);
  c.init32(pci::kRevisionClass, 0x02000001);
  c.init16(pci::kSubsystemVendorId, ix::kVendorIntel);
  c.init16(pci::kSubsystemId, 0x000C);
  c.init8(pci::kCapPtr, kMsixCap);
  c.init16(kMsixCap, pci::kCapIdMsix | kExpCap << 8);
  c.init16(kMsixCap + 2, ix::vf::kNumVectors - 1);
  c.writable16(kMsixCap + 2, 0xC000);
  c.init16(kExpCap, pci::kCapIdExp);
  c.init16(kExpCap + 2, 0x0002);
  c.init32(kExpCap + pci::kExpDevCap, pci::kExpDevCapFlr);
  c.writable16(kExpCap + pci::kExpDevCtl, 0xFFFF);
  c.init32(pci::kExtCapStart, pci::kExtCapIdAri | 1u << 16);
}

uint32_t DeviceModel::vf_cfg_read(unsigned vf, uint16_t off, unsigned width) {
  Lock lock(mu_);
  uint32_t v = 0xFFFFFFFF;
  if (vf < vfs_.size() && vfs_[vf].exists) {
    if (width == 4) v = vfs_[vf].cfg.read32(off);
    if (width == 2) v = vfs_[vf].cfg.read16(off);
  }
  trace(static_cast<int>(vf), Space::kConfig, false, off, v);
  return v;
}

void DeviceModel::vf_cfg_write(unsigned vf, uint16_t off, uint32_t v, unsigned width) {
  Lock lock(mu_);
  DoorbellGate gate(*this);  // an FLR zeroes the VF's queue registers
  trace(static_cast<int>(vf), Space::kConfig, true, off, v);
  if (vf >= vfs_.size() || !vfs_[vf].exists) return;
  if (!vfs_[vf].cfg.write(off, v, width)) return;
  vf_cfg_side_effects(vf, off, width);
}

void DeviceModel::vf_cfg_side_effects(unsigned vf, uint16_t off, unsigned width) {
  const uint16_t devctl = kExpCap + pci::kExpDevCtl;
  if (off >= devctl + 2 || off + width <= devctl) return;
  ConfigStore& c = vfs_[vf].cfg;
  const uint16_t v = c.read16(devctl);
  if (!(v & pci::kExpDevCtlBcrFlr)) return;
  // Initiate FLR reads back as zero; the function resets, config space included.
  build_vf_config(vf);
  vf_function_reset(vf, true);
}

}  // namespace sim
