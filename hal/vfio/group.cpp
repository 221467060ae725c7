#include "hal/vfio/group.hpp"

#include <fcntl.h>
#include <linux/vfio.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "hal/vfio/sys_failure.hpp"

namespace hal::vfio {

std::expected<Group, OpenError> Group::open(SysOps& ops, const std::string& path,
                                            const std::string& node, std::string_view subject) {
  const int fd = ops.open(path, O_RDWR);
  if (fd == -EBUSY) {
    // vfio lets one process at a time hold a group.
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
