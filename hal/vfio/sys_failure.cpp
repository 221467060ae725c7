#include "hal/vfio/sys_failure.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace hal::vfio {

std::string describe_errno(int err) {
  const char* name = strerrorname_np(err);
  return fmt::format("{} ({})", std::strerror(err), name != nullptr ? name : "?");
}

std::string permission_fix(std::string_view node) {
  return fmt::format(
      "run as root, or give the user the group's node (chown USER {}) and raise its locked-memory "
      "limit (ulimit -l unlimited, or LimitMEMLOCK=infinity in the systemd unit)",
      node.empty() ? std::string_view("/dev/vfio/N") : node);
}

OpenError sys_failure(std::string_view subject, std::string_view call, int err,
                      std::string_view node, std::string_view fix) {
  OpenError e;
  e.what = fmt::format("{}: {} failed: {}", subject, call, describe_errno(err));
  if (err == EACCES || err == EPERM) {
    e.failure = OpenFailure::kNoPermission;
    e.fix = permission_fix(node);
    return e;
  }
  e.failure = OpenFailure::kSystem;
  e.fix = fix.empty() ? std::string("see the kernel log (dmesg | grep -i vfio) for what vfio "
                                    "refused, and run sriov-doctor")
                      : std::string(fix);
  return e;
}

}  // namespace hal::vfio
