#include "sriovctl/target.hpp"

#include <fmt/format.h>

namespace sriovctl {
namespace {
constexpr std::string_view kDaemonPrefix = "sim:";
}  // namespace

std::string daemon_label(std::string_view name) { return fmt::format("sim:{}", name); }

std::string Target::label() const { return kind == PfKind::kDaemon ? daemon_label(name) : name; }

std::expected<Target, std::string> resolve_pf(std::string_view typed, const Env& env) {
  if (typed.starts_with(kDaemonPrefix)) {
    return Target{PfKind::kDaemon, std::string(typed.substr(kDaemonPrefix.size()))};
  }
  const std::string name(typed);
  if (env.kernel_link_exists(name)) return Target{PfKind::kKernel, name};
  if (env.daemon_exists(name)) return Target{PfKind::kDaemon, name};
  return std::unexpected(
      fmt::format("no such device: {} (no kernel link of that name, no sriov-sim daemon named {})",
                  name, name));
}

std::expected<TransportPtr, rtnl::Error> open_transport(const Target& t, const Env& env) {
  return t.kind == PfKind::kDaemon ? env.connect_daemon(t.name) : env.open_kernel();
}

}  // namespace sriovctl
