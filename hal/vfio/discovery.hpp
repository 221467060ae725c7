#pragma once
// What sysfs says about a PCI function before VFIO is touched, and whether it can be opened.
// Reads through doctor::Fs, so fixture trees stand in for a host's /sys and /dev.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "doctor/fs.hpp"
#include "hal/vfio/open_error.hpp"
#include "hal/vfio/sys_ops.hpp"

namespace hal::vfio {

/// One function as /sys/bus/pci/devices/BDF describes it.
struct FunctionInfo {
  std::string bdf;                    ///< "0000:03:00.0"
  uint16_t vendor = 0;                ///< 0x8086
  uint16_t device = 0;                ///< 0x10fb (82599 SFP+ PF), 0x10ed (82599 VF), ...
  bool is_vf = false;                 ///< has a physfn link
  std::optional<std::string> driver;  ///< the bound driver's name ("vfio-pci", "ixgbe")
  std::optional<unsigned> iommu_group;
  /// The group's node is /dev/vfio/noiommu-N (vfio's unsafe no-IOMMU mode).
  bool noiommu = false;
  // VF only.
  std::optional<std::string> physfn;     ///< the PF's address
  std::optional<std::string> pf_driver;  ///< the PF's driver ("ixgbe", "vfio-pci")
  // PF only.
  std::optional<unsigned> total_vfs;  ///< sriov_totalvfs
  std::optional<unsigned> num_vfs;    ///< sriov_numvfs
  std::vector<std::string> virtfns;   ///< virtfn0, virtfn1, ... resolved to addresses
  /// "/dev/vfio/N" (or "/dev/vfio/noiommu-N"); empty without a group.
  std::string group_node() const;
};

/// Reads the function. Errors: kBadAddress, kNoSuchFunction, kNotSupported (not an 82599 PF
/// or VF by vendor/device id).
std::expected<FunctionInfo, OpenError> discover(const doctor::Fs& fs, std::string_view bdf);

/// Everything that must hold before the VFIO calls, checked in the order a person fixes
/// them: an IOMMU (kNoIommu, with sriov-doctor's iommu finding and fix), vfio-pci loaded
/// (kNoVfio), the function bound to vfio-pci (kWrongDriver, naming the driver and the
/// unbind/driver_override/drivers_probe commands), every other member of its IOMMU group bound
/// to vfio-pci or to nothing (kGroupNotViable, naming them), the group's node openable
/// (kNoPermission). vfio-pci's enable_sriov, which a PF needs for VFs, is checked by
/// write_sriov_numvfs(), when VFs are asked for.
std::expected<void, OpenError> preflight(const doctor::Fs& fs, const FunctionInfo& f);

/// PF mode: sysfs sriov_numvfs = n (0 first when another non-zero count is set, as the
/// kernel refuses one non-zero count over another), written through `ops` so fakes see it.
/// Errors: kSriovNotEnabled (vfio-pci's enable_sriov is off, or n above sriov_totalvfs),
/// kNoPermission, kSystem (the write failed: errno named).
std::expected<void, OpenError> write_sriov_numvfs(SysOps& ops, const doctor::Fs& fs,
                                                  std::string_view pf_bdf, unsigned n);

}  // namespace hal::vfio
