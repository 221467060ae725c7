#pragma once
// The PF's SR-IOV extended capability in config space (PCI SR-IOV 1.1 section 3.3): what
// makes VF functions appear and disappear, as pci_enable_sriov()/pci_disable_sriov() do.

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
  /// ARI Capable Hierarchy, then NumVFs = n, then VF Enable | VF MSE: the VFs appear.
  /// Precondition: VFs disabled, 0 < n <= total_vfs().
  void enable(unsigned n);
  /// Clears VF Enable and VF MSE, then NumVFs = 0: the VFs disappear.
  void disable();

 private:
  hal::ConfigSpace& cfg_;
  uint16_t at_ = 0;
};

}  // namespace pf
