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
  /// Accept a group in vfio's unsafe no-IOMMU mode (/dev/vfio/noiommu-N). Such a function has
  /// registers and config space but no DMA map (no IOMMU to put one in), which sriovkit's
  /// drivers need: without this flag a no-IOMMU group is refused with kNoIommu. For register
  /// inspection only.
  bool registers_only = false;
};

/// One function opened through VFIO. Owns (RAII) its device fd, the BAR0 mapping, the DMA
/// mappings made through dma(), the vectors' and the request channel's eventfds, and a share of
/// its IOMMU group (the group fd and its container, common to every open function of the same
/// group in this process: the kernel opens a group once). Destroying it undoes them in this
/// order: MSI-X off and the request channel released, BAR0 unmapped, the device fd closed (the
/// device can no longer bus-master), its DMA maps unmapped (pages another function of the
/// group still maps stay), and, when it was the group's last open function, the group out of
/// its container and closed, then the container closed.
///
/// Functions of one group share one IOMMU domain: an IOVA one maps is reachable by the others'
/// devices too. Byte ranges of different functions may share a page only when they map it to
/// the same host page.
class VfioFunction : public PciFunction {
 public:
  /// PF mode: sysfs sriov_numvfs = n (see write_sriov_numvfs). Disabling VFs (n = 0, or a new
  /// count over an old one) needs every VF's device fd closed first, ours included: with a VF
  /// open, vfio-pci asks its user to release it (the request channel) and the kernel waits.
  /// So a caller closes its own VFs' VfioFunctions before it asks for 0. Errors: kNoDevice (a
  /// VF), kSystem (refused: logged, and kept in last_error() with its fix).
  std::expected<void, Error> set_sriov_num_vfs(unsigned n) override = 0;
  /// The OpenError of the last refused set_sriov_num_vfs (what and fix), for a tool's final
  /// line; nullopt when none was refused.
  virtual std::optional<OpenError> last_error() const = 0;
  /// True once the kernel asked, through vfio-pci's device request interrupt, for the device
  /// back (its PF's driver disables SR-IOV, it is being unbound or removed). The kernel waits
  /// until this function is destroyed; a driver should stop and close it. Not consumed: stays
  /// true.
  virtual bool release_requested() const = 0;
  /// The request channel's eventfd, to poll alongside the vectors; -1 when the device offers
  /// none.
  virtual int release_request_fd() const = 0;
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

/// Opens `o.bdf`. Errors: an OpenError naming the cause and the fix; kDeviceGone when the
/// function does not answer config reads (removed, or its PF disabled SR-IOV). Touches no
/// device register: what to program is the driver's business. Thread-safe; functions of one
/// IOMMU group may be opened and closed from different threads.
std::expected<std::unique_ptr<VfioFunction>, OpenError> open_function(const OpenOptions& o);

}  // namespace hal::vfio
