#include "hal/vfio/group_handle.hpp"

#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>

#include <fmt/format.h>

namespace hal::vfio {

namespace {

struct Registry {
  std::mutex mu;
  std::condition_variable closed;  // an entry left `open`
  std::map<GroupKey, std::weak_ptr<GroupHandle>> open;
};

Registry& registry() {
  static Registry r;
  return r;
}

std::string host_path(const std::string& root, std::string_view path) {
  return (std::filesystem::path(root) / std::filesystem::path(path).relative_path()).string();
}

}  // namespace

struct GroupRegistryAccess {
  static std::expected<std::shared_ptr<GroupHandle>, OpenError> make(const GroupKey& key,
                                                                     std::string_view subject);
};

std::expected<std::shared_ptr<GroupHandle>, OpenError> GroupRegistryAccess::make(
    const GroupKey& key, std::string_view subject) {
  SysOps& ops = *key.ops;
  auto container = Container::open(ops, host_path(key.root, "/dev/vfio/vfio"), key.noiommu, subject);
  if (!container) return std::unexpected(container.error());
  auto group = Group::open(ops, host_path(key.root, key.node), key.node, subject);
  if (!group) return std::unexpected(group.error());
  // The IOMMU model can be chosen only once the container holds a group.
  if (auto r = group->set_container(*container, subject); !r) return std::unexpected(r.error());
  if (auto r = container->set_iommu(subject); !r) return std::unexpected(r.error());

  auto* h = new GroupHandle(key, std::move(*container), std::move(*group),
                            fmt::format("/sys/kernel/iommu_groups/{}", key.number));
  // The last holder tears the group down under the registry's lock and only then drops the
  // entry, so an open racing with the teardown waits rather than meets EBUSY.
  return std::shared_ptr<GroupHandle>(h, [](GroupHandle* p) {
    Registry& r = registry();
    {
      std::lock_guard lock(r.mu);
      const GroupKey k = p->key();
      delete p;
      r.open.erase(k);
    }
    r.closed.notify_all();
  });
}

std::expected<std::shared_ptr<GroupHandle>, OpenError> acquire_group(const GroupKey& key,
                                                                     std::string_view subject) {
  Registry& r = registry();
  std::unique_lock lock(r.mu);
  for (;;) {
    auto it = r.open.find(key);
    if (it == r.open.end()) break;
    if (auto h = it->second.lock()) return h;
    r.closed.wait(lock);  // its last holder is closing it
  }
  // Made under the lock: a second opener of the same group waits for this one. A failure
  // destroys only the pieces made, never a GroupHandle, so the deleter cannot run here.
  auto h = GroupRegistryAccess::make(key, subject);
  if (!h) return std::unexpected(h.error());
  r.open.emplace(key, *h);
  return h;
}

size_t open_groups() {
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  return r.open.size();
}

}  // namespace hal::vfio
