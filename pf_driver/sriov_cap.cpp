#include "pf_driver/sriov_cap.hpp"

#include "hal/pci_regs.hpp"

namespace pf {
namespace sr = hal::pci::sriov;

SriovCap::SriovCap(hal::ConfigSpace& cfg)
    : cfg_(cfg), at_(cfg.find_ext_capability(hal::pci::kExtCapIdSriov)) {}

unsigned SriovCap::total_vfs() const { return cfg_.read16(at_ + sr::kTotalVfs); }

unsigned SriovCap::num_vfs() const { return cfg_.read16(at_ + sr::kNumVfs); }

bool SriovCap::vfs_enabled() const { return (cfg_.read16(at_ + sr::kCtrl) & sr::kCtrlVfe) != 0; }

}  // namespace pf
