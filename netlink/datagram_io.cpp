#include "netlink/datagram_io.hpp"

#include <cerrno>

namespace rtnl {
namespace {

Error from_errno(int err) {
  switch (err) {
    case EAGAIN:
      return Error{ErrorCode::kTimeout, 0, "no datagram within the receive timeout"};
    case ENOBUFS:
      return Error{ErrorCode::kOverrun, err,
                   "the socket's receive queue overran and dropped datagrams"};
    default:
      return Error{ErrorCode::kSystem, err, "recvmsg failed"};
  }
}

std::expected<size_t, Error> recv_once(int fd, std::vector<std::byte>& buffer, sockaddr* from,
                                       socklen_t from_len, int flags, int* msg_flags) {
  for (;;) {
    iovec iov{buffer.data(), buffer.size()};
    msghdr msg{};
    msg.msg_name = from;
    msg.msg_namelen = from != nullptr ? from_len : 0;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    const ssize_t n = recvmsg(fd, &msg, flags);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::unexpected(from_errno(errno == EWOULDBLOCK ? EAGAIN : errno));
    if (n == 0) return std::unexpected(Error{ErrorCode::kClosed, 0, "the peer closed the socket"});
    *msg_flags = msg.msg_flags;
    return static_cast<size_t>(n);
  }
}

}  // namespace

std::expected<size_t, Error> receive_datagram(int fd, std::vector<std::byte>& buffer,
                                              sockaddr* from, socklen_t from_len) {
  if (buffer.size() < kMinReceiveBuffer) buffer.resize(kMinReceiveBuffer);
  int flags = 0;
  for (;;) {
    auto whole = recv_once(fd, buffer, from, from_len, MSG_PEEK | MSG_TRUNC, &flags);
    if (!whole) return whole;
    if (*whole <= buffer.size()) break;
    buffer.resize(*whole);
  }
  auto got = recv_once(fd, buffer, from, from_len, 0, &flags);
  if (!got) return got;
  if ((flags & MSG_TRUNC) != 0) {
    return std::unexpected(Error{ErrorCode::kTruncated, 0,
                                 fmt::format("a datagram did not fit {} bytes after its peeked "
                                             "length did (a second reader on the socket?)",
                                             buffer.size())});
  }
  return got;
}

}  // namespace rtnl
