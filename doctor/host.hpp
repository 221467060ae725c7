#pragma once
// What every check shares: the filesystem view, the PCI functions, the CPU and the kernel
// command line, read once at the start of a run.

#include <optional>
#include <string>
#include <vector>

#include "doctor/bdf.hpp"
#include "doctor/fs.hpp"
#include "doctor/kernel_cmdline.hpp"
#include "doctor/pci_device.hpp"

namespace doctor {

enum class CpuVendor : uint8_t { kIntel, kAmd, kOther };

/// A snapshot of the host below a root. Holds a reference to `fs`, which must outlive it.
class Host {
 public:
  /// Reads /sys/bus/pci/devices, /proc/cpuinfo and /proc/cmdline. Never fails: what is missing
  /// stays empty and the checks report it.
  static Host scan(const Fs& fs);

  const Fs& fs() const { return *fs_; }
  const std::vector<PciDevice>& devices() const { return devices_; }
  /// nullptr when no such function was found.
  const PciDevice* find(const Bdf& bdf) const;
  /// The functions with the SR-IOV capability, in address order.
  std::vector<const PciDevice*> physical_functions() const;

  CpuVendor cpu_vendor() const { return cpu_vendor_; }
  /// The CPU reports the "hypervisor" flag: this is a virtual machine.
  bool in_vm() const { return in_vm_; }
  /// /proc/cmdline as read; nullopt when unreadable.
  const std::optional<std::string>& cmdline_text() const { return cmdline_text_; }
  const KernelCmdline& cmdline() const { return cmdline_; }

  /// Names under /sys/kernel/iommu_groups: empty when no IOMMU translates DMA.
  std::vector<std::string> iommu_groups() const;
  /// Addresses in /sys/kernel/iommu_groups/`group`/devices.
  std::vector<std::string> iommu_group_members(unsigned group) const;

 private:
  explicit Host(const Fs& fs) : fs_(&fs) {}

  const Fs* fs_;
  std::vector<PciDevice> devices_;
  CpuVendor cpu_vendor_ = CpuVendor::kOther;
  bool in_vm_ = false;
  std::optional<std::string> cmdline_text_;
  KernelCmdline cmdline_;
};

}  // namespace doctor
