// PCI configuration space of the simulated 82599 PF and its SR-IOV capability (spec 6: the
// layout public lspci dumps of an X520 show).
#include "hal/ixgbe/ids.hpp"
#include "hal/pci_regs.hpp"
#include "hal/sim/config_layout.hpp"
#include "hal/sim/device_model.hpp"

namespace sim {

namespace pci = hal::pci;
namespace ix = hal::ixgbe;

namespace {
constexpr uint16_t kPmCap = 0x40;
constexpr uint16_t kMsiCap = 0x50;
using cfg_layout::kExpCap;
using cfg_layout::kMsixCap;
constexpr uint16_t kAerCap = 0x100;
constexpr uint16_t kDsnCap = 0x140;
constexpr uint16_t kVfBarFlags = 0xC;  // 64-bit, prefetchable memory BAR

constexpr uint32_t ext_header(uint16_t id, uint8_t ver, uint16_t next) {
  return id | uint32_t{ver} << 16 | uint32_t{next} << 20;
}
}  // namespace

uint16_t DeviceModel::sriov_reg16(uint16_t rel) const {
  return pf_cfg_.read16(static_cast<uint16_t>(ix::kSriovCapOffset + rel));
}

void DeviceModel::build_pf_config() {
  ConfigStore& c = pf_cfg_;
  c.init16(pci::kVendorId, ix::kVendorIntel);
  c.init16(pci::kDeviceId, ix::kDevice82599Sfp);
  c.writable16(pci::kCommand, 0x0547);  // I/O, memory, master, parity, SERR, INTx disable
  c.init16(pci::kStatus, pci::kStatusCapList);
  c.init32(pci::kRevisionClass, 0x02000001);  // Ethernet controller, revision 1
  c.init8(pci::kHeaderType, 0x80);            // multi-function: the 82599 has two ports
  c.init32(pci::kBar0, 0xC);                  // 64-bit prefetchable, 512 KiB
  c.writable32(pci::kBar0, ~(ix::pf::kBarSize - 1));
  c.writable32(pci::kBar0 + 4, 0xFFFFFFFF);
  c.init16(pci::kSubsystemVendorId, ix::kVendorIntel);
  c.init16(pci::kSubsystemId, 0x000C);
  c.init8(pci::kCapPtr, kPmCap);
  c.init16(kPmCap, pci::kCapIdPm | kMsiCap << 8);
  c.init16(kMsiCap, pci::kCapIdMsi | kMsixCap << 8);
  c.init16(kMsixCap, pci::kCapIdMsix | kExpCap << 8);
  c.init16(kMsixCap + 2, ix::pf::kNumVectors - 1);  // table size N-1
  c.writable16(kMsixCap + 2, 0xC000);                // MSI-X enable, function mask
  c.init16(kExpCap, pci::kCapIdExp);
  c.init16(kExpCap + 2, 0x0002);                     // PCIe v2, endpoint
  c.init32(kExpCap + pci::kExpDevCap, pci::kExpDevCapFlr);
  c.writable16(kExpCap + pci::kExpDevCtl, 0x7FFF);
  c.init32(kAerCap, ext_header(pci::kExtCapIdAer, 1, kDsnCap));
  c.init32(kDsnCap, ext_header(0x0003, 1, ix::kAriCapOffset));
  c.init32(ix::kAriCapOffset, ext_header(pci::kExtCapIdAri, 1, ix::kSriovCapOffset));
  c.init16(ix::kAriCapOffset + 6, 0x0001 << 8);  // next function number 1

  const uint16_t s = ix::kSriovCapOffset;
  c.init32(s, ext_header(pci::kExtCapIdSriov, 1, 0));
  c.init32(s + pci::sriov::kCap, 0);  // no VF migration
  c.writable16(s + pci::sriov::kCtrl, pci::sriov::kCtrlVfe | pci::sriov::kCtrlMse |
                                          pci::sriov::kCtrlAri);
  c.init16(s + pci::sriov::kInitialVfs, ix::kInitialVfs);
  c.init16(s + pci::sriov::kTotalVfs, ix::kTotalVfs);
  c.writable16(s + pci::sriov::kNumVfs, 0xFFFF);
  c.init16(s + pci::sriov::kVfOffset, ix::kFirstVfOffsetNoAri);
  c.init16(s + pci::sriov::kVfStride, ix::kVfStride);
  c.init16(s + pci::sriov::kVfDeviceId, ix::kDevice82599Vf);
  c.init32(s + pci::sriov::kSupportedPageSizes, ix::kSupportedPageSizes);
  c.init32(s + pci::sriov::kSystemPageSize, 0x1);  // 4 KiB
  c.writable32(s + pci::sriov::kSystemPageSize, ix::kSupportedPageSizes);
  // VF BAR0 (registers) and VF BAR3 (MSI-X), 16 KiB each, 64-bit (spec 6).
  for (uint16_t bar : {uint16_t(0), uint16_t(3)}) {
    const uint16_t at = static_cast<uint16_t>(s + pci::sriov::kVfBar0 + 4 * bar);
    c.init32(at, kVfBarFlags);
    c.writable32(at, ~(ix::vf::kBarSize - 1));
    c.writable32(at + 4, 0xFFFFFFFF);
  }
}

uint32_t DeviceModel::pf_cfg_read(uint16_t off, unsigned width) {
  Lock lock(mu_);
  uint32_t v = 0xFFFFFFFF;
  if (width == 4) v = pf_cfg_.read32(off);
  if (width == 2) v = pf_cfg_.read16(off);
  trace(-1, Space::kConfig, false, off, v);
  return v;
}

void DeviceModel::pf_cfg_write(uint16_t off, uint32_t v, unsigned width) {
  Lock lock(mu_);
  DoorbellGate gate(*this);  // VF Enable and VF MSE decide which VF BARs decode
  trace(-1, Space::kConfig, true, off, v);
  const uint16_t old_ctrl = sriov_reg16(pci::sriov::kCtrl);
  const uint16_t old_numvfs = sriov_reg16(pci::sriov::kNumVfs);
  if (!pf_cfg_.write(off, v, width)) return;
  pf_cfg_side_effects(off, width, old_ctrl, old_numvfs);
}

void DeviceModel::pf_cfg_side_effects(uint16_t off, unsigned width, uint16_t old_ctrl,
                                      uint16_t old_numvfs) {
  const uint16_t s = ix::kSriovCapOffset;
  const uint16_t ctrl_at = s + pci::sriov::kCtrl;
  const uint16_t numvfs_at = s + pci::sriov::kNumVfs;
  auto touches = [&](uint16_t reg) { return off < reg + 2 && off + width > reg; };
  if (touches(numvfs_at) && (old_ctrl & pci::sriov::kCtrlVfe)) {
    // NumVFs is read-only while VF Enable is set (SR-IOV 1.1, 3.3.7).
    pf_cfg_.force16(numvfs_at, old_numvfs);
  }
  if (!touches(ctrl_at)) return;
  const uint16_t ctrl = sriov_reg16(pci::sriov::kCtrl);
  if ((old_ctrl & pci::sriov::kCtrlVfe) && ((ctrl ^ old_ctrl) & pci::sriov::kCtrlAri)) {
    // ARI Capable Hierarchy may not change while VFs exist.
    pf_cfg_.force16(ctrl_at, static_cast<uint16_t>((ctrl & ~pci::sriov::kCtrlAri) |
                                                   (old_ctrl & pci::sriov::kCtrlAri)));
  }
  const uint16_t now = sriov_reg16(pci::sriov::kCtrl);
  pf_cfg_.force16(s + pci::sriov::kVfOffset, (now & pci::sriov::kCtrlAri)
                                                 ? ix::kFirstVfOffsetAri
                                                 : ix::kFirstVfOffsetNoAri);
  const bool was = old_ctrl & pci::sriov::kCtrlVfe;
  const bool is = now & pci::sriov::kCtrlVfe;
  if (!was && is) enable_vfs(std::min<unsigned>(sriov_reg16(pci::sriov::kNumVfs), ix::kTotalVfs));
  if (was && !is) disable_vfs();
}

}  // namespace sim
