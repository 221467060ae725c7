#include "netlink/kernel_socket.hpp"

#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>

#include "netlink/datagram_io.hpp"
#include "netlink/link_ops.hpp"

namespace rtnl {
namespace {

constexpr int kSendBuffer = 256 * 1024;

Error system_error(std::string what, int err) {
  return Error{ErrorCode::kSystem, err, std::move(what)};
}

std::expected<void, Error> set_int(int fd, int level, int name, int value, const char* what) {
  if (setsockopt(fd, level, name, &value, sizeof(value)) != 0) {
    return std::unexpected(system_error(fmt::format("setsockopt({})", what), errno));
  }
  return {};
}

}  // namespace

void KernelSocket::Free::operator()(nl_sock* s) const { nl_socket_free(s); }

std::expected<KernelSocket, Error> KernelSocket::open(KernelSocketOptions opts) {
  nl_sock* raw = nl_socket_alloc();
  if (raw == nullptr) return std::unexpected(system_error("nl_socket_alloc", ENOMEM));
  KernelSocket s(raw);
  if (const int err = nl_connect(raw, NETLINK_ROUTE); err < 0) {
    return std::unexpected(
        system_error(fmt::format("nl_connect(NETLINK_ROUTE): {}", nl_geterror(err)), 0));
  }
  // The kernel refuses a request longer than the send buffer (EMSGSIZE): room for a SETLINK
  // touching a few hundred VFs.
  if (const int err = nl_socket_set_buffer_size(raw, opts.receive_buffer, kSendBuffer); err < 0) {
    return std::unexpected(
        system_error(fmt::format("nl_socket_set_buffer_size: {}", nl_geterror(err)), 0));
  }
  const int fd = nl_socket_get_fd(raw);
  // Kernels before 4.12 (EXT_ACK) and 4.3 (CAP_ACK) refuse these with ENOPROTOOPT: their
  // errors then come without text, or echo the request, and parse_ack() reads both.
  for (const auto& [name, what] : {std::pair{NETLINK_EXT_ACK, "NETLINK_EXT_ACK"},
                                   std::pair{NETLINK_CAP_ACK, "NETLINK_CAP_ACK"}}) {
    if (auto ok = set_int(fd, SOL_NETLINK, name, 1, what);
        !ok && ok.error().errnum != ENOPROTOOPT) {
      return std::unexpected(ok.error());
    }
  }
  const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(opts.timeout).count();
  timeval tv{static_cast<time_t>(usec / 1000000), static_cast<suseconds_t>(usec % 1000000)};
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
    return std::unexpected(system_error("setsockopt(SO_RCVTIMEO)", errno));
  }
  return s;
}

int KernelSocket::fd() const { return nl_socket_get_fd(sk_.get()); }

std::expected<void, Error> KernelSocket::send(std::span<const std::byte> request) {
  // nl_sendto sends the bytes as they are: the sequence number exchange() stamped stays.
  const int n = nl_sendto(sk_.get(), const_cast<std::byte*>(request.data()), request.size());
  if (n < 0) {
    return std::unexpected(system_error(fmt::format("nl_sendto: {}", nl_geterror(n)), 0));
  }
  return {};
}

std::expected<size_t, Error> KernelSocket::receive(std::vector<std::byte>& buffer) {
  for (;;) {
    sockaddr_nl from{};
    auto n = receive_datagram(fd(), buffer, reinterpret_cast<sockaddr*>(&from), sizeof(from));
    if (!n) {
      if (n.error().code == ErrorCode::kTimeout) {
        return std::unexpected(Error{ErrorCode::kTimeout, 0, "no answer from the kernel in time"});
      }
      return n;
    }
    if (from.nl_pid == 0) return n;
  }
}

std::expected<LinkInfo, Error> KernelSocket::get_link(const LinkRef& link, GetLinkOptions opts) {
  return rtnl::get_link(*this, link, opts);
}

std::expected<std::vector<LinkInfo>, Error> KernelSocket::dump_links(GetLinkOptions opts) {
  return rtnl::dump_links(*this, opts);
}

std::expected<void, Error> KernelSocket::set_vf(const LinkRef& link,
                                                std::span<const VfChange> changes) {
  return rtnl::set_vf(*this, link, changes);
}

}  // namespace rtnl
