#pragma once
// The client's end of a daemon's control socket, as an rtnl::Transport: sriovctl's rtnetlink
// requests run over it as they run over the kernel's NETLINK_ROUTE socket.

#include <chrono>
#include <expected>
#include <string>

#include "ctl/unique_fd.hpp"
#include "netlink/error.hpp"
#include "netlink/transport.hpp"

namespace ctl {

struct DaemonTransportOptions {
  /// How long one receive waits before kTimeout (SO_RCVTIMEO): a wedged daemon is an error,
  /// never a hang. A capture sets its own.
  std::chrono::milliseconds timeout{5000};
};

/// Move-only owner of a connected UNIX SOCK_SEQPACKET socket.
class DaemonTransport final : public rtnl::Transport {
 public:
  /// Connects to daemon `name`'s socket (socket_path(name)). Errors, all kSystem with errnum
  /// and a detail a person can act on: ENOENT "no sriov-sim daemon named NAME (no socket at
  /// PATH); start one with: sriov-sim --name NAME", ECONNREFUSED "daemon NAME is not running
  /// (stale socket PATH)", EACCES "no permission to use PATH (mode 0660: run as root or as a
  /// member of its group)"; kTimeout when the daemon's backlog stays full for opts.timeout;
  /// and kInvalidArgument for a malformed name or a path too long for a UNIX socket.
  static std::expected<DaemonTransport, rtnl::Error> connect(const std::string& name,
                                                             DaemonTransportOptions opts = {});
  /// The same to an explicit socket path (tests).
  static std::expected<DaemonTransport, rtnl::Error> connect_path(const std::string& path,
                                                                  DaemonTransportOptions opts = {});
  DaemonTransport(DaemonTransport&& o) noexcept = default;
  DaemonTransport& operator=(DaemonTransport&& o) noexcept = default;
  DaemonTransport(const DaemonTransport&) = delete;
  DaemonTransport& operator=(const DaemonTransport&) = delete;
  ~DaemonTransport() override = default;

  std::expected<void, rtnl::Error> send(std::span<const std::byte> request) override;
  std::expected<size_t, rtnl::Error> receive(std::vector<std::byte>& buffer) override;
  std::string_view peer_name() const override { return peer_; }

  /// Changes the receive timeout; zero waits forever (a capture without -c).
  std::expected<void, rtnl::Error> set_timeout(std::chrono::milliseconds t);
  /// The socket (-1 once moved from); it stays owned by the transport.
  int fd() const { return fd_.get(); }

 private:
  DaemonTransport(UniqueFd fd, std::string peer) : fd_(std::move(fd)), peer_(std::move(peer)) {}
  UniqueFd fd_;
  std::string peer_;  ///< "daemon NAME"
};

}  // namespace ctl
