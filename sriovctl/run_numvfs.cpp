// `dev PF numvfs N`: how many VFs a PF has. A kernel PF takes it through sysfs
// (device/sriov_numvfs), a daemon through its "numvfs" op, with the same semantics: from a
// non-zero count only 0 is accepted.

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "ctl/client.hpp"
#include "ctl/unique_fd.hpp"
#include "sriovctl/run.hpp"
#include "sriovctl/run_common.hpp"

namespace sriovctl {
namespace {

// What an operator does next, for the refusals that have a usual cause.
std::string hint_for(int errnum, const std::string& label, const std::string& totalvfs) {
  switch (errnum) {
    case EBUSY:
      return fmt::format("; VFs are enabled: set 0 first (sriovctl dev {} numvfs 0)", label);
    case ERANGE:
    case EINVAL:
      return totalvfs.empty() ? std::string() : fmt::format("; sriov_totalvfs is {}", totalvfs);
    case EACCES:
    case EPERM:
      return "; needs root (CAP_SYS_ADMIN)";
    default:
      return {};
  }
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

int numvfs_on_kernel(const NumVfsCmd& cmd, const std::string& name, Env& env) {
  const std::string dir = fmt::format("{}/class/net/{}/device", env.sysfs_root, name);
  const std::string path = dir + "/sriov_numvfs";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return fail(env, name, fmt::format("PF has no SR-IOV capability (no sriov_numvfs: {})", path));
  }
  ctl::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  int err = fd.valid() ? 0 : errno;
  if (err == 0) {
    // sysfs takes the whole value in one write; the PF driver's answer is write()'s result.
    const std::string text = fmt::format("{}\n", cmd.numvfs);
    const ssize_t n = ::write(fd.get(), text.data(), text.size());
    if (n < 0) err = errno;
  }
  if (err == 0) return kExitOk;
  const std::string total = read_first_line(dir + "/sriov_totalvfs");
  return fail(env, name,
              fmt::format("numvfs {}: {} ({}){}", cmd.numvfs, std::strerror(err), errno_name(err),
                          hint_for(err, name, total)));
}

}  // namespace

int run_numvfs(const NumVfsCmd& cmd, Env& env) {
  auto target = resolve_pf(cmd.dev, env);
  if (!target) {
    env.err << fmt::format("sriovctl: {}\n", target.error());
    return kExitFailed;
  }
  if (target->kind == PfKind::kKernel) return numvfs_on_kernel(cmd, target->name, env);
  const std::string label = target->label();
  auto t = open_transport(*target, env);
  if (!t) return fail(env, label, t.error().to_string());
  auto r = ctl::request(**t, ctl::kOpNumVfs, {{"numvfs", cmd.numvfs}});
  if (r) return kExitOk;
  const rtnl::Error& e = r.error();
  const std::string hint =
      e.code == rtnl::ErrorCode::kRefused ? hint_for(e.errnum, label, "") : std::string();
  // A daemon's reason already starts with "numvfs N:"; other failures (transport) do not.
  if (e.code == rtnl::ErrorCode::kRefused) return fail(env, label, reason_of(e) + hint);
  return fail(env, label, fmt::format("numvfs {}: {}", cmd.numvfs, reason_of(e)));
}

}  // namespace sriovctl
