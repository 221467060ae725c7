#include "hal/event_fd.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

namespace hal {

std::expected<EventFd, Error> EventFd::create() {
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return std::unexpected(Error::kSystem);
  return EventFd(fd);
}

EventFd& EventFd::operator=(EventFd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

EventFd::~EventFd() {
  if (fd_ >= 0) ::close(fd_);
}

void EventFd::signal() const {
  const uint64_t one = 1;
  // EAGAIN only when the counter would overflow, which means a waiter is already due.
  [[maybe_unused]] const ssize_t n = ::write(fd_, &one, sizeof one);
}

uint64_t EventFd::drain() const {
  uint64_t v = 0;
  if (::read(fd_, &v, sizeof v) != sizeof v) return 0;
  return v;
}

bool EventFd::wait(std::chrono::nanoseconds timeout) const {
  pollfd p{fd_, POLLIN, 0};
  // ppoll keeps the nanosecond timeout: poll()'s milliseconds would turn a 5 us driver wait
  // into 1 ms.
  const auto ns = std::max<int64_t>(timeout.count(), 0);
  const timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
  int rc;
  do {
    rc = ::ppoll(&p, 1, &ts, nullptr);
  } while (rc < 0 && errno == EINTR);
  return rc > 0 && (p.revents & POLLIN) != 0;
}

}  // namespace hal
