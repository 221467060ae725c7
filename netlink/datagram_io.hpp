#pragma once
// Receiving a whole datagram of unknown size from a datagram socket (netlink, or a UNIX
// SOCK_SEQPACKET/SOCK_DGRAM socket), never truncated.

#include <sys/socket.h>

#include <cstddef>
#include <expected>
#include <vector>

#include "netlink/error.hpp"

namespace rtnl {

/// What a receive buffer starts at: the kernel sizes each dump datagram by the largest buffer
/// its reader has offered (up to 32 KiB less skb overhead), so offering 32 KiB from the start
/// packs more links into each datagram.
inline constexpr size_t kMinReceiveBuffer = 32 * 1024;

/// Peeks the next datagram's length (MSG_PEEK | MSG_TRUNC report the whole length without
/// consuming it), grows `buffer` to fit, then reads it for real, so it is never cut short.
/// Stores the sender's address in `from` when not null. Errors: kTimeout (EAGAIN: SO_RCVTIMEO
/// expired), kOverrun (ENOBUFS: the socket dropped datagrams), kTruncated (the read still came
/// back short: another reader on the same socket), kClosed (a connected peer went away),
/// kSystem (any other errno).
std::expected<size_t, Error> receive_datagram(int fd, std::vector<std::byte>& buffer,
                                              sockaddr* from = nullptr, socklen_t from_len = 0);

}  // namespace rtnl
