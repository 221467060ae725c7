// The real kernel behind SysOps: results and -errno exactly as the system calls give them.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/vfio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "hal/vfio/sys_ops.hpp"

TEST_CASE("LinuxSysOps returns -errno and never throws", "[vfio][sysops]") {
  hal::vfio::SysOps& ops = hal::vfio::linux_sys_ops();
  CHECK(ops.open("/nonexistent/sriovkit/dev/vfio/vfio", O_RDWR) == -ENOENT);
  CHECK(ops.close(-1) == -EBADF);

  char tmpl[] = "/tmp/sriov-sysops-XXXXXX";
  const int made = ::mkstemp(tmpl);
  REQUIRE(made >= 0);
  ::close(made);
  const int fd = ops.open(tmpl, O_RDWR);
  REQUIRE(fd >= 0);
  CHECK((::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);  // never leaked into a child

  const char text[] = "0123456789abcdef";
  CHECK(ops.pwrite(fd, text, 16, 4096) == 16);
  char back[16] = {};
  CHECK(ops.pread(fd, back, 16, 4096) == 16);
  CHECK(std::memcmp(back, text, 16) == 0);

  int err = 0;
  void* p = ops.mmap(fd, 8192, 0, &err);
  REQUIRE(p != nullptr);
  CHECK(std::memcmp(static_cast<char*>(p) + 4096, text, 16) == 0);
  CHECK(ops.munmap(p, 8192) == 0);
  CHECK(ops.mmap(fd, 4096, 123, &err) == nullptr);  // unaligned offset
  CHECK(err == -EINVAL);

  // A VFIO ioctl on a file that is no VFIO node.
  CHECK(ops.ioctl_int(fd, VFIO_GET_API_VERSION, 0) == -ENOTTY);
  vfio_group_status st{};
  st.argsz = sizeof st;
  CHECK(ops.ioctl_ptr(fd, VFIO_GROUP_GET_STATUS, &st) == -ENOTTY);

  CHECK(ops.close(fd) == 0);
  CHECK(ops.close(fd) == -EBADF);
  std::filesystem::remove(tmpl);

  const int efd = ops.eventfd();
  REQUIRE(efd >= 0);
  CHECK((::fcntl(efd, F_GETFL) & O_NONBLOCK) != 0);
  CHECK(ops.close(efd) == 0);
}
