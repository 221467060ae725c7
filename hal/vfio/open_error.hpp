#pragma once
// Why a VFIO open failed, and what fixes it.

#include <cstdint>
#include <string>
#include <string_view>

namespace hal::vfio {

/// The usual failures, each with its own remedy. Stable names (to_string) for logs and JSON.
enum class OpenFailure : uint8_t {
  kBadAddress,        ///< not a DDDD:BB:DD.F address
  kNoSuchFunction,    ///< no /sys/bus/pci/devices/BDF
  kNotSupported,      ///< not an 82599 PF or VF (vendor/device ids)
  kNoIommu,           ///< no IOMMU group (IOMMU off in firmware or on the command line), a
                      ///< no-IOMMU group, or no interrupt remapping
  kNoVfio,            ///< /dev/vfio/vfio missing: vfio-pci not loaded
  kWrongDriver,       ///< bound to another driver (ixgbe, ixgbevf) or to none
  kGroupNotViable,    ///< another member of the IOMMU group is bound to a host driver
  kNoPermission,      ///< EACCES/EPERM on /dev/vfio/N or a sysfs attribute (a DMA map over
                      ///< the memlock limit is a log line and kSystem from map(), not this)
  kNoHugepages,       ///< hugepages asked for and none reserved
  kSriovNotEnabled,   ///< PF mode: vfio-pci loaded without enable_sriov=1, or no VFs possible
  kVfTokenRequired,   ///< VF of a vfio-pci PF opened without (or with a wrong) VF token
  kDeviceGone,        ///< the function stopped answering (reads all-ones)
  kSystem,            ///< any other failed call: `what` names it and its errno
};

std::string_view to_string(OpenFailure f);

struct OpenError {
  OpenFailure failure = OpenFailure::kSystem;
  /// One sentence: what is wrong, naming the function and what was read ("0000:03:00.0 is
  /// bound to ixgbe").
  std::string what;
  /// The commands or settings that fix it; never empty.
  std::string fix;
  /// "what. Fix: fix", the one line a tool prints.
  std::string message() const;
};

}  // namespace hal::vfio
