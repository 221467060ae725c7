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

namespace sim_vfio {

namespace {

namespace fs = std::filesystem;

constexpr uint64_t kRegionShift = 40;  // vfio-pci: VFIO_PCI_OFFSET_SHIFT
constexpr uint64_t kRegionMask = (uint64_t{1} << kRegionShift) - 1;
constexpr uint64_t kPageSize = 4096;  // the smallest IOMMU page: type1's alignment unit
constexpr uint32_t kConfigSize = 4096;
constexpr uint16_t kSriovCapLen = 0x40;
constexpr uint16_t kVfDeviceId = 0x10ed;

std::string bdf_of(uint16_t rid) {
  return fmt::format("0000:{:02x}:{:02x}.{:x}", rid >> 8, (rid >> 3) & 0x1F, rid & 7);
}

std::string canonical(const std::string& p) {
  std::error_code ec;
  const fs::path c = fs::weakly_canonical(p, ec);
  return ec ? p : c.string();
}

std::string uuid_text(const uint8_t* b) {
  std::string s;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += fmt::format("{:02x}", b[i]);
  }
  return s;
}

/// The PF as the kernel's own PF driver holds it: every access is the simulated PF's, and
/// enabling VFs is the PCI core's pci_enable_sriov(), which the kernel routes to configure_vfs.
class KernelPf final : public hal::PciFunction {
 public:
  KernelPf(hal::PciFunction& pf, SimVfioKernel& k) : pf_(pf), k_(k) {}
  hal::RegisterIo& bar0() override { return pf_.bar0(); }
  hal::ConfigSpace& config() override { return pf_.config(); }
  hal::DmaDomain& dma() override { return pf_.dma(); }
  size_t num_vectors() const override { return pf_.num_vectors(); }
  const hal::EventFd& vector(size_t i) const override { return pf_.vector(i); }
  std::string name() const override { return "kernel-pf:" + pf_.name(); }
  std::expected<void, hal::Error> set_sriov_num_vfs(unsigned n) override {
    if (k_.configure_vfs(n) < 0) return std::unexpected(hal::Error::kSystem);
    return {};
  }

 private:
  hal::PciFunction& pf_;
  SimVfioKernel& k_;
};

}  // namespace

SimVfioKernel::SimVfioKernel(sim::Device82599& dev, vfio_test::SysfsTree& tree, SimVfioConfig cfg)
    : dev_(dev), tree_(tree), cfg_(std::move(cfg)), root_(tree.root().string()) {
  pf_bdf_ = bdf_of(dev_.model().pf_routing_id());
  sriov_at_ = dev_.pf().config().find_ext_capability(hal::pci::kExtCapIdSriov);
  tree_.add_iommu_host();
  tree_.set_enable_sriov(cfg_.enable_sriov);
  vfio_test::add_root_port(tree_);
  tree_.add_function({.bdf = pf_bdf_, .device = dev_.pf().config().read16(hal::pci::kDeviceId),
                      .driver = cfg_.pf_driver, .iommu_group = cfg_.pf_group,
                      .total_vfs = cfg_.total_vfs});
  if (cfg_.pf_driver == "vfio-pci") tree_.add_group_node(cfg_.pf_group);
  pf_numvfs_ = canonical(tree_.host(tree_.dir_of(pf_bdf_) + "/sriov_numvfs").string());
  kernel_pf_ = std::make_unique<KernelPf>(dev_.pf(), *this);
}

SimVfioKernel::~SimVfioKernel() {
  for (auto& [fd, d] : devices_) drop_irqs(d);
}

hal::PciFunction& SimVfioKernel::kernel_pf() { return *kernel_pf_; }

std::string SimVfioKernel::dmesg(const std::string& line) {
  log_.push_back(line);
  return line;
}

// --- Topology ---------------------------------------------------------------------------------

hal::PciFunction* SimVfioKernel::function_of_group(unsigned group, int* index) const {
  if (group == cfg_.pf_group) {
    *index = -1;
    return &dev_.pf();
  }
  if (group >= cfg_.first_vf_group && group - cfg_.first_vf_group < vf_bdfs_.size()) {
    const unsigned vf = group - cfg_.first_vf_group;
    auto fn = dev_.vf(hal::VfId{vf});
    if (!fn) return nullptr;
    *index = static_cast<int>(vf);
    return *fn;
  }
  return nullptr;
}

bool SimVfioKernel::group_viable(unsigned group) const {
  // Viable: every member bound to vfio-pci or to nothing (drivers/vfio/group.c).
  const doctor::Fs fs = tree_.fs();
  const std::string dir = fmt::format("/sys/kernel/iommu_groups/{}/devices", group);
  for (const std::string& m : fs.list(dir)) {
    const auto drv = fs.link_name(fmt::format("/sys/bus/pci/devices/{}/driver", m));
    if (drv && *drv != "vfio-pci") return false;
  }
  return true;
}

// --- Files and fds ----------------------------------------------------------------------------

int SimVfioKernel::open(const std::string& path, int flags) {
  if (!path.starts_with(root_ + "/")) return -ENOENT;  // this kernel serves its tree only
  const std::string rel = path.substr(root_.size());
  if (!fs::exists(path)) return -ENOENT;
  if (rel == "/dev/vfio/vfio") {
    containers_.emplace(next_fd_, Container{});
    return next_fd_++;
  }
  if (rel.starts_with("/dev/vfio/")) {
    unsigned n = 0;
    const std::string num = rel.substr(10);
    if (std::from_chars(num.data(), num.data() + num.size(), n).ec != std::errc{}) return -ENODEV;
    for (const auto& [fd, g] : groups_) {
      if (g.number == n) return -EBUSY;  // one open of a group at a time
    }
    groups_.emplace(next_fd_, Group{n});
    return next_fd_++;
  }
  if ((flags & O_ACCMODE) != O_RDONLY && ::access(path.c_str(), W_OK) != 0) return -EACCES;
  files_.emplace(next_fd_, File{path, canonical(path) == pf_numvfs_});
  return next_fd_++;
}

int SimVfioKernel::close(int fd) {
  if (auto it = devices_.find(fd); it != devices_.end()) {
    if (!it->second.irq_fds.empty()) {
      // vfio-pci turns them off on release; our teardown should have done it first.
      released_.push_back(fmt::format("device {} closed with MSI-X enabled", it->second.bdf));
      drop_irqs(it->second);
    }
    devices_.erase(it);
    return 0;
  }
  if (auto it = groups_.find(fd); it != groups_.end()) {
    if (it->second.container >= 0) detach(fd);
    groups_.erase(it);
    return 0;
  }
  if (auto it = containers_.find(fd); it != containers_.end()) {
    if (it->second.groups.empty()) {
      if (!it->second.maps.empty()) {
        released_.push_back(fmt::format("container closed with {} DMA maps", it->second.maps.size()));
      }
      containers_.erase(it);
    } else {
      it->second.user_closed = true;  // the groups in it keep it alive
    }
    return 0;
  }
  if (files_.erase(fd) != 0) return 0;
  return -EBADF;
}

void SimVfioKernel::map_into(const Container& c, unsigned group, bool map) {
  int index = 0;
  hal::PciFunction* fn = function_of_group(group, &index);
  if (fn == nullptr) return;
  for (const auto& [iova, m] : c.maps) {
    if (map) {
      (void)fn->dma().map(hal::Iova{iova}, reinterpret_cast<void*>(m.vaddr), m.size);
    } else {
      (void)fn->dma().unmap(hal::Iova{iova});  // a disabled VF's table is already empty
    }
  }
}

void SimVfioKernel::detach(int group_fd) {
  Group& g = groups_.at(group_fd);
  auto cit = containers_.find(g.container);
  g.container = -1;
  if (cit == containers_.end()) return;
  Container& c = cit->second;
  map_into(c, g.number, false);
  c.groups.erase(group_fd);
  if (c.groups.empty()) {
    // The last group out releases the container's IOMMU (and its maps).
    c.iommu = false;
    if (c.user_closed) {
      if (!c.maps.empty()) released_.push_back(fmt::format("container released with {} DMA maps", c.maps.size()));
      containers_.erase(cit);
    }
  }
}

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
  int index = 0;
  hal::PciFunction* fn = function_of_group(g.number, &index);
  if (fn == nullptr) return -ENODEV;
  const std::string& member = index < 0 ? pf_bdf_ : vf_bdfs_.at(static_cast<size_t>(index));
  if (bdf != member) return -ENODEV;

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
}

int SimVfioKernel::set_irqs(Device& d, void* arg) {
  vfio_irq_set set{};
  std::memcpy(&set, arg, sizeof set);
  if (set.argsz < sizeof set) return -EINVAL;
  if (set.index != VFIO_PCI_MSIX_IRQ_INDEX || (set.flags & VFIO_IRQ_SET_ACTION_TRIGGER) == 0) {
    return -EINVAL;  // the backend uses MSI-X triggers only
  }
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

int SimVfioKernel::map_dma(Container& c, void* arg) {
  auto* m = static_cast<vfio_iommu_type1_dma_map*>(arg);
  if (m->argsz < sizeof *m) return -EINVAL;
  if (!c.iommu) return -EINVAL;
  if (m->flags != (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)) return -EINVAL;
  if (m->size == 0 || ((m->size | m->iova | m->vaddr) & (kPageSize - 1)) != 0) return -EINVAL;
  if (m->iova + m->size < m->iova) return -EINVAL;
  for (const auto& [iova, e] : c.maps) {
    if (m->iova < iova + e.size && iova < m->iova + m->size) return -EEXIST;
  }
  c.maps.emplace(m->iova, DmaMap{m->size, m->vaddr});
  for (int gfd : c.groups) {
    int index = 0;
    if (hal::PciFunction* fn = function_of_group(groups_.at(gfd).number, &index)) {
      (void)fn->dma().map(hal::Iova{m->iova}, reinterpret_cast<void*>(m->vaddr), m->size);
    }
  }
  return 0;
}

int SimVfioKernel::unmap_dma(Container& c, void* arg) {
  auto* u = static_cast<vfio_iommu_type1_dma_unmap*>(arg);
  if (u->argsz < sizeof *u) return -EINVAL;
  if (!c.iommu) return -EINVAL;
  const uint64_t start = u->iova;
  const uint64_t end = u->iova + u->size;
  // Type1 v2: a request that would split a mapping is refused whole.
  for (const auto& [iova, e] : c.maps) {
    const bool overlaps = iova < end && start < iova + e.size;
    if (overlaps && (iova < start || iova + e.size > end)) return -EINVAL;
  }
  uint64_t done = 0;
  for (auto it = c.maps.lower_bound(start); it != c.maps.end() && it->first < end;) {
    for (int gfd : c.groups) {
      int index = 0;
      if (hal::PciFunction* fn = function_of_group(groups_.at(gfd).number, &index)) {
        (void)fn->dma().unmap(hal::Iova{it->first});
      }
    }
    done += it->second.size;
    it = c.maps.erase(it);
  }
  u->size = done;
  return 0;
}

// --- Regions ----------------------------------------------------------------------------------

ssize_t SimVfioKernel::pread(int fd, void* buf, size_t len, off_t offset) {
  if (auto it = devices_.find(fd); it != devices_.end()) {
    return device_access(it->second, buf, len, offset, false);
  }
  if (auto it = files_.find(fd); it != files_.end()) {
    std::ifstream in(it->second.host, std::ios::binary);
    in.seekg(offset);
    in.read(static_cast<char*>(buf), static_cast<std::streamsize>(len));
    return in.gcount();
  }
  return -EBADF;
}

ssize_t SimVfioKernel::pwrite(int fd, const void* buf, size_t len, off_t offset) {
  if (auto it = devices_.find(fd); it != devices_.end()) {
    return device_access(it->second, const_cast<void*>(buf), len, offset, true);
  }
  if (auto it = files_.find(fd); it != files_.end()) {
    const std::string text(static_cast<const char*>(buf), len);
    if (it->second.numvfs) return store_numvfs(text);
    std::ofstream(it->second.host, std::ios::trunc) << text;
    return static_cast<ssize_t>(len);
  }
  return -EBADF;
}

ssize_t SimVfioKernel::device_access(Device& d, void* buf, size_t len, off_t offset, bool write) {
  const auto o = static_cast<uint64_t>(offset);
  const uint64_t index = o >> kRegionShift;
  const uint64_t at = o & kRegionMask;
  if (index == VFIO_PCI_CONFIG_REGION_INDEX) {
    if (at + len > kConfigSize) return -EINVAL;
    return config_access(d, static_cast<uint8_t*>(buf), len, static_cast<uint32_t>(at), write);
  }
  if (index != VFIO_PCI_BAR0_REGION_INDEX) return -EINVAL;
  const uint64_t size = d.index < 0 ? hal::ixgbe::pf::kBarSize : hal::ixgbe::vf::kBarSize;
  if (len != 4 || at % 4 != 0 || at + 4 > size) return -EINVAL;
  uint32_t v = 0;
  if (write) {
    std::memcpy(&v, buf, 4);
    if (!removed_) d.fn->bar0().write32(static_cast<uint32_t>(at), v);
  } else {
    v = removed_ ? hal::kDeviceGone : d.fn->bar0().read32(static_cast<uint32_t>(at));
    std::memcpy(buf, &v, 4);
  }
  return 4;
}

ssize_t SimVfioKernel::config_access(Device& d, uint8_t* buf, size_t len, uint32_t at, bool write) {
  if ((len != 1 && len != 2 && len != 4) || at % len != 0) return -EINVAL;
  hal::ConfigSpace& cfg = d.fn->config();
  const auto off = static_cast<uint16_t>(at);
  if (write) {
    // vfio-pci gives the user no write to the ids nor to the SR-IOV capability: VFs come and
    // go through sysfs. Refused writes still "succeed", as vfio-pci's do.
    const bool ids = at < 4;
    const bool sriov = d.index < 0 && sriov_at_ != 0 && at < uint32_t{sriov_at_} + kSriovCapLen &&
                       at + len > sriov_at_;
    if (removed_ || ids || sriov) return static_cast<ssize_t>(len);
    if (len == 1) return -EINVAL;  // no byte write in the simulation's config space
    uint32_t v = 0;
    std::memcpy(&v, buf, len);
    if (len == 4) cfg.write32(off, v);
    if (len == 2) cfg.write16(off, static_cast<uint16_t>(v));
    return static_cast<ssize_t>(len);
  }
  uint32_t v = 0xFFFFFFFFu;
  if (!removed_) {
    if (len == 4) v = cfg.read32(off);
    if (len == 2) v = cfg.read16(off);
    if (len == 1) v = cfg.read16(static_cast<uint16_t>(off & ~1u)) >> (8 * (off & 1u));
  }
  // Vendor and device ids are vfio-pci's virtualized copies: for a VF (whose hardware reads
  // FFFFh) the ids the kernel knows, and for any function the same after a surprise removal.
  uint8_t ids[4];
  const uint16_t vendor = hal::ixgbe::kVendorIntel;
  const uint16_t device = d.index < 0 ? dev_.pf().config().read16(hal::pci::kDeviceId) : kVfDeviceId;
  std::memcpy(ids, &vendor, 2);
  std::memcpy(ids + 2, &device, 2);
  uint8_t bytes[4];
  std::memcpy(bytes, &v, 4);
  for (size_t i = 0; i < len; ++i) {
    if (at + i < 4) bytes[i] = ids[at + i];
  }
  std::memcpy(buf, bytes, len);
  return static_cast<ssize_t>(len);
}

void* SimVfioKernel::mmap(int fd, size_t, off_t, int* err) {
  // No region carries VFIO_REGION_INFO_FLAG_MMAP, so vfio-pci refuses the mapping.
  if (err != nullptr) *err = devices_.contains(fd) ? -EINVAL : -EBADF;
  return nullptr;
}

int SimVfioKernel::munmap(void*, size_t) { return -EINVAL; }

int SimVfioKernel::eventfd() {
  const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  return fd < 0 ? -errno : fd;
}

// --- SR-IOV -----------------------------------------------------------------------------------

ssize_t SimVfioKernel::store_numvfs(const std::string& text) {
  // kstrtou16: digits, an optional trailing newline.
  std::string t = text;
  if (!t.empty() && t.back() == '\n') t.pop_back();
  unsigned n = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (ec != std::errc{} || end != t.data() + t.size() || n > 0xFFFF) return -EINVAL;
  if (n > cfg_.total_vfs) return -ERANGE;
  if (n == vf_bdfs_.size()) return static_cast<ssize_t>(text.size());
  if (cfg_.pf_driver == "vfio-pci" && !cfg_.enable_sriov) {
    dmesg(pf_bdf_ + ": vfio-pci: enable_sriov is off; cannot configure SR-IOV");
    return -ENOENT;
  }
  if (n != 0 && !vf_bdfs_.empty()) {
    dmesg(fmt::format("{}: {} VFs already enabled. Disable before enabling {} VFs", pf_bdf_,
                      vf_bdfs_.size(), n));
    return -EBUSY;
  }
  const int rc = configure_vfs(n);
  return rc < 0 ? rc : static_cast<ssize_t>(text.size());
}

int SimVfioKernel::configure_vfs(unsigned n) {
  if (n == vf_bdfs_.size()) return 0;
  if (n == 0) {
    if (vf_users() > 0) {
      // The kernel would block in vfio-pci's remove() until the VFs are released.
      dmesg(pf_bdf_ + ": VFs still in use; disabling SR-IOV would block");
      return -EBUSY;
    }
    for (unsigned i = 0; i < vf_bdfs_.size(); ++i) {
      const std::string& bdf = vf_bdfs_[i];
      const unsigned group = cfg_.first_vf_group + i;
      tree_.remove(tree_.dir_of(bdf));
      tree_.remove("/sys/bus/pci/devices/" + bdf);
      tree_.remove(tree_.dir_of(pf_bdf_) + "/virtfn" + std::to_string(i));
      tree_.remove(fmt::format("/sys/kernel/iommu_groups/{}", group));
      tree_.remove(fmt::format("/dev/vfio/{}", group));
    }
    vf_bdfs_.clear();
    (void)dev_.pf().PciFunction::set_sriov_num_vfs(0);
    tree_.write(tree_.dir_of(pf_bdf_) + "/sriov_numvfs", "0\n");
    dmesg(pf_bdf_ + ": SR-IOV disabled");
    return 0;
  }
  if (!vf_bdfs_.empty()) return -EBUSY;
  // The PCI core's own config-space writes (pci_enable_sriov): the PciFunction default.
  if (!dev_.pf().PciFunction::set_sriov_num_vfs(n) || dev_.num_vfs() != n) {
    dmesg(fmt::format("{}: enabling {} VFs failed", pf_bdf_, n));
    return -EIO;
  }
  std::vector<std::string> bdfs;
  for (unsigned i = 0; i < n; ++i) bdfs.push_back(bdf_of(dev_.vf_routing_id(hal::VfId{i})));
  tree_.add_vfs(pf_bdf_, bdfs, cfg_.vf_driver, cfg_.first_vf_group);
  if (cfg_.vf_driver == "vfio-pci") {
    for (unsigned i = 0; i < n; ++i) tree_.add_group_node(cfg_.first_vf_group + i);
  }
  vf_bdfs_ = std::move(bdfs);
  dmesg(fmt::format("{}: {} VFs enabled", pf_bdf_, n));
  return 0;
}

// --- Interrupts and checks --------------------------------------------------------------------

uint64_t SimVfioKernel::pump() {
  uint64_t relayed = 0;
  for (auto& [fd, d] : devices_) {
    for (size_t i = 0; i < d.irq_fds.size(); ++i) {
      if (d.irq_fds[i] < 0) continue;
      const uint64_t n = d.fn->vector(i).drain();
      if (n == 0) continue;
      if (::write(d.irq_fds[i], &n, sizeof n) == static_cast<ssize_t>(sizeof n)) relayed += n;
    }
  }
  return relayed;
}

std::vector<std::string> SimVfioKernel::leaks() const {
  std::vector<std::string> out = released_;
  for (const auto& [fd, c] : containers_) {
    out.push_back(fmt::format("container fd {} open{}", fd, c.user_closed ? " (held by a group)" : ""));
    for (const auto& [iova, m] : c.maps) {
      out.push_back(fmt::format("DMA map iova={:#x} size={:#x}", iova, m.size));
    }
  }
  for (const auto& [fd, g] : groups_) {
    out.push_back(fmt::format("group {} open{}", g.number, g.container >= 0 ? " (in a container)" : ""));
  }
  for (const auto& [fd, d] : devices_) {
    out.push_back(fmt::format("device {} open", d.bdf));
    if (!d.irq_fds.empty()) out.push_back(fmt::format("device {}: MSI-X enabled", d.bdf));
  }
  for (const auto& [fd, f] : files_) out.push_back("file open: " + f.host.substr(root_.size()));
  return out;
}

size_t SimVfioKernel::open_fds() const {
  size_t n = groups_.size() + devices_.size() + files_.size();
  for (const auto& [fd, c] : containers_) n += c.user_closed ? 0 : 1;
  return n;
}

size_t SimVfioKernel::dma_maps() const {
  size_t n = 0;
  for (const auto& [fd, c] : containers_) n += c.maps.size();
  return n;
}

size_t SimVfioKernel::irqs_enabled() const {
  size_t n = 0;
  for (const auto& [fd, d] : devices_) n += d.irq_fds.empty() ? 0 : 1;
  return n;
}

std::optional<std::string> SimVfioKernel::pf_token() const {
  if (!token_) return std::nullopt;
  return uuid_text(token_->data());
}

}  // namespace sim_vfio
