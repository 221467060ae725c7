#pragma once
// An eventfd, owned: how an interrupt vector reaches a driver (as VFIO's MSI-X eventfds do).

#include <chrono>
#include <cstdint>
#include <expected>

#include "hal/types.hpp"

namespace hal {

/// Move-only owner of one eventfd (non-blocking, close-on-exec).
class EventFd {
 public:
  static std::expected<EventFd, Error> create();
  /// Takes ownership of an eventfd made elsewhere (VFIO's SysOps::eventfd()). fd >= 0.
  static EventFd adopt(int fd) { return EventFd(fd); }

  EventFd(EventFd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  EventFd& operator=(EventFd&& o) noexcept;
  EventFd(const EventFd&) = delete;
  EventFd& operator=(const EventFd&) = delete;
  ~EventFd();

  int fd() const { return fd_; }
  /// Adds one to the counter, waking a waiter. Safe from any thread.
  void signal() const;
  /// Reads and resets the counter; returns how many signals were pending (0 if none).
  uint64_t drain() const;
  /// Blocks up to `timeout` for a signal; true if one is pending. Does not drain.
  bool wait(std::chrono::nanoseconds timeout) const;

 private:
  explicit EventFd(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace hal
