#pragma once
// One IOMMU group as this process holds it: the group fd, the container it is in, and the
// container's DMA pages, shared by every function of the group that is open.
//
// Why shared: the kernel opens /dev/vfio/N once at a time (a second open is EBUSY, in the same
// process too), and behind a root port without ACS a PF and its VFs, or two VFs, are in one
// group. Each function still has its own device fd (VFIO_GROUP_GET_DEVICE_FD on the one group
// fd); the container, one IOMMU domain, is common to them, so it owns the kernel's page maps.

#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "hal/vfio/container.hpp"
#include "hal/vfio/group.hpp"
#include "hal/vfio/iommu_pages.hpp"
#include "hal/vfio/open_error.hpp"
#include "hal/vfio/sys_ops.hpp"

namespace hal::vfio {

/// Where a group lives: the OS calls that reach it, the tree that stands for "/" (a fixture in
/// tests) and its node ("/dev/vfio/20"). Two opens with the same key share one GroupHandle.
struct GroupKey {
  SysOps* ops = nullptr;
  std::string root;
  std::string node;
  bool noiommu = false;
  unsigned number = 0;
  auto operator<=>(const GroupKey&) const = default;
};

class GroupHandle {
 public:
  GroupHandle(const GroupHandle&) = delete;
  GroupHandle& operator=(const GroupHandle&) = delete;
  /// Last holder gone: the pages left are unmapped, the group leaves its container
  /// (VFIO_GROUP_UNSET_CONTAINER) and closes, then the container closes. Every device fd of
  /// the group is closed by then: each function holds the handle longer than its device.
  ~GroupHandle() = default;

  Container& container() { return container_; }
  Group& group() { return group_; }
  IommuPages& pages() { return pages_; }
  const GroupKey& key() const { return key_; }

 private:
  friend struct GroupRegistryAccess;
  GroupHandle(GroupKey key, Container c, Group g, std::string group_dir)
      : key_(std::move(key)),
        container_(std::move(c)),
        group_(std::move(g)),
        pages_(container_, std::move(group_dir)) {}

  GroupKey key_;
  // Declaration order is construction order; destruction runs it backwards.
  Container container_;
  Group group_;
  IommuPages pages_;
};

/// The process's handle of `key`'s group: the one already open (a function of the group is
/// open), or a new one made by opening the container and the group, putting the group into
/// the container and choosing the IOMMU model. Thread-safe: a process-wide registry keyed by
/// GroupKey holds weak references, under a mutex; a handle being torn down is waited for,
/// never reopened while its fd is still open. `subject` names the function in errors.
/// Errors: as Container::open, Group::open, Group::set_container, Container::set_iommu.
std::expected<std::shared_ptr<GroupHandle>, OpenError> acquire_group(const GroupKey& key,
                                                                     std::string_view subject);

/// How many groups this process holds open now (for tests).
size_t open_groups();

}  // namespace hal::vfio
