#pragma once
// A VFIO group (/dev/vfio/N): the unit of isolation the IOMMU can tell apart; the way to a
// device fd once the group is in a container.

#include <expected>
#include <string>

#include "hal/vfio/container.hpp"
#include "hal/vfio/fd.hpp"
#include "hal/vfio/open_error.hpp"

namespace hal::vfio {

class Group {
 public:
  /// Opens `path` (the host's `node`, /dev/vfio/N; below a fixture root in tests) and checks
  /// VFIO_GROUP_GET_STATUS says viable (every device in the group bound to vfio-pci or to no
  /// driver). One open per group at a time: functions sharing a group share one Group through
  /// GroupHandle. Errors: kNoPermission, kGroupNotViable, kSystem (EBUSY: another process, or
  /// another opener in this one, holds the group; the two are told apart).
  static std::expected<Group, OpenError> open(SysOps& ops, const std::string& path,
                                              const std::string& node, std::string_view subject);

  Group(Group&&) noexcept = default;
  Group& operator=(Group&&) = delete;
  /// Takes the group out of its container first (VFIO_GROUP_UNSET_CONTAINER); every device fd
  /// must be closed by then, as the kernel requires.
  ~Group();

  /// VFIO_GROUP_SET_CONTAINER. The container must outlive the group. Errors: kGroupNotViable
  /// (EPERM: a member's host driver owns the group's DMA), kNoPermission, kSystem.
  std::expected<void, OpenError> set_container(const Container& c, std::string_view subject);

  /// VFIO_GROUP_GET_DEVICE_FD with `name` ("BDF" or "BDF vf_token=UUID"): the device fd, or
  /// the errno (positive) for the caller to explain, as its meaning depends on who asks.
  std::expected<Fd, int> get_device_fd(const std::string& name);

  /// "/dev/vfio/N".
  const std::string& node() const { return node_; }

 private:
  Group(Fd fd, std::string node) : fd_(std::move(fd)), node_(std::move(node)) {}
  Fd fd_;
  std::string node_;
  bool attached_ = false;
};

}  // namespace hal::vfio
