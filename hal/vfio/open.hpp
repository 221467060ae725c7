#pragma once
// Opening a PCI function through VFIO: what a tool calls for `--device vfio:BDF`.
//
// open_function() first checks the host through sysfs (the function exists, is an 82599 PF or
// VF, is bound to vfio-pci, has an IOMMU group whose every member is bound to vfio-pci or to
// no driver, /dev/vfio is there and may be opened), and only then makes the VFIO calls: the
// container, the group, the device, BAR0, config space, the MSI-X vectors. Every failure is an
// OpenError naming what is wrong and the command that fixes it, reusing sriov-doctor's checks
// and remedies where they apply.

#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hal/pci_function.hpp"
#include "hal/vfio/open_error.hpp"
#include "hal/vfio/sys_ops.hpp"
#include "hal/vfio/vf_token.hpp"

namespace hal::vfio {

/// Whether the function opened is a physical function (our PF driver runs on it) or a VF.
enum class Role : uint8_t { kPf, kVf };

struct OpenOptions {
  /// "0000:03:00.0": domain:bus:device.function as sysfs names it.
  std::string bdf;
  /// The directory read as "/" for /sys and /dev (a fixture tree in tests).
  std::filesystem::path root = "/";
  /// The OS calls; nullptr: the real kernel (linux_sys_ops()).
  SysOps* ops = nullptr;
  /// PF mode: set on the PF once it is open (VFIO_DEVICE_FEATURE PCI_VF_TOKEN), so that VFs
  /// of a vfio-pci PF can be opened by whoever presents it. VF mode: presented when the VF's
  /// PF is bound to vfio-pci (VFIO_GROUP_GET_DEVICE_FD "BDF vf_token=UUID"); ignored otherwise.
  /// As DPDK's --vfio-vf-token.
  std::optional<VfToken> vf_token;
  /// Where the function's one-line reports go once it is open (device gone, a DMA map
  /// refused, sriov_numvfs refused); empty: stderr. Called from the thread that saw the event.
  std::function<void(std::string_view)> log;
};

/// One function opened through VFIO. Owns (RAII) the container, the group, the device fd,
/// the BAR0 mapping, the DMA mappings made through dma() and the vectors' eventfds; destroying
/// it undoes them in reverse order (DMA unmapped, interrupts disabled, fds closed). Each
/// function has a container of its own, so its IOMMU domain is its own, as in the simulation.
class VfioFunction : public PciFunction {
 public:
  virtual Role role() const = 0;
  /// "0000:03:00.0".
  virtual const std::string& bdf() const = 0;
  /// True once a read returned all-ones and config space confirmed the device is gone
  /// (surprise removal, or a PF reset took the VF away). Reported once in the log.
  virtual bool gone() const = 0;
  /// PF mode: the addresses of the VFs sysfs lists (virtfn0, virtfn1, ...), in VF order;
  /// empty while SR-IOV is off or in VF mode.
  virtual std::vector<std::string> vf_addresses() const = 0;
};

/// Opens `o.bdf`. Errors: an OpenError naming the cause and the fix. Touches no device
/// register: what to program is the driver's business.
std::expected<std::unique_ptr<VfioFunction>, OpenError> open_function(const OpenOptions& o);

}  // namespace hal::vfio
