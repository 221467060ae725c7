#pragma once
// The Linux kernel's rtnetlink, reached over a NETLINK_ROUTE socket.

#include <chrono>
#include <expected>
#include <memory>
#include <span>
#include <vector>

#include "netlink/error.hpp"
#include "netlink/getlink_request.hpp"
#include "netlink/ids.hpp"
#include "netlink/link_info.hpp"
#include "netlink/transport.hpp"
#include "netlink/vf_change.hpp"

struct nl_sock;

namespace rtnl {

struct KernelSocketOptions {
  /// How long one receive waits (SO_RCVTIMEO) before kTimeout: the kernel answers at once,
  /// so this only bounds a bug, never a slow device.
  std::chrono::milliseconds timeout{5000};
  /// SO_RCVBUF asked for (the kernel caps it at net.core.rmem_max). The kernel drops a reply
  /// that finds the queue full (the next read fails with ENOBUFS: kOverrun); a 63-VF reply
  /// takes about 32 KiB of queue with its skb overhead, and a dump refills it as it drains.
  int receive_buffer = 1 << 20;
};

/// Move-only owner of a libnl nl_sock connected to NETLINK_ROUTE, with NETLINK_EXT_ACK (the
/// kernel's error text comes back) and NETLINK_CAP_ACK (errors do not echo the request) on
/// where the kernel has them.
/// Not thread-safe; one per thread.
class KernelSocket final : public Transport {
 public:
  /// Errors: kSystem (socket, connect or setsockopt failed; errnum says why).
  static std::expected<KernelSocket, Error> open(KernelSocketOptions opts = {});

  /// One link with its VFs. Errors: kRefused with ENODEV for a link that does not exist, and
  /// those of get_link(Transport&, ...).
  std::expected<LinkInfo, Error> get_link(const LinkRef& link, GetLinkOptions opts = {});
  /// Every link in the network namespace, each with all of its VFs.
  std::expected<std::vector<LinkInfo>, Error> dump_links(GetLinkOptions opts = {});
  /// Applies `changes` to `link`'s VFs; the kernel's errno comes back as kRefused (EOPNOTSUPP
  /// from a device without SR-IOV, EPERM without CAP_NET_ADMIN, the PF driver's EINVAL ...).
  std::expected<void, Error> set_vf(const LinkRef& link, std::span<const VfChange> changes);

  std::expected<void, Error> send(std::span<const std::byte> request) override;
  /// Datagrams from anyone but the kernel (port 0) are dropped: another process may send to
  /// this socket's port.
  std::expected<size_t, Error> receive(std::vector<std::byte>& buffer) override;
  std::string_view peer_name() const override { return "kernel"; }

  int fd() const;

 private:
  struct Free {
    void operator()(nl_sock* s) const;
  };
  explicit KernelSocket(nl_sock* s) : sk_(s) {}
  std::unique_ptr<nl_sock, Free> sk_;
};

}  // namespace rtnl
