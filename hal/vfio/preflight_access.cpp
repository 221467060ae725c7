#include "hal/vfio/preflight_access.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

namespace hal::vfio {

Credentials Credentials::current() {
  Credentials c;
  c.uid = ::geteuid();
  c.gid = ::getegid();
  const int n = ::getgroups(0, nullptr);
  if (n > 0) {
    c.groups.resize(static_cast<size_t>(n));
    const int got = ::getgroups(n, c.groups.data());
    c.groups.resize(got > 0 ? static_cast<size_t>(got) : 0);
  }
  return c;
}

namespace {

/// The class of mode bits (rwx, 3 bits) the kernel applies to `cred` for `path`; -1 when the
/// file is missing, 07 for root.
int permitted_bits(const std::filesystem::path& path, const Credentials& cred) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return -1;
  if (cred.root()) return 07;
  // The kernel takes exactly one class of bits: the owner's when the caller owns the file,
  // else the group's when it is in the file's group, else the others'.
  mode_t bits = 0;
  if (st.st_uid == cred.uid) {
    bits = (st.st_mode >> 6) & 07;
  } else if (st.st_gid == cred.gid ||
             std::find(cred.groups.begin(), cred.groups.end(), st.st_gid) != cred.groups.end()) {
    bits = (st.st_mode >> 3) & 07;
  } else {
    bits = st.st_mode & 07;
  }
  return static_cast<int>(bits);
}

}  // namespace

bool may_read_write(const std::filesystem::path& path, const Credentials& cred) {
  const int bits = permitted_bits(path, cred);
  return bits >= 0 && (bits & 06) == 06;
}

bool may_write(const std::filesystem::path& path, const Credentials& cred) {
  const int bits = permitted_bits(path, cred);
  return bits >= 0 && (bits & 02) == 02;
}

}  // namespace hal::vfio
