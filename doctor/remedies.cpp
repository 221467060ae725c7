#include "doctor/remedies.hpp"

#include <fmt/format.h>

namespace doctor::remedies {

std::string enable_iommu(const Host& h) {
  if (h.in_vm()) {
    return "give the virtual machine a virtual IOMMU with interrupt remapping (QEMU: -machine "
           "q35,kernel-irqchip=split -device intel-iommu,intremap=on) and boot it with "
           "intel_iommu=on; or run sriov-doctor on the physical host";
  }
  switch (h.cpu_vendor()) {
    case CpuVendor::kIntel:
      return fmt::format(
          "enable VT-d (Intel Virtualization Technology for Directed I/O) in the "
          "firmware setup and add intel_iommu=on to the kernel command line ({}), "
          "then reboot",
          kCmdlineHowTo);
    case CpuVendor::kAmd:
      return "enable the IOMMU (AMD-Vi, often labelled 'IOMMU') in the firmware setup and reboot; "
             "the kernel turns it on by itself unless amd_iommu=off or iommu=off is given";
    case CpuVendor::kOther:
      break;
  }
  return "enable the platform's IOMMU (SMMU) in the firmware and make sure the kernel's IOMMU "
         "driver is built in or loaded";
}

std::string remove_from_cmdline(std::string_view words) {
  return fmt::format("remove {} from the kernel command line ({}) and reboot", words,
                     kCmdlineHowTo);
}

}  // namespace doctor::remedies
