#include "ctl/daemon_transport.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "ctl/runtime_dir.hpp"
#include "ctl/unique_fd.hpp"
#include "netlink/datagram_io.hpp"

namespace ctl {
namespace {

using rtnl::Error;
using rtnl::ErrorCode;


// The daemon's name as its socket's file name spells it, for messages about an explicit path.
std::string name_of(const std::string& path) {
  std::string_view file = path;
  if (const auto slash = file.rfind('/'); slash != std::string_view::npos) {
    file.remove_prefix(slash + 1);
  }
  if (file.ends_with(kSocketSuffix)) file.remove_suffix(kSocketSuffix.size());
  return std::string(file);
}

Error connect_error(int err, const std::string& name, const std::string& path) {
  switch (err) {
    case ENOENT:
      return Error{ErrorCode::kSystem, err,
                   fmt::format("no sriov-sim daemon named {} (no socket at {}); start one with: "
                               "sriov-sim --name {}",
                               name, path, name)};
    case ECONNREFUSED: {
      struct stat st {};
      if (stat(path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode)) {
        return Error{
            ErrorCode::kSystem, err,
            fmt::format("{} is not a socket: no sriov-sim daemon named {} there", path, name)};
      }
      return Error{ErrorCode::kSystem, err,
                   fmt::format("daemon {} is not running (stale socket {})", name, path)};
    }
    case EAGAIN:
      // SO_SNDTIMEO bounds connect() too: the daemon's backlog stayed full that long.
      return Error{ErrorCode::kTimeout, 0,
                   fmt::format("daemon {} does not accept connections (at {})", name, path)};
    case EACCES:
    case EPERM:
      return Error{ErrorCode::kSystem, err,
                   fmt::format("no permission to use {} (mode 0660: run as root or as a member "
                               "of its group)",
                               path)};
    default:
      return Error{ErrorCode::kSystem, err, fmt::format("connect to daemon {} at {}", name, path)};
  }
}

timeval to_timeval(std::chrono::milliseconds t) {
  const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(t).count();
  return timeval{static_cast<time_t>(usec / 1000000), static_cast<suseconds_t>(usec % 1000000)};
}

std::expected<void, Error> apply_timeout(int fd, std::chrono::milliseconds t) {
  if (t.count() < 0) {
    return std::unexpected(Error{ErrorCode::kInvalidArgument, 0, "negative timeout"});
  }
  const timeval tv = to_timeval(t);
  // The send side too: a daemon that stopped reading fills its socket, and a blocked send
  // would hang sriovctl as surely as a missing answer.
  for (const int opt : {SO_RCVTIMEO, SO_SNDTIMEO}) {
    if (setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) != 0) {
      return std::unexpected(
          Error{ErrorCode::kSystem, errno,
                opt == SO_RCVTIMEO ? "setsockopt(SO_RCVTIMEO)" : "setsockopt(SO_SNDTIMEO)"});
    }
  }
  return {};
}

}  // namespace

std::expected<DaemonTransport, Error> DaemonTransport::connect(const std::string& name,
                                                               DaemonTransportOptions opts) {
  if (std::string why = check_name(name); !why.empty()) {
    return std::unexpected(Error{ErrorCode::kInvalidArgument, 0, std::move(why)});
  }
  return connect_path(socket_path(name), opts);
}

std::expected<DaemonTransport, Error> DaemonTransport::connect_path(const std::string& path,
                                                                    DaemonTransportOptions opts) {
  const std::string name = name_of(path);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return std::unexpected(
        Error{ErrorCode::kInvalidArgument, 0,
              fmt::format("socket path '{}': {} bytes, a UNIX socket path has 1 to {}", path,
                          path.size(), sizeof(addr.sun_path) - 1)});
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return std::unexpected(Error{ErrorCode::kSystem, errno, "socket(AF_UNIX)"});
  if (auto ok = apply_timeout(fd.get(), opts.timeout); !ok) return std::unexpected(ok.error());
  for (;;) {
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) break;
    if (errno == EINTR) continue;
    return std::unexpected(connect_error(errno, name, path));
  }
  return DaemonTransport(std::move(fd), fmt::format("daemon {}", name));
}

std::expected<void, Error> DaemonTransport::send(std::span<const std::byte> request) {
  for (;;) {
    // MSG_NOSIGNAL: a daemon that went away is an error to report, not a SIGPIPE to die of.
    const ssize_t n = ::send(fd_.get(), request.data(), request.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      if (static_cast<size_t>(n) == request.size()) return {};
      return std::unexpected(Error{
          ErrorCode::kSystem, 0, fmt::format("{} took {} of {} bytes", peer_, n, request.size())});
    }
    switch (errno) {
      case EINTR:
        continue;
      case EPIPE:
      case ECONNRESET:
        return std::unexpected(
            Error{ErrorCode::kClosed, 0, fmt::format("{} closed the connection", peer_)});
      case EAGAIN:
        return std::unexpected(
            Error{ErrorCode::kTimeout, 0, fmt::format("{} does not take requests", peer_)});
      default:
        return std::unexpected(Error{ErrorCode::kSystem, errno, fmt::format("send to {}", peer_)});
    }
  }
}

std::expected<size_t, Error> DaemonTransport::receive(std::vector<std::byte>& buffer) {
  auto n = rtnl::receive_datagram(fd_.get(), buffer);
  if (n) return n;
  switch (n.error().code) {
    case ErrorCode::kTimeout:
      return std::unexpected(
          Error{ErrorCode::kTimeout, 0, fmt::format("no answer from {}", peer_)});
    case ErrorCode::kClosed:
      return std::unexpected(
          Error{ErrorCode::kClosed, 0, fmt::format("{} closed the connection", peer_)});
    case ErrorCode::kSystem:
      if (n.error().errnum == ECONNRESET) {
        return std::unexpected(
            Error{ErrorCode::kClosed, 0, fmt::format("{} closed the connection", peer_)});
      }
      return std::unexpected(std::move(n.error()).within(peer_));
    default:
      return std::unexpected(std::move(n.error()).within(peer_));
  }
}

std::expected<void, Error> DaemonTransport::set_timeout(std::chrono::milliseconds t) {
  return apply_timeout(fd_.get(), t);
}

}  // namespace ctl
