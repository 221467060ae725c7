#pragma once
// One PCI function as sysfs describes it, read once per run.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "doctor/bdf.hpp"
#include "doctor/fs.hpp"
#include "doctor/pci_config.hpp"

namespace doctor {

/// A function under /sys/bus/pci/devices: what more than one check needs. Attributes a single
/// check needs it reads itself, so they show in its evidence. A missing attribute stays nullopt:
/// kernels differ in what they expose, and the checks say what they could not see.
struct PciDevice {
  explicit PciDevice(Bdf b) : bdf(b) {}

  Bdf bdf;
  std::string path;                   // the device's own directory, links followed
  std::vector<Bdf> upstream;          // the bridges above it, nearest first
  std::optional<std::string> vendor;  // "0x8086"
  std::optional<std::string> device;  // "0x10fb"
  std::optional<int64_t> class_code;  // 0x020000
  PciConfig config;
  std::optional<std::string> driver;  // the bound driver's name
  std::optional<unsigned> iommu_group;
  std::optional<int64_t> sriov_totalvfs;  // present only on a PF the kernel set SR-IOV up for
  std::optional<Bdf> physfn;              // set on a VF
  std::vector<Bdf> virtfns;               // a PF's VFs, virtfn0 first
  std::vector<std::string> resource;      // `resource` lines: BARs 0-5, ROM, then VF BARs 0-5

  /// "/sys/bus/pci/devices/0000:01:00.0", how the evidence names its attributes.
  std::string sysfs() const;
  /// "8086:10fb" or "unknown device".
  std::string ids() const;
  bool is_vf() const { return physfn.has_value(); }
  /// True for a function that is not a VF and has the SR-IOV capability in its config space
  /// or the sriov_totalvfs attribute.
  bool has_sriov() const;
  /// Header type bit 7; false when the header could not be read.
  bool multifunction() const;
};

/// Reads /sys/bus/pci/devices/`name`; nullopt when `name` is not a function address.
std::optional<PciDevice> load_pci_device(const Fs& fs, const std::string& name);

}  // namespace doctor
