#include "hal/vfio/group.hpp"

#include <fcntl.h>
#include <linux/vfio.h>

#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "hal/vfio/sys_failure.hpp"

namespace hal::vfio {

namespace {

/// True when one of this process's own fds is open on `path` (/proc/self/fd). The kernel
/// admits one open of a group at a time, whoever holds it; the fix differs when it is us (a
/// DPDK EAL in this process that probed the device too, or a second opener that does not share
/// the group through open_function).
bool held_by_this_process(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path want = std::filesystem::weakly_canonical(path, ec);
  if (ec) return false;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    std::error_code lec;
    const auto target = std::filesystem::read_symlink(e.path(), lec);
    if (!lec && target == want) return true;
  }
  return false;
}

}  // namespace

std::expected<Group, OpenError> Group::open(SysOps& ops, const std::string& path,
                                            const std::string& node, std::string_view subject) {
  const int fd = ops.open(path, O_RDWR);
  if (fd == -EBUSY && held_by_this_process(path)) {
    return std::unexpected(OpenError{
        OpenFailure::kSystem,
        fmt::format("{}: {} is already open in this process, outside sriovkit's VFIO backend "
                    "({}); the kernel opens a group once",
                    subject, node, describe_errno(EBUSY)),
        fmt::format("let one component own the device: start DPDK's EAL without probing it "
                    "(--no-pci, or -a for other devices only), and open every function of group "
                    "{} through the same sriovkit process",
                    node)});
  }
  if (fd == -EBUSY) {
    // vfio lets one open of a group at a time, and this process holds none.
    return std::unexpected(OpenError{
        OpenFailure::kSystem,
        fmt::format("{}: {} is held by another process ({})", subject, node, describe_errno(EBUSY)),
        fmt::format("stop the process that has it open (fuser -v {}), e.g. another sriovkit "
                    "tool, a DPDK application or a VM",
                    node)});
  }
  if (fd < 0) return std::unexpected(sys_failure(subject, "open " + node, -fd, node));
  Group g(Fd(ops, fd), node);

  vfio_group_status st{};
  st.argsz = sizeof st;
  const int rc = ops.ioctl_ptr(fd, VFIO_GROUP_GET_STATUS, &st);
  if (rc < 0) return std::unexpected(sys_failure(subject, "VFIO_GROUP_GET_STATUS", -rc, node));
  if ((st.flags & VFIO_GROUP_FLAGS_VIABLE) == 0) {
    return std::unexpected(OpenError{
        OpenFailure::kGroupNotViable,
        fmt::format("{}: the kernel calls IOMMU group {} not viable: another device in it is "
                    "bound to a host driver",
                    subject, node),
        "bind every device of the group (/sys/kernel/iommu_groups/N/devices) to vfio-pci, or "
        "unbind it (echo BDF > /sys/bus/pci/devices/BDF/driver/unbind)"});
  }
  return g;
}

Group::~Group() {
  if (attached_ && fd_) fd_.ops().ioctl_int(fd_.get(), VFIO_GROUP_UNSET_CONTAINER, 0);
}

std::expected<void, OpenError> Group::set_container(const Container& c,
                                                    std::string_view subject) {
  int container_fd = c.fd();
  const int rc = fd_.ops().ioctl_ptr(fd_.get(), VFIO_GROUP_SET_CONTAINER, &container_fd);
  if (rc == -EPERM) {
    // Since Linux 5.19 joining a container claims the group's DMA ownership
    // (iommu_group_claim_dma_owner), which the IOMMU core refuses while a member is bound to a
    // driver that uses the kernel's DMA API: a group problem, not a permission one.
    return std::unexpected(OpenError{
        OpenFailure::kGroupNotViable,
        fmt::format("{}: VFIO_GROUP_SET_CONTAINER refused: {}: a member of IOMMU group {} is "
                    "bound to a host driver that owns its DMA",
                    subject, describe_errno(EPERM), node_),
        "bind every device of the group (/sys/kernel/iommu_groups/N/devices) to vfio-pci, or "
        "unbind it (echo BDF > /sys/bus/pci/devices/BDF/driver/unbind)"});
  }
  if (rc < 0) {
    return std::unexpected(sys_failure(subject, "VFIO_GROUP_SET_CONTAINER", -rc, node_));
  }
  attached_ = true;
  return {};
}

std::expected<Fd, int> Group::get_device_fd(const std::string& name) {
  // The kernel reads a NUL-terminated string from the argument.
  std::vector<char> buf(name.begin(), name.end());
  buf.push_back('\0');
  const int rc = fd_.ops().ioctl_ptr(fd_.get(), VFIO_GROUP_GET_DEVICE_FD, buf.data());
  if (rc < 0) return std::unexpected(-rc);
  return Fd(fd_.ops(), rc);
}

}  // namespace hal::vfio
