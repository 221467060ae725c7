// SimVfioKernel: the ioctls of containers, groups and devices

#include "tests/harness/sim_vfio_kernel.hpp"

#include <fcntl.h>
#include <linux/vfio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "hal/ixgbe/ids.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "hal/pci_regs.hpp"
#include "hal/sim/device_model.hpp"
#include "hal/vfio/vf_token.hpp"
#include "tests/harness/sim_vfio_kernel_detail.hpp"

namespace sim_vfio {

using namespace detail;

// --- ioctl ------------------------------------------------------------------------------------

int SimVfioKernel::ioctl_int(int fd, unsigned long request, unsigned long arg) {
  if (auto it = containers_.find(fd); it != containers_.end()) {
    Container& c = it->second;
    switch (request) {
      case VFIO_GET_API_VERSION:
        return VFIO_API_VERSION;
      case VFIO_CHECK_EXTENSION:
        return arg == VFIO_TYPE1v2_IOMMU || arg == VFIO_TYPE1_IOMMU ? 1 : 0;
      case VFIO_SET_IOMMU:
        if (c.groups.empty() || c.iommu) return -EINVAL;
        if (arg != VFIO_TYPE1v2_IOMMU && arg != VFIO_TYPE1_IOMMU) return -ENODEV;
        c.iommu = true;
        return 0;
      default:
        return -ENOTTY;
    }
  }
  if (auto it = groups_.find(fd); it != groups_.end() && request == VFIO_GROUP_UNSET_CONTAINER) {
    if (it->second.container < 0) return -EINVAL;
    for (const auto& [dfd, d] : devices_) {
      if (d.group_fd == fd) return -EBUSY;  // device fds hold the container
    }
    detach(fd);
    return 0;
  }
  return devices_.contains(fd) || groups_.contains(fd) ? -ENOTTY : -EBADF;
}

int SimVfioKernel::ioctl_ptr(int fd, unsigned long request, void* arg) {
  if (auto it = groups_.find(fd); it != groups_.end()) {
    Group& g = it->second;
    switch (request) {
      case VFIO_GROUP_GET_STATUS: {
        auto* st = static_cast<vfio_group_status*>(arg);
        if (st->argsz < sizeof *st) return -EINVAL;
        st->flags = (group_viable(g.number) ? VFIO_GROUP_FLAGS_VIABLE : 0u) |
                    (g.container >= 0 ? VFIO_GROUP_FLAGS_CONTAINER_SET : 0u);
        return 0;
      }
      case VFIO_GROUP_SET_CONTAINER: {
        const int cfd = *static_cast<const int*>(arg);
        auto cit = containers_.find(cfd);
        if (cit == containers_.end()) return -EBADF;
        if (g.container >= 0) return -EINVAL;
        if (!group_viable(g.number)) return -EPERM;
        g.container = cfd;
        cit->second.groups.insert(fd);
        map_into(cit->second, g.number, true);  // a joining group gets the container's maps
        return 0;
      }
      case VFIO_GROUP_GET_DEVICE_FD:
        return get_device_fd(fd, static_cast<const char*>(arg));
      default:
        return -ENOTTY;
    }
  }
  if (auto it = devices_.find(fd); it != devices_.end()) {
    Device& d = it->second;
    switch (request) {
      case VFIO_DEVICE_GET_INFO: {
        auto* info = static_cast<vfio_device_info*>(arg);
        if (info->argsz < offsetof(vfio_device_info, num_irqs) + sizeof info->num_irqs) return -EINVAL;
        info->flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
        info->num_regions = VFIO_PCI_NUM_REGIONS;
        info->num_irqs = VFIO_PCI_NUM_IRQS;
        return 0;
      }
      case VFIO_DEVICE_GET_REGION_INFO:
        return region_info(d, arg);
      case VFIO_DEVICE_GET_IRQ_INFO:
        return irq_info(d, arg);
      case VFIO_DEVICE_SET_IRQS:
        return set_irqs(d, arg);
      case VFIO_DEVICE_FEATURE:
        return feature(d, arg);
      default:
        return -ENOTTY;
    }
  }
  if (auto it = containers_.find(fd); it != containers_.end()) {
    if (request == VFIO_IOMMU_MAP_DMA) return map_dma(it->second, arg);
    if (request == VFIO_IOMMU_UNMAP_DMA) return unmap_dma(it->second, arg);
    return -ENOTTY;
  }
  return files_.contains(fd) ? -ENOTTY : -EBADF;
}

unsigned SimVfioKernel::vf_users() const {
  unsigned n = 0;
  for (const auto& [fd, d] : devices_) n += d.index >= 0 ? 1 : 0;
  return n;
}

int SimVfioKernel::get_device_fd(int group_fd, const char* arg) {
  const Group& g = groups_.at(group_fd);
  auto cit = containers_.find(g.container);
  if (cit == containers_.end() || !cit->second.iommu) return -EINVAL;
  const std::string name(arg);
  const size_t sp = name.find(' ');
  const std::string bdf = name.substr(0, sp);
  const Member* found = nullptr;
  const std::vector<Member> members = members_of_group(g.number);
  for (const Member& m : members) {
    if (m.bdf == bdf) found = &m;
  }
  if (found == nullptr) return -ENODEV;  // vfio matches the whole name against the group's devices
  const int index = found->index;
  hal::PciFunction* fn = found->fn;

  std::optional<std::array<uint8_t, 16>> uuid;
  if (sp != std::string::npos) {
    const std::string opt = name.substr(sp + 1);
    if (!opt.starts_with("vf_token=")) return -EINVAL;
    const auto t = hal::vfio::VfToken::parse(std::string_view(opt).substr(9));
    if (!t) return -EINVAL;
    uuid = t->bytes();
  }
  if (index >= 0) {
    if (cfg_.pf_driver != "vfio-pci") {
      if (uuid) {
        dmesg(bdf + ": VF token incorrectly provided, PF not bound to vfio-pci");
        return -EINVAL;
      }
    } else if (!uuid) {
      dmesg(bdf + ": VF token required to access device");
      return -EACCES;
    } else if (!token_ || *uuid != *token_) {
      dmesg(bdf + ": Incorrect VF token provided for device");
      return -EACCES;
    }
  } else if (vf_users() > 0) {
    if (!uuid || !token_ || *uuid != *token_) {
      dmesg(bdf + (uuid ? ": Incorrect VF token provided for device" : ": VF token required to access device"));
      return -EACCES;
    }
  } else if (uuid) {
    token_ = uuid;  // a PF's token while no VF is in use sets it
  }
  devices_.emplace(next_fd_, Device{bdf, group_fd, index, fn, {}});
  return next_fd_++;
}

int SimVfioKernel::region_info(Device& d, void* arg) {
  auto* ri = static_cast<vfio_region_info*>(arg);
  if (ri->argsz < offsetof(vfio_region_info, offset) + sizeof ri->offset) return -EINVAL;
  if (ri->index >= VFIO_PCI_NUM_REGIONS || ri->index == VFIO_PCI_VGA_REGION_INDEX) return -EINVAL;
  ri->offset = uint64_t{ri->index} << kRegionShift;
  ri->flags = 0;
  ri->size = 0;
  ri->cap_offset = 0;
  if (ri->index == VFIO_PCI_BAR0_REGION_INDEX) {
    // No VFIO_REGION_INFO_FLAG_MMAP: every register access comes through pwrite/pread, so it
    // runs the simulation's handler.
    ri->size = d.index < 0 ? hal::ixgbe::pf::kBarSize : hal::ixgbe::vf::kBarSize;
    ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
  } else if (ri->index == VFIO_PCI_CONFIG_REGION_INDEX) {
    ri->size = kConfigSize;
    ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
  }
  return 0;
}

int SimVfioKernel::irq_info(Device& d, void* arg) {
  auto* irq = static_cast<vfio_irq_info*>(arg);
  if (irq->argsz < sizeof *irq || irq->index >= VFIO_PCI_NUM_IRQS) return -EINVAL;
  irq->flags = VFIO_IRQ_INFO_EVENTFD;
  switch (irq->index) {
    case VFIO_PCI_INTX_IRQ_INDEX:
      irq->count = d.index < 0 ? 1 : 0;  // VFs have no INTx pin (SR-IOV 3.5.4)
      irq->flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
      break;
    case VFIO_PCI_MSI_IRQ_INDEX:
      irq->count = d.index < 0 ? 1 : 0;
      irq->flags |= VFIO_IRQ_INFO_NORESIZE;
      break;
    case VFIO_PCI_MSIX_IRQ_INDEX:
      irq->count = static_cast<uint32_t>(d.fn->num_vectors());
      irq->flags |= VFIO_IRQ_INFO_NORESIZE;
      break;
    default:
      irq->count = 1;  // ERR, REQ
      break;
  }
  return 0;
}

void SimVfioKernel::drop_irqs(Device& d) {
  for (int fd : d.irq_fds) {
    if (fd >= 0) ::close(fd);
  }
  d.irq_fds.clear();
  if (d.req_fd >= 0) ::close(d.req_fd);
  d.req_fd = -1;
}

int SimVfioKernel::set_req(Device& d, uint32_t flags, uint32_t start, uint32_t count,
                           const void* data) {
  // vfio-pci: index REQ takes start 0 and at most one trigger; DATA_NONE with count 0
  // releases it, an eventfd of -1 too.
  if (start != 0 || count > 1) return -EINVAL;
  if ((flags & VFIO_IRQ_SET_DATA_NONE) != 0 && count == 0) {
    if (d.req_fd >= 0) ::close(d.req_fd);
    d.req_fd = -1;
    return 0;
  }
  if ((flags & VFIO_IRQ_SET_DATA_EVENTFD) == 0 || count != 1) return -EINVAL;
  int32_t fd = -1;
  std::memcpy(&fd, data, sizeof fd);
  if (d.req_fd >= 0) ::close(d.req_fd);
  d.req_fd = -1;
  if (fd < 0) return 0;
  d.req_fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);  // the kernel's own reference
  return d.req_fd < 0 ? -EBADF : 0;
}

int SimVfioKernel::set_irqs(Device& d, void* arg) {
  vfio_irq_set set{};
  std::memcpy(&set, arg, sizeof set);
  if (set.argsz < sizeof set) return -EINVAL;
  if ((set.flags & VFIO_IRQ_SET_ACTION_TRIGGER) == 0) return -EINVAL;  // triggers only
  if (set.index == VFIO_PCI_REQ_IRQ_INDEX) {
    if (set.argsz < sizeof set + size_t{set.count} * sizeof(int32_t)) return -EINVAL;
    return set_req(d, set.flags, set.start, set.count, static_cast<const uint8_t*>(arg) + sizeof set);
  }
  if (set.index != VFIO_PCI_MSIX_IRQ_INDEX) return -EINVAL;  // the backend uses MSI-X and REQ
  if ((set.flags & VFIO_IRQ_SET_DATA_NONE) != 0 && set.count == 0) {
    drop_irqs(d);
    return 0;
  }
  if ((set.flags & VFIO_IRQ_SET_DATA_EVENTFD) == 0) return -EINVAL;
  const size_t n = d.fn->num_vectors();
  if (set.start >= n || set.count > n - set.start) return -EINVAL;
  if (set.argsz < sizeof set + size_t{set.count} * sizeof(int32_t)) return -EINVAL;
  std::vector<int32_t> fds(set.count);
  std::memcpy(fds.data(), static_cast<const uint8_t*>(arg) + sizeof set, fds.size() * sizeof(int32_t));
  if (d.irq_fds.size() < set.start + set.count) d.irq_fds.resize(set.start + set.count, -1);
  for (uint32_t i = 0; i < set.count; ++i) {
    int& mine = d.irq_fds[set.start + i];
    if (mine >= 0) ::close(mine);
    mine = -1;
    if (fds[i] < 0) continue;  // -1 unassigns the vector
    // The kernel takes its own reference to the eventfd (eventfd_ctx_fdget).
    mine = ::fcntl(fds[i], F_DUPFD_CLOEXEC, 0);
    if (mine < 0) return -EBADF;
  }
  return 0;
}

int SimVfioKernel::feature(Device& d, void* arg) {
  vfio_device_feature hdr{};
  std::memcpy(&hdr, arg, sizeof hdr);
  if (hdr.argsz < sizeof hdr) return -EINVAL;
  if ((hdr.flags & VFIO_DEVICE_FEATURE_MASK) != VFIO_DEVICE_FEATURE_PCI_VF_TOKEN) return -ENOTTY;
  if (d.index >= 0) return -ENOTTY;  // only a PF has a token
  if ((hdr.flags & VFIO_DEVICE_FEATURE_PROBE) != 0) return 0;
  if ((hdr.flags & VFIO_DEVICE_FEATURE_GET) != 0 || (hdr.flags & VFIO_DEVICE_FEATURE_SET) == 0) return -EINVAL;
  if (hdr.argsz < sizeof hdr + 16) return -EINVAL;
  std::array<uint8_t, 16> uuid{};
  std::memcpy(uuid.data(), static_cast<const uint8_t*>(arg) + sizeof hdr, 16);
  token_ = uuid;
  return 0;
}

}  // namespace sim_vfio
