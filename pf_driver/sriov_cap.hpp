#pragma once
// The PF's SR-IOV extended capability in config space (PCI SR-IOV 1.1 section 3.3), read to
// learn what the device offers and whether VFs are on. VFs are switched on and off through
// hal::PciFunction::set_sriov_num_vfs(), the OS's part, as pci_enable_sriov() is in Linux.

#include <cstdint>

#include "hal/config_space.hpp"

namespace pf {

class SriovCap {
 public:
  /// Locates the capability; present() is false when the function has none.
  explicit SriovCap(hal::ConfigSpace& cfg);

  bool present() const { return at_ != 0; }
  /// TotalVFs: how many VFs the device offers. Precondition: present().
  unsigned total_vfs() const;
  /// NumVFs as programmed now.
  unsigned num_vfs() const;
  bool vfs_enabled() const;

 private:
  hal::ConfigSpace& cfg_;
  uint16_t at_ = 0;
};

}  // namespace pf
