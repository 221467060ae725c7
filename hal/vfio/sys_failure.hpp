#pragma once
// OpenErrors for a failed OS call, shared by the pieces of the VFIO backend.

#include <string>
#include <string_view>

#include "hal/vfio/open_error.hpp"

namespace hal::vfio {

/// "strerror(err) (ENAME)" for a positive errno, as a log line names it.
std::string describe_errno(int err);

/// `call` failed with errno `err` (positive): kNoPermission for EACCES/EPERM (with the
/// permission fix for `node`, the /dev/vfio node involved), otherwise kSystem with `fix`, or,
/// when `fix` is empty, a pointer to the kernel log, which names what vfio refused.
OpenError sys_failure(std::string_view subject, std::string_view call, int err,
                      std::string_view node, std::string_view fix = {});

/// The fix for a permission failure on a /dev/vfio node: root, or the node's owner, and the
/// memlock limit DMA maps count against.
std::string permission_fix(std::string_view node);

}  // namespace hal::vfio
