// open_function(): sysfs first (discover, preflight), then the VFIO calls in the order the
// kernel requires them (Linux Documentation/driver-api/vfio.rst): container, group, group into
// container, IOMMU model, device fd, device description, BAR0, MSI-X.

#include "hal/vfio/open.hpp"

#include <cerrno>

#include <fmt/format.h>

#include "hal/vfio/discovery.hpp"
#include "hal/vfio/group_handle.hpp"
#include "hal/vfio/sys_failure.hpp"
#include "hal/vfio/vfio_bar.hpp"
#include "hal/vfio/vfio_config.hpp"
#include "hal/vfio/vfio_function.hpp"

namespace hal::vfio {

namespace {

/// The other members of the function's IOMMU group and their drivers, for a group the kernel
/// calls not viable: "0000:03:00.1 (ixgbe)".
std::string group_members(const doctor::Fs& fs, const FunctionInfo& f) {
  if (!f.iommu_group) return {};
  const std::string dir = fmt::format("/sys/kernel/iommu_groups/{}/devices", *f.iommu_group);
  std::string out;
  for (const std::string& m : fs.list(dir)) {
    if (m == f.bdf) continue;
    const auto drv = fs.link_name(fmt::format("/sys/bus/pci/devices/{}/driver", m));
    out += fmt::format("{}{} ({})", out.empty() ? "" : ", ", m, drv ? *drv : "no driver");
  }
  return out;
}

bool vf_of_vfio_pf(const FunctionInfo& f) { return f.is_vf && f.pf_driver == "vfio-pci"; }

OpenError noiommu_refusal(const FunctionInfo& f) {
  return OpenError{
      OpenFailure::kNoIommu,
      fmt::format("{} is in a vfio no-IOMMU group ({}): registers only, no DMA maps, and "
                  "sriovkit's drivers need DMA",
                  f.bdf, f.group_node()),
      "enable the IOMMU (intel_iommu=on iommu=pt on the kernel command line, VT-d/AMD-Vi in the "
      "firmware setup), turn vfio's no-IOMMU mode off again (echo N > "
      "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode) and rebind the function to "
      "vfio-pci"};
}

/// One config read before the function is handed out: a function that was removed, or a VF
/// whose PF disabled SR-IOV under us, reads all-ones in its Class Code/Revision ID dword,
/// which vfio-pci passes through from the device (the ids it virtualizes would not tell).
std::expected<void, OpenError> check_present(const Device& d, std::string_view bdf) {
  VfioConfig cfg(d);
  if (cfg.read32(VfioBar::kPresenceProbe) != kDeviceGone) return {};
  return std::unexpected(OpenError{
      OpenFailure::kDeviceGone,
      fmt::format("{} does not answer config reads (class/revision at {:#x} reads all-ones): "
                  "removed, or its PF disabled SR-IOV",
                  bdf, VfioBar::kPresenceProbe),
      fmt::format("check that it is still there (lspci -D -s {}) and, for a VF, that its PF's "
                  "sriov_numvfs still covers it; then open it again",
                  bdf)});
}

/// The name VFIO_GROUP_GET_DEVICE_FD takes. A VF of a vfio-pci PF presents the PF's VF token
/// (vfio-pci refuses it otherwise; a VF of a host-driver PF must not present one: EINVAL). A
/// PF presents the token it is given as well: while no VF is open this sets it, and while VFs
/// are open (a PF process restarted under running VMs) vfio-pci admits the PF only with it.
std::string device_name(const FunctionInfo& f, const std::optional<VfToken>& t) {
  if (t && (vf_of_vfio_pf(f) || !f.is_vf)) return f.bdf + " vf_token=" + t->str();
  return f.bdf;
}

OpenError device_fd_failure(const FunctionInfo& f, const std::optional<VfToken>& t,
                            const std::string& node, int err) {
  const std::string call = "VFIO_GROUP_GET_DEVICE_FD";
  if (err == EPERM && f.noiommu) {
    return OpenError{OpenFailure::kNoPermission,
                     fmt::format("{}: {} refused: {}: no-IOMMU mode needs CAP_SYS_RAWIO", f.bdf,
                                 call, describe_errno(err)),
                     "run as root (no-IOMMU devices need CAP_SYS_RAWIO)"};
  }
  if (vf_of_vfio_pf(f) && (err == EACCES || err == EPERM || err == EINVAL)) {
    const std::string pf = f.physfn.value_or("its PF");
    if (!t) {
      return OpenError{
          OpenFailure::kVfTokenRequired,
          fmt::format("{}: its PF {} is bound to vfio-pci, which admits its VFs only with the "
                      "PF's VF token ({} refused: {})",
                      f.bdf, pf, call, describe_errno(err)),
          fmt::format("pass --vf-token UUID with the token the process that owns PF {} printed "
                      "(or that it was started with)",
                      pf)};
    }
    return OpenError{
        OpenFailure::kVfTokenRequired,
        fmt::format("{}: VF token {} refused by vfio-pci: not the token PF {} was given ({}: {})",
                    f.bdf, t->str(), pf, call, describe_errno(err)),
        fmt::format("pass --vf-token with the token the process that owns PF {} printed", pf)};
  }
  if (!f.is_vf && err == EACCES) {
    return OpenError{
        OpenFailure::kVfTokenRequired,
        fmt::format("{}: vfio-pci refused the PF{}: its VFs are in use and the PF must present "
                    "their VF token ({}: {})",
                    f.bdf, t ? fmt::format(" with VF token {}", t->str()) : std::string(), call,
                    describe_errno(err)),
        "pass --vf-token UUID with the token the VFs were opened with, or stop the processes "
        "and VMs using the VFs"};
  }
  if (err == ENODEV && t && device_name(f, t) != f.bdf) {
    // Before Linux 5.7 vfio matches the whole string against the device's name, so a name
    // with " vf_token=" finds no device at all.
    return OpenError{
        OpenFailure::kSystem,
        fmt::format("{}: {} found no device named \"{}\" ({}): this kernel may not know VF "
                    "tokens (Linux < 5.7)",
                    f.bdf, call, device_name(f, t), describe_errno(err)),
        "drop --vf-token (a kernel before 5.7 has neither VF tokens nor vfio-pci's "
        "enable_sriov), or run Linux 5.7 or later"};
  }
  if (err == EBUSY) {
    return OpenError{OpenFailure::kSystem,
                     fmt::format("{}: in use by another process ({}: {})", f.bdf, call,
                                 describe_errno(err)),
                     fmt::format("stop the process that holds it (fuser -v {})", node)};
  }
  return sys_failure(f.bdf, call, err, node,
                     fmt::format("check that {} is in the group (ls /sys/bus/pci/devices/{}/"
                                 "iommu_group/devices) and see dmesg | grep -i vfio",
                                 f.bdf, f.bdf));
}

}  // namespace

std::expected<std::unique_ptr<VfioFunction>, OpenError> open_function(const OpenOptions& o) {
  doctor::Fs fs(o.root);
  auto info = discover(fs, o.bdf);
  if (!info) return std::unexpected(info.error());
  if (auto ready = preflight(fs, *info); !ready) return std::unexpected(ready.error());
  if (info->noiommu && !o.registers_only) return std::unexpected(noiommu_refusal(*info));

  SysOps& ops = o.ops != nullptr ? *o.ops : linux_sys_ops();
  const std::string& bdf = info->bdf;
  const std::string node = info->group_node();

  const GroupKey key{&ops, o.root.string(), node, info->noiommu, info->iommu_group.value_or(0)};
  auto group = acquire_group(key, bdf);
  if (!group) {
    OpenError e = group.error();
    if (e.failure == OpenFailure::kGroupNotViable && info->iommu_group) {
      // Preflight found the group viable in sysfs; the kernel disagrees, so name what sysfs
      // lists now: a member bound since, or one sysfs does not show.
      const std::string m = group_members(fs, *info);
      if (!m.empty()) e.what += "; its other members: " + m;
      e.fix = fmt::format(
          "bind every device in /sys/kernel/iommu_groups/{}/devices to vfio-pci or unbind it "
          "from its driver (echo BDF > /sys/bus/pci/devices/BDF/driver/unbind); sriov-doctor "
          "names them",
          *info->iommu_group);
    }
    return std::unexpected(std::move(e));
  }

  auto fd = (*group)->group().get_device_fd(device_name(*info, o.vf_token));
  if (!fd) return std::unexpected(device_fd_failure(*info, o.vf_token, node, fd.error()));
  auto device = Device::describe(std::move(*fd), bdf);
  if (!device) return std::unexpected(device.error());
  if (auto present = check_present(*device, bdf); !present) return std::unexpected(present.error());
  if (!info->is_vf && o.vf_token) {
    // The documented way to set a PF's token; unlike the one in the device name it also
    // replaces a token while VFs are open.
    if (auto r = device->set_vf_token(*o.vf_token, bdf); !r) return std::unexpected(r.error());
  }

  auto f = std::make_unique<VfioFunctionImpl>(ops, std::move(fs), std::move(*info), o.log,
                                              std::move(*group), std::move(*device));
  if (auto r = f->wire_interrupts(); !r) return std::unexpected(r.error());
  return f;
}

}  // namespace hal::vfio
