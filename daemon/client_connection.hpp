#pragma once
// One client of a ControlServer: its socket, and the datagrams it has not taken yet.

#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "ctl/unique_fd.hpp"
#include "daemon/request_handler.hpp"

namespace simd {

/// A connected, non-blocking UNIX SOCK_SEQPACKET socket registered in the server's epoll set
/// under its id. Never blocks: what the socket cannot take now waits in a bounded queue, sent
/// when epoll reports the socket writable. Used only on the server's loop thread.
class ClientConnection final : public Connection {
 public:
  /// `fd` is registered in `epoll_fd` for EPOLLIN under `id` by the caller; this toggles
  /// EPOLLOUT while datagrams are queued. The queue holds at most `max_queued` datagrams and
  /// `max_queued_bytes` bytes of them (either 0: nothing waits).
  ClientConnection(ctl::UniqueFd fd, uint64_t id, int epoll_fd, unsigned max_queued,
                   size_t max_queued_bytes)
      : fd_(std::move(fd)),
        id_(id),
        epoll_fd_(epoll_fd),
        max_queued_(max_queued),
        max_queued_bytes_(max_queued_bytes) {}

  /// Sends now if nothing waits and the socket takes it, else queues it. False (dropped)
  /// when the client is gone, the queue is full (by count or by bytes), or the datagram is
  /// larger than the socket can ever take (EMSGSIZE).
  bool send(std::span<const std::byte> datagram) override;
  uint64_t id() const override { return id_; }

  /// Sends queued datagrams until the socket is full or the queue empty (on EPOLLOUT).
  void flush();
  /// Marks the client for closing: the server calls on_close() and destroys it at the end of
  /// the loop's turn, never while a handler may still be using it.
  void mark_gone();
  bool gone() const { return gone_; }
  int fd() const { return fd_.get(); }
  size_t queued() const { return queue_.size(); }
  /// Bytes of the datagrams queued.
  size_t queued_bytes() const { return queued_bytes_; }

 private:
  enum class SendResult { kSent, kFull, kGone, kTooBig };
  SendResult try_send(std::span<const std::byte> datagram);
  void watch_writable(bool on);

  ctl::UniqueFd fd_;
  uint64_t id_;
  int epoll_fd_;
  unsigned max_queued_;
  size_t max_queued_bytes_;
  std::deque<std::vector<std::byte>> queue_;
  size_t queued_bytes_ = 0;
  bool gone_ = false;
  bool watching_writable_ = false;
};

}  // namespace simd
