#pragma once
// A file descriptor owned through SysOps, so the fake kernels of the tests see it closed.

#include <utility>

#include "hal/vfio/sys_ops.hpp"

namespace hal::vfio {

/// Move-only owner of one fd opened through `ops`; closes it through the same ops.
class Fd {
 public:
  Fd() = default;
  /// Takes `fd` (>= 0) made by `ops`.
  Fd(SysOps& ops, int fd) : ops_(&ops), fd_(fd) {}
  Fd(Fd&& o) noexcept : ops_(o.ops_), fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      ops_ = o.ops_;
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  SysOps& ops() const { return *ops_; }

  /// Closes the fd now. Nothing to report on failure: close(2) releases the fd regardless.
  void reset() {
    if (fd_ >= 0) ops_->close(fd_);
    fd_ = -1;
  }

 private:
  SysOps* ops_ = nullptr;
  int fd_ = -1;
};

}  // namespace hal::vfio
