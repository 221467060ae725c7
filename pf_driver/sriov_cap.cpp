#include "pf_driver/sriov_cap.hpp"

#include "hal/pci_regs.hpp"

namespace pf {
namespace sr = hal::pci::sriov;

SriovCap::SriovCap(hal::ConfigSpace& cfg)
    : cfg_(cfg), at_(cfg.find_ext_capability(hal::pci::kExtCapIdSriov)) {}

unsigned SriovCap::total_vfs() const { return cfg_.read16(at_ + sr::kTotalVfs); }

unsigned SriovCap::num_vfs() const { return cfg_.read16(at_ + sr::kNumVfs); }

bool SriovCap::vfs_enabled() const { return (cfg_.read16(at_ + sr::kCtrl) & sr::kCtrlVfe) != 0; }

void SriovCap::enable(unsigned n) {
  // ARI Capable Hierarchy may change only while VF Enable is clear (SR-IOV 3.3.3.5), and it
  // moves First VF Offset to 0x80 so 64 VFs fit on the PF's bus (spec 6). NumVFs is likewise
  // writable only before VF Enable (3.3.7).
  const uint16_t ctrl = cfg_.read16(at_ + sr::kCtrl);
  const uint16_t base = static_cast<uint16_t>((ctrl & ~(sr::kCtrlVfe | sr::kCtrlMse)) | sr::kCtrlAri);
  cfg_.write16(at_ + sr::kCtrl, base);
  cfg_.write16(at_ + sr::kNumVfs, static_cast<uint16_t>(n));
  cfg_.write16(at_ + sr::kCtrl, base | sr::kCtrlVfe | sr::kCtrlMse);
}

void SriovCap::disable() {
  const uint16_t ctrl = cfg_.read16(at_ + sr::kCtrl);
  cfg_.write16(at_ + sr::kCtrl, static_cast<uint16_t>(ctrl & ~(sr::kCtrlVfe | sr::kCtrlMse)));
  cfg_.write16(at_ + sr::kNumVfs, 0);
}

}  // namespace pf
