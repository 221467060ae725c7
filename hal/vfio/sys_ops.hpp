#pragma once
// The operating-system calls the VFIO backend makes, behind one interface: the real kernel
// (LinuxSysOps), a recording fake that checks the sequence of VFIO operations, and a fake
// kernel that serves a simulated 82599 as VFIO devices (tests). Nothing above this layer calls
// open/ioctl/mmap directly, so the backend's whole logic runs in CI without an IOMMU.
//
// Conventions, as the kernel's: a call returns >= 0 on success and -errno on failure (never
// sets errno, never throws). Arguments are the VFIO uapi structures (<linux/vfio.h>) exactly
// as the kernel takes them, so a fake interprets them as the kernel would.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace hal::vfio {

class SysOps {
 public:
  virtual ~SysOps() = default;

  /// open(2) of a device node (/dev/vfio/vfio, /dev/vfio/N) or a sysfs attribute. fd or -errno.
  virtual int open(const std::string& path, int flags) = 0;
  virtual int close(int fd) = 0;
  /// ioctl(2) whose argument is a pointer to a uapi structure (or a buffer for a string, as
  /// VFIO_GROUP_GET_DEVICE_FD takes the device's name). Result or -errno.
  virtual int ioctl_ptr(int fd, unsigned long request, void* arg) = 0;
  /// ioctl(2) whose argument is a plain integer (VFIO_CHECK_EXTENSION, VFIO_SET_IOMMU,
  /// VFIO_GET_API_VERSION with 0). Result or -errno.
  virtual int ioctl_int(int fd, unsigned long request, unsigned long arg) = 0;
  /// pread(2)/pwrite(2): config space and BARs through a VFIO device fd at a region's offset,
  /// sysfs attributes at offset 0. Bytes moved or -errno.
  virtual ssize_t pread(int fd, void* buf, size_t len, off_t offset) = 0;
  virtual ssize_t pwrite(int fd, const void* buf, size_t len, off_t offset) = 0;
  /// mmap(2) of a region of a VFIO device fd (shared, read/write). nullptr on failure, with
  /// -errno in `*err` when err is not null.
  virtual void* mmap(int fd, size_t len, off_t offset, int* err) = 0;
  virtual int munmap(void* addr, size_t len) = 0;
  /// eventfd(2), non-blocking and close-on-exec: an MSI-X vector's or the request channel's
  /// trigger. fd or -errno. Every implementation, fakes included, must return a real kernel
  /// eventfd: the backend hands it to hal::EventFd, which reads, polls and closes it with the
  /// system calls themselves (::read, ::ppoll, ::close), not through this interface.
  virtual int eventfd() = 0;
};

/// The real kernel. Stateless; one instance serves any number of functions and threads.
SysOps& linux_sys_ops();

}  // namespace hal::vfio
