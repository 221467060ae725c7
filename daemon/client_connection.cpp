#include "daemon/client_connection.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

namespace simd {

ClientConnection::SendResult ClientConnection::try_send(std::span<const std::byte> datagram) {
  for (;;) {
    // MSG_NOSIGNAL: a client that hung up must not kill the daemon with SIGPIPE.
    const ssize_t n =
        ::send(fd_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) return SendResult::kSent;  // SOCK_SEQPACKET sends all or nothing
    switch (errno) {
      case EINTR:
        continue;
      case EAGAIN:
        return SendResult::kFull;
      case EMSGSIZE:
        return SendResult::kTooBig;
      default:  // EPIPE, ECONNRESET, ENOTCONN: the client is gone
        return SendResult::kGone;
    }
  }
}

bool ClientConnection::send(std::span<const std::byte> datagram) {
  if (gone_) return false;
  if (queue_.empty()) {
    switch (try_send(datagram)) {
      case SendResult::kSent:
        return true;
      case SendResult::kTooBig:
        return false;
      case SendResult::kGone:
        mark_gone();
        return false;
      case SendResult::kFull:
        break;
    }
  }
  // Behind a queue the datagram must wait its turn, or the client would see them reordered.
  // Bounded by bytes as well as by count: 4096 capture frames of 256 KiB would pin 1 GiB
  // for a client that stopped reading.
  if (queue_.size() >= max_queued_ || datagram.size() > max_queued_bytes_ - queued_bytes_) {
    return false;
  }
  queue_.emplace_back(datagram.begin(), datagram.end());
  queued_bytes_ += datagram.size();
  watch_writable(true);
  return true;
}

void ClientConnection::flush() {
  while (!gone_ && !queue_.empty()) {
    switch (try_send(queue_.front())) {
      case SendResult::kSent:
      case SendResult::kTooBig:
        queued_bytes_ -= queue_.front().size();
        queue_.pop_front();
        break;
      case SendResult::kFull:
        return;
      case SendResult::kGone:
        mark_gone();
        return;
    }
  }
  watch_writable(false);
}

void ClientConnection::mark_gone() {
  gone_ = true;
  queue_.clear();
  queued_bytes_ = 0;
}

void ClientConnection::watch_writable(bool on) {
  if (on == watching_writable_ || gone_) return;
  epoll_event ev{};
  ev.events = EPOLLIN | (on ? EPOLLOUT : 0u);
  ev.data.u64 = id_;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd_.get(), &ev) == 0) {
    watching_writable_ = on;
  } else if (on) {
    // Without EPOLLOUT nothing would ever send the queue: better a closed client than a stuck one.
    mark_gone();
  }
}

}  // namespace simd
