// write_sriov_numvfs(): PF mode's "echo n > sriov_numvfs", with the refusals the kernel would
// give checked first so that a refused request writes nothing. The kernel's rules
// (drivers/pci/iov.c sriov_numvfs_store): n above sriov_totalvfs is ERANGE; the same count
// again changes nothing; a non-zero count over another is EBUSY (all VFs go or none), hence
// "0" first; a driver without sriov_configure, or vfio-pci without enable_sriov
// (drivers/vfio/pci/vfio_pci.c), is ENOENT.

#include <fcntl.h>

#include <fmt/format.h>

#include "hal/vfio/discovery.hpp"
#include "hal/vfio/fd.hpp"
#include "hal/vfio/preflight_sriov.hpp"
#include "hal/vfio/sys_failure.hpp"

namespace hal::vfio {

namespace {

// One write of `count` to the attribute, as `echo` does it: open, write at 0, close.
std::expected<void, OpenError> write_count(SysOps& ops, const std::string& path,
                                           std::string_view pf, unsigned count) {
  const int raw = ops.open(path, O_WRONLY | O_CLOEXEC);
  if (raw < 0) {
    const int err = -raw;
    const bool perm = err == EACCES || err == EPERM;
    return std::unexpected(OpenError{
        perm ? OpenFailure::kNoPermission : OpenFailure::kSystem,
        fmt::format("open {} for writing failed: {}", path, describe_errno(err)),
        perm ? std::string("run as root: sysfs attributes are writable by root only")
             : fmt::format("check that {} is an SR-IOV PF (lspci -D -vvv -s {})", pf, pf)});
  }
  const std::string text = std::to_string(count);
  ssize_t n = 0;
  {
    Fd fd(ops, raw);
    n = ops.pwrite(fd.get(), text.data(), text.size(), 0);
  }
  if (n == static_cast<ssize_t>(text.size())) return {};
  const int err = n < 0 ? static_cast<int>(-n) : EIO;
  std::string what = fmt::format("writing {} to {} failed: {}", count, path, describe_errno(err));
  switch (err) {
    case ENOENT:
      return std::unexpected(OpenError{
          OpenFailure::kSriovNotEnabled, std::move(what),
          "the PF's driver does not create VFs: vfio-pci needs enable_sriov=1 (echo 1 > "
          "/sys/module/vfio_pci/parameters/enable_sriov), and an unbound PF must be bound "
          "first"});
    case EACCES:
    case EPERM:
      return std::unexpected(OpenError{OpenFailure::kNoPermission, std::move(what),
                                       "run as root"});
    case EBUSY:
      return std::unexpected(OpenError{
          OpenFailure::kSystem, std::move(what),
          fmt::format("another count is set, or VFs of {0} are still open: close every VF's "
                      "VFIO device first (this process's VF functions, VMs, DPDK applications: "
                      "vfio-pci asks their users to release them), then echo 0 > "
                      "/sys/bus/pci/devices/{0}/sriov_numvfs and try again",
                      pf)});
    default:
      return std::unexpected(OpenError{
          OpenFailure::kSystem, std::move(what),
          fmt::format("see dmesg for what the PF's driver said about {}", pf)});
  }
}

}  // namespace

std::expected<void, OpenError> write_sriov_numvfs(SysOps& ops, const doctor::Fs& fs,
                                                  std::string_view pf_bdf, unsigned n) {
  auto found = discover(fs, pf_bdf);
  if (!found) return std::unexpected(std::move(found.error()));
  const FunctionInfo& f = *found;
  const std::string dir = "/sys/bus/pci/devices/" + f.bdf;
  if (auto ok = check_vfs_possible(fs, f, n); !ok) return ok;
  const std::string path = (fs.root() / (dir.substr(1) + "/sriov_numvfs")).string();
  const unsigned now = f.num_vfs.value_or(0);
  if (now != 0 && n != 0 && now != n) {
    if (auto r = write_count(ops, path, f.bdf, 0); !r) return r;
  }
  return write_count(ops, path, f.bdf, n);
}

}  // namespace hal::vfio
