#pragma once
// A file descriptor, owned: closed exactly once, by whoever holds it last.

#include <unistd.h>

#include <utility>

namespace ctl {

/// Move-only owner of one fd; -1 means none.
class UniqueFd {
 public:
  UniqueFd() = default;
  /// Takes ownership of `fd` (may be -1).
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  /// Gives up ownership without closing; returns the fd.
  int release() { return std::exchange(fd_, -1); }
  /// Closes the fd held (if any) and takes `fd`. close() errors are ignored: the fd is gone
  /// either way, and nothing written through it is pending on a socket or pipe.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace ctl
