// The real kernel behind SysOps: each call is the system call of the same name, its errno
// turned into a negative result so the layers above never read errno.

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include "hal/vfio/sys_ops.hpp"

namespace hal::vfio {

namespace {

int neg_errno(int rc) { return rc < 0 ? -errno : rc; }

class LinuxSysOps final : public SysOps {
 public:
  int open(const std::string& path, int flags) override {
    // Close-on-exec always: a tool that starts a helper must not hand it the device.
    return neg_errno(::open(path.c_str(), flags | O_CLOEXEC));
  }
  int close(int fd) override { return neg_errno(::close(fd)); }
  int ioctl_ptr(int fd, unsigned long request, void* arg) override {
    return neg_errno(::ioctl(fd, request, arg));
  }
  int ioctl_int(int fd, unsigned long request, unsigned long arg) override {
    return neg_errno(::ioctl(fd, request, arg));
  }
  ssize_t pread(int fd, void* buf, size_t len, off_t offset) override {
    const ssize_t n = ::pread(fd, buf, len, offset);
    return n < 0 ? -errno : n;
  }
  ssize_t pwrite(int fd, const void* buf, size_t len, off_t offset) override {
    const ssize_t n = ::pwrite(fd, buf, len, offset);
    return n < 0 ? -errno : n;
  }
  void* mmap(int fd, size_t len, off_t offset, int* err) override {
    void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, offset);
    if (p == MAP_FAILED) {
      if (err != nullptr) *err = -errno;
      return nullptr;
    }
    return p;
  }
  int munmap(void* addr, size_t len) override { return neg_errno(::munmap(addr, len)); }
  int eventfd() override { return neg_errno(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)); }
};

}  // namespace

SysOps& linux_sys_ops() {
  static LinuxSysOps ops;
  return ops;
}

}  // namespace hal::vfio
