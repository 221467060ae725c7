#pragma once
// Which PF a command means: a kernel netdev (talked to over NETLINK_ROUTE and sysfs) or a
// sriov-sim daemon (talked to over its control socket).
//
// `sim:NAME` is always daemon NAME. A bare NAME is the kernel link NAME when one exists, else
// daemon NAME when its socket file exists, else no such device.

#include <expected>
#include <string>
#include <string_view>

#include "sriovctl/env.hpp"

namespace sriovctl {

enum class PfKind : uint8_t { kKernel, kDaemon };

struct Target {
  PfKind kind = PfKind::kKernel;
  std::string name;  ///< the kernel link's or the daemon's name, without "sim:"

  /// How output and errors name it: NAME for a kernel link, "sim:NAME" for a daemon, so a
  /// reader can tell where a line came from.
  std::string label() const;
  bool operator==(const Target&) const = default;
};

/// The label of daemon `name` ("sim:NAME").
std::string daemon_label(std::string_view name);

/// Resolves `typed` (already checked by the parser). Errors: "no such device: NAME (no kernel
/// link of that name, no sriov-sim daemon named NAME)".
std::expected<Target, std::string> resolve_pf(std::string_view typed, const Env& env);

/// Opens the transport `t` is reached by: env.open_kernel() or env.connect_daemon(name).
std::expected<TransportPtr, rtnl::Error> open_transport(const Target& t, const Env& env);

}  // namespace sriovctl
