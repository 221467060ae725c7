#pragma once
// Everything sriovctl's execution layer reaches outside itself, gathered so tests replace it:
// output streams, the kernel's rtnetlink, daemons' sockets, the sysfs root, the clock and
// SIGINT. system_env() is the real one; tests build an Env around fake transports.

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "netlink/error.hpp"
#include "netlink/transport.hpp"

namespace sriovctl {

using TransportPtr = std::unique_ptr<rtnl::Transport>;

struct Env {
  std::ostream& out;  ///< results
  std::ostream& err;  ///< errors and notes, one line each
  /// A NETLINK_ROUTE socket. Errors: kSystem.
  std::function<std::expected<TransportPtr, rtnl::Error>()> open_kernel;
  /// Daemon `name`'s control socket (ctl::DaemonTransport::connect and its errors).
  std::function<std::expected<TransportPtr, rtnl::Error>(const std::string& name)> connect_daemon;
  /// Whether the kernel has a link of that name (if_nametoindex).
  std::function<bool(const std::string& name)> kernel_link_exists;
  /// Whether a daemon's socket file exists (ctl::socket_path), running or stale.
  std::function<bool(const std::string& name)> daemon_exists;
  /// ctl::list_daemons().
  std::function<std::vector<std::string>()> list_daemons;
  /// Where daemons' sockets are (ctl::runtime_dir()), for messages.
  std::string runtime_dir = "/run/sriovkit";
  /// Where sysfs is mounted: $SRIOVKIT_SYSFS, else /sys (a fixture directory in tests).
  std::string sysfs_root = "/sys";
  /// True once SIGINT or SIGTERM arrived (interrupt.hpp).
  std::function<bool()> interrupted;
  /// Waits `d`, or less when interrupted.
  std::function<void(std::chrono::milliseconds d)> sleep;
};

/// The real system: KernelSocket, DaemonTransport, if_nametoindex, ctl::runtime_dir(),
/// $SRIOVKIT_SYSFS, interrupt.hpp's flag.
Env system_env(std::ostream& out, std::ostream& err);

}  // namespace sriovctl
