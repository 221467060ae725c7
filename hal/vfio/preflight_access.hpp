#pragma once
// Who is asking, for preflight's permission step: the kernel opens /dev/vfio/N only for a
// process its mode bits (or root) allow. Apart from preflight() so tests, which run as root on
// CI, can ask the question for an ordinary user.

#include <sys/types.h>

#include <expected>
#include <filesystem>
#include <vector>

#include "doctor/fs.hpp"
#include "hal/vfio/discovery.hpp"

namespace hal::vfio {

/// A process's identity as the kernel's permission check sees it.
struct Credentials {
  uid_t uid = 0;  ///< effective user id
  gid_t gid = 0;  ///< effective group id
  std::vector<gid_t> groups;  ///< supplementary groups

  /// The calling process (geteuid, getegid, getgroups).
  static Credentials current();
  bool root() const { return uid == 0; }
};

/// True when `cred` may open `path` (a path on this machine) for reading and writing by its
/// mode bits: owner bits for the owner, group bits for a member of its group, the rest for
/// others; root always. ACLs and capabilities other than root's are not looked at. False when
/// the file is missing.
bool may_read_write(const std::filesystem::path& path, const Credentials& cred);

/// True when `cred` may open `path` for writing by its mode bits (the same class rule as
/// may_read_write); root always. False when the file is missing.
bool may_write(const std::filesystem::path& path, const Credentials& cred);

/// preflight() for the process `cred` (preflight(fs, f) is this with Credentials::current()).
std::expected<void, OpenError> preflight(const doctor::Fs& fs, const FunctionInfo& f,
                                         const Credentials& cred);

}  // namespace hal::vfio
