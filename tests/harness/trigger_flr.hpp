#pragma once
// A function-level reset through the function's PCIe Device Control, as a hypervisor (vfio-pci)
// does for a guest's VF.

#include "hal/pci_function.hpp"
#include "hal/pci_regs.hpp"

namespace harness_test {

inline void trigger_flr(hal::PciFunction& fn) {
  const uint8_t exp = fn.config().find_capability(hal::pci::kCapIdExp);
  fn.config().write16(exp + hal::pci::kExpDevCtl, hal::pci::kExpDevCtlBcrFlr);
}

}  // namespace harness_test
