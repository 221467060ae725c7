// write_sriov_numvfs(): the writes it makes through SysOps ("0" before a new non-zero count),
// and the refusals that write nothing.

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <map>

#include "hal/vfio/discovery.hpp"
#include "tests/vfio/sysfs_tree.hpp"

using hal::vfio::OpenFailure;
using hal::vfio::write_sriov_numvfs;

namespace {

// SysOps that writes sysfs attributes into the fixture's files, as the kernel's store would
// leave them, and records every write. A failure can be injected for the Nth pwrite.
class NumvfsFileOps final : public hal::vfio::SysOps {
 public:
  struct Write {
    std::string path;
    std::string text;
  };

  int open(const std::string& path, int flags) override {
    opened.push_back(path);
    if (open_error != 0) return -open_error;
    const int fd = ::open(path.c_str(), flags);
    if (fd < 0) return -errno;
    paths_[fd] = path;
    return fd;
  }
  int close(int fd) override {
    paths_.erase(fd);
    return ::close(fd) == 0 ? 0 : -errno;
  }
  ssize_t pwrite(int fd, const void* buf, size_t len, off_t offset) override {
    const std::string text(static_cast<const char*>(buf), len);
    writes.push_back({paths_.at(fd), text});
    if (fail_write_at && writes.size() == *fail_write_at) return -fail_errno;
    // sysfs replaces the attribute's value; a plain file needs truncating to look the same.
    if (::ftruncate(fd, 0) != 0) return -errno;
    const ssize_t n = ::pwrite(fd, buf, len, offset);
    return n < 0 ? -errno : n;
  }
  int ioctl_ptr(int, unsigned long, void*) override { return -ENOSYS; }
  int ioctl_int(int, unsigned long, unsigned long) override { return -ENOSYS; }
  ssize_t pread(int, void*, size_t, off_t) override { return -ENOSYS; }
  void* mmap(int, size_t, off_t, int* err) override {
    if (err) *err = -ENOSYS;
    return nullptr;
  }
  int munmap(void*, size_t) override { return -ENOSYS; }
  int eventfd() override { return -ENOSYS; }

  std::vector<std::string> texts() const {
    std::vector<std::string> out;
    for (const auto& w : writes) out.push_back(w.text);
    return out;
  }

  std::vector<std::string> opened;
  std::vector<Write> writes;
  int open_error = 0;
  std::optional<size_t> fail_write_at;  // 1-based
  int fail_errno = 0;

 private:
  std::map<int, std::string> paths_;
};

std::string numvfs_path(const vfio_test::SysfsTree& t) {
  return (t.root() / "sys/bus/pci/devices/0000:03:00.0/sriov_numvfs").string();
}

}  // namespace

TEST_CASE("numvfs on a vfio-pci PF with enable_sriov writes the count once",
          "[vfio][numvfs]") {
  auto t = vfio_test::x520_pf_on_vfio(/*enable_sriov=*/true);
  NumvfsFileOps ops;
  REQUIRE(write_sriov_numvfs(ops, t.fs(), vfio_test::kPf, 4));
  REQUIRE(ops.writes.size() == 1);
  CHECK(ops.writes[0].path == numvfs_path(t));
  CHECK(ops.writes[0].text == "4");
  CHECK(t.read("/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs") == "4");
}

TEST_CASE("numvfs over another non-zero count writes 0 first, then the count",
          "[vfio][numvfs]") {
  auto t = vfio_test::x520_pf_with_vfs("vfio-pci");  // ixgbe PF with 2 VFs
  NumvfsFileOps ops;
  REQUIRE(write_sriov_numvfs(ops, t.fs(), vfio_test::kPf, 8));
  CHECK(ops.texts() == std::vector<std::string>{"0", "8"});
  for (const auto& w : ops.writes) CHECK(w.path == numvfs_path(t));
  CHECK(t.read("/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs") == "8");
}

TEST_CASE("numvfs 0, or the count already set, is one write", "[vfio][numvfs]") {
  auto t = vfio_test::x520_pf_with_vfs("vfio-pci");
  NumvfsFileOps ops;
  SECTION("0 removes the VFs") {
    REQUIRE(write_sriov_numvfs(ops, t.fs(), vfio_test::kPf, 0));
    CHECK(ops.texts() == std::vector<std::string>{"0"});
  }
  SECTION("the same count does not tear the VFs down") {
    REQUIRE(write_sriov_numvfs(ops, t.fs(), vfio_test::kPf, 2));
    CHECK(ops.texts() == std::vector<std::string>{"2"});
  }
}

TEST_CASE("numvfs on vfio-pci without enable_sriov is refused and writes nothing",
          "[vfio][numvfs]") {
  auto t = vfio_test::x520_pf_on_vfio(/*enable_sriov=*/false);
  NumvfsFileOps ops;
  const auto r = write_sriov_numvfs(ops, t.fs(), vfio_test::kPf, 4);
  REQUIRE_FALSE(r);
  CHECK(r.error().failure == OpenFailure::kSriovNotEnabled);
  CHECK_THAT(r.error().what, Catch::Contains("0000:03:00.0 is bound to vfio-pci"));
  CHECK_THAT(r.error().what,
             Catch::Contains("/sys/module/vfio_pci/parameters/enable_sriov: N"));
  const std::string& fix = r.error().fix;
  CHECK_THAT(fix, Catch::Contains("echo 1 > /sys/module/vfio_pci/parameters/enable_sriov"));
  CHECK_THAT(fix, Catch::Contains("modprobe -r vfio-pci && modprobe vfio-pci enable_sriov=1"));
  CHECK_THAT(fix, Catch::Contains("/sys/bus/pci/devices/0000:03:00.0/sriov_drivers_autoprobe"));
  CHECK_THAT(fix, Catch::Contains("driver_override"));
  CHECK(ops.opened.empty());
  CHECK(ops.writes.empty());
  CHECK(t.read("/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs") == "0\n");
}

TEST_CASE("enable_sriov is not asked of a PF on the kernel's ixgbe", "[vfio][numvfs]") {
  auto t = vfio_test::x520_pf_with_vfs("ixgbevf");
  t.set_enable_sriov(false);
  NumvfsFileOps ops;
  CHECK(write_sriov_numvfs(ops, t.fs(), vfio_test::kPf, 0));
  CHECK(ops.texts() == std::vector<std::string>{"0"});
}

TEST_CASE("numvfs refusals that write nothing", "[vfio][numvfs]") {
  auto t = vfio_test::x520_pf_with_vfs("vfio-pci");
  t.set_enable_sriov(true);
  NumvfsFileOps ops;
  SECTION("above sriov_totalvfs") {
    const auto r = write_sriov_numvfs(ops, t.fs(), vfio_test::kPf, 64);
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kSriovNotEnabled);
    CHECK_THAT(r.error().what, Catch::Contains("64 VFs asked"));
    CHECK_THAT(r.error().what, Catch::Contains("offers 63"));
    CHECK_THAT(r.error().fix, Catch::Contains("at most 63"));
  }
  SECTION("a VF's address") {
    const auto r = write_sriov_numvfs(ops, t.fs(), vfio_test::kVf0, 1);
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kSriovNotEnabled);
    CHECK_THAT(r.error().what, Catch::Contains("is a VF (of 0000:03:00.0)"));
  }
  SECTION("a PF without sriov_totalvfs") {
    t.remove("/sys/devices/pci0000:00/0000:00:01.0/0000:03:00.0/sriov_totalvfs");
    const auto r = write_sriov_numvfs(ops, t.fs(), vfio_test::kPf, 1);
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kSriovNotEnabled);
    CHECK_THAT(r.error().what, Catch::Contains("sriov_totalvfs is missing"));
  }
  SECTION("a bad address") {
    const auto r = write_sriov_numvfs(ops, t.fs(), "0000:03:00", 1);
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kBadAddress);
  }
  CHECK(ops.opened.empty());
  CHECK(ops.writes.empty());
  CHECK(t.read("/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs") == "2\n");
}

TEST_CASE("numvfs maps the kernel's errors", "[vfio][numvfs]") {
  auto t = vfio_test::x520_pf_on_vfio(/*enable_sriov=*/true);
  NumvfsFileOps ops;
  SECTION("open refused") {
    ops.open_error = EACCES;
    const auto r = write_sriov_numvfs(ops, t.fs(), vfio_test::kPf, 1);
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kNoPermission);
    CHECK_THAT(r.error().what, Catch::Contains("EACCES"));
    CHECK(ops.writes.empty());
  }
  SECTION("ENOENT: the driver cannot make VFs") {
    ops.fail_write_at = 1;
    ops.fail_errno = ENOENT;
    const auto r = write_sriov_numvfs(ops, t.fs(), vfio_test::kPf, 1);
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kSriovNotEnabled);
    CHECK_THAT(r.error().what, Catch::Contains("ENOENT"));
    CHECK_THAT(r.error().fix, Catch::Contains("enable_sriov"));
  }
  SECTION("EBUSY") {
    ops.fail_write_at = 1;
    ops.fail_errno = EBUSY;
    const auto r = write_sriov_numvfs(ops, t.fs(), vfio_test::kPf, 1);
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kSystem);
    CHECK_THAT(r.error().what, Catch::Contains("EBUSY"));
  }
  SECTION("the 0 step fails: the count is not written") {
    t.write("/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs", "2\n");
    ops.fail_write_at = 1;
    ops.fail_errno = EPERM;
    const auto r = write_sriov_numvfs(ops, t.fs(), vfio_test::kPf, 3);
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kNoPermission);
    CHECK(ops.texts() == std::vector<std::string>{"0"});
  }
}
