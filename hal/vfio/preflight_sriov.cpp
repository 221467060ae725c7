#include "hal/vfio/preflight_sriov.hpp"

#include <fmt/format.h>

#include "hal/vfio/sys_failure.hpp"
#include "hal/vfio/sysfs_bind.hpp"

namespace hal::vfio {

namespace {
constexpr std::string_view kEnableSriov = "/sys/module/vfio_pci/parameters/enable_sriov";
}  // namespace

std::optional<bool> vfio_pci_enable_sriov(const doctor::Fs& fs) {
  const auto on = fs.read_line(kEnableSriov);
  if (!on) return std::nullopt;
  return *on == "Y" || *on == "1";
}

std::expected<void, OpenError> check_vfs_possible(const doctor::Fs& fs, const FunctionInfo& f,
                                                  unsigned n) {
  const std::string dir = "/sys/bus/pci/devices/" + f.bdf;
  if (f.is_vf || !f.total_vfs) {
    return std::unexpected(OpenError{
        OpenFailure::kSriovNotEnabled,
        f.is_vf ? fmt::format("{} is a VF (of {}): only a PF has VFs", f.bdf, f.physfn.value_or("?"))
                : fmt::format("{} offers no VFs ({}/sriov_totalvfs is missing)", f.bdf, dir),
        f.is_vf ? std::string("give the PF's address")
                : "enable SR-IOV (and VT-d) in the firmware setup; `sriov-doctor` says what is "
                  "missing"});
  }
  if (n > *f.total_vfs) {
    return std::unexpected(OpenError{
        OpenFailure::kSriovNotEnabled,
        fmt::format("{} VFs asked of {}, which offers {} ({}/sriov_totalvfs)", n, f.bdf,
                    *f.total_vfs, dir),
        fmt::format("ask for at most {} VFs", *f.total_vfs)});
  }
  if (f.driver == "vfio-pci" && vfio_pci_enable_sriov(fs) != true) {
    const auto on = fs.read_line(kEnableSriov);
    return std::unexpected(OpenError{
        OpenFailure::kSriovNotEnabled,
        fmt::format("{} is bound to vfio-pci, which creates VFs only with enable_sriov on "
                    "({}: {})",
                    f.bdf, kEnableSriov, on ? *on : std::string("missing: Linux < 5.7?")),
        fmt::format("echo 1 > {} (the parameter is writable), or reload the module: modprobe "
                    "-r vfio-pci && modprobe vfio-pci enable_sriov=1 (options vfio-pci "
                    "enable_sriov=1 in /etc/modprobe.d/vfio.conf keeps it). Then {}",
                    kEnableSriov, sysfs::vfs_to_vfio_advice(f.bdf, "vfio-pci"))});
  }
  return {};
}

std::expected<void, OpenError> preflight_enable_vfs(const doctor::Fs& fs, const FunctionInfo& pf,
                                                    unsigned n, const Credentials& cred) {
  if (auto r = check_vfs_possible(fs, pf, n); !r) return r;
  const std::string attr = "/sys/bus/pci/devices/" + pf.bdf + "/sriov_numvfs";
  if (!may_write(fs.root() / attr.substr(1), cred)) {
    return std::unexpected(OpenError{
        OpenFailure::kNoPermission,
        fmt::format("{} cannot be written by uid {}: enabling VFs on {} writes it", attr, cred.uid,
                    pf.bdf),
        "run as root (sysfs attributes are writable by root only), or have root enable the VFs "
        "first (echo N > " + attr + ") and run in VF mode"});
  }
  return {};
}

std::expected<void, OpenError> preflight_vf_token(const FunctionInfo& vf, bool have_token) {
  if (!vf.is_vf || vf.pf_driver != "vfio-pci" || have_token) return {};
  const std::string pf = vf.physfn.value_or("its PF");
  return std::unexpected(OpenError{
      OpenFailure::kVfTokenRequired,
      fmt::format("{}: its PF {} is bound to vfio-pci, which admits its VFs only with the PF's "
                  "VF token, and none was given",
                  vf.bdf, pf),
      fmt::format("pass --vf-token UUID with the token the process that owns PF {} printed (or "
                  "that it was started with)",
                  pf)});
}

}  // namespace hal::vfio
