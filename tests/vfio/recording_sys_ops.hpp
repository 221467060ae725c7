#pragma once
// A recording fake of the VFIO SysOps layer: a scriptable kernel that answers the VFIO ioctls
// as vfio and vfio-pci do (API version, extensions, group viability, device and region info,
// MSI-X count, the VF token rules, DMA maps), backs BAR0 and config space with plain memory,
// creates real eventfds for the MSI-X vectors, and writes one readable line per call:
//
//   open /dev/vfio/vfio
//   ioctl VFIO_GET_API_VERSION
//   ioctl VFIO_GROUP_SET_CONTAINER /dev/vfio/vfio
//   mmap region0 len=0x20000
//   ioctl VFIO_IOMMU_MAP_DMA iova=0x100000 size=0x2000
//
// A test scripts a failure with fail("ioctl VFIO_GROUP_GET_DEVICE_FD", EBUSY): every call whose
// line starts with that text returns -EBUSY (the line is still recorded). leaks() lists what
// is still open, mapped or enabled, so every test can check teardown released everything.
// Paths are recorded with the fixture root stripped. Single-threaded.
//
// Several groups and devices may be open at once, as in the kernel: a group node opens once at
// a time (a second open is EBUSY), each group joins one container, a device fd comes from its
// group, and MSI-X and the request channel are per device. BAR0 and config space are one
// memory shared by every device (a sequence test does not tell them apart).

#include <fcntl.h>
#include <linux/vfio.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "hal/vfio/sys_ops.hpp"

namespace vfio_test {

/// What the fake kernel says and does. Defaults: an 82599 PF on vfio-pci, type1v2 IOMMU.
struct KernelScript {
  int api_version = VFIO_API_VERSION;
  bool type1v2 = true;
  bool type1 = true;
  bool noiommu = false;  ///< VFIO_NOIOMMU_IOMMU offered
  bool viable = true;    ///< VFIO_GROUP_GET_STATUS
  uint32_t device_flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
  uint64_t bar0_size = 0x20000;  ///< 128 KiB: the 82599 PF's BAR0; a VF's is 16 KiB
  bool bar0_mmap = true;         ///< VFIO_REGION_INFO_FLAG_MMAP on BAR0
  uint32_t msix_count = 64;      ///< 64 on the 82599 PF, 3 on a VF
  uint16_t vendor_id = 0x8086;
  uint16_t device_id = 0x10fb;
  // vfio-pci's VF token rules (drivers/vfio/pci/vfio_pci_core.c, vfio_pci_validate_vf_token).
  bool is_vf = false;
  bool pf_on_vfio = false;            ///< a VF whose PF vfio-pci drives
  std::optional<std::string> token;   ///< the PF's token (set by FEATURE or the PF's open)
  bool vfs_in_use = false;            ///< a PF whose VFs are open elsewhere
  /// Devices (by address) that are VFs of a vfio-pci PF, when one fake serves a PF and its VFs
  /// at once (a shared group): each needs the PF's token, and while one is open the PF does.
  std::vector<std::string> vfs_of_vfio_pf;
  bool req_irq = true;                ///< VFIO_PCI_REQ_IRQ_INDEX offered (count 1)
  /// Locked-memory limit for DMA maps, in bytes; beyond it MAP_DMA is ENOMEM.
  uint64_t memlock = uint64_t{1} << 40;
};

class RecordingSysOps final : public hal::vfio::SysOps {
 public:
  static constexpr uint64_t kRegionShift = 40;  // vfio-pci: region index << 40
  static constexpr int kFirstFd = 1000;         // far from real fds (eventfds are real)

  explicit RecordingSysOps(std::string root = "/", KernelScript s = {})
      : script(std::move(s)), root_(std::move(root)) {
    if (!root_.empty() && root_.back() == '/') root_.pop_back();
    bar0.assign(script.bar0_size / 4, 0);
    config.fill(0);
    put16(0x00, script.vendor_id);
    put16(0x02, script.device_id);
    put32(0x08, 0x02000001);  // Ethernet controller, revision 01h
  }
  // Eventfds a test leaked stay open: closing them here could close a number since reused.

  KernelScript script;
  std::vector<std::string> calls;
  /// BAR0 and config space as the device holds them.
  std::vector<uint32_t> bar0;
  std::array<uint8_t, 4096> config{};

  void fail(std::string prefix, int err) { fails_.emplace_back(std::move(prefix), err); }
  void clear_failures() { fails_.clear(); }
  void clear_calls() { calls.clear(); }
  /// Lines that start with `prefix`.
  size_t count(std::string_view prefix) const {
    size_t n = 0;
    for (const auto& c : calls) n += c.starts_with(prefix) ? 1 : 0;
    return n;
  }
  void put16(size_t off, uint16_t v) { std::memcpy(&config[off], &v, 2); }
  void put32(size_t off, uint32_t v) { std::memcpy(&config[off], &v, 4); }

  /// The device answering no more: BAR0 and config space read all-ones, except the vendor and
  /// device ids, which vfio-pci virtualizes (vfio_pci_config.c) and so still reads as before.
  void surprise_remove() {
    std::fill(bar0.begin(), bar0.end(), 0xFFFFFFFFu);
    config.fill(0xFF);
    put16(0x00, script.vendor_id);
    put16(0x02, script.device_id);
  }
  /// Signals MSI-X vector i (of the one device with MSI-X on) as the kernel does when the
  /// device raises it.
  void fire(size_t i) const {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(msix_fds().at(i), &one, sizeof one);
  }
  /// Signals the request channel of device `bdf`, as vfio-pci does when the kernel wants the
  /// device back. False when none is registered.
  bool request(const std::string& bdf) const {
    auto it = req_.find(bdf);
    if (it == req_.end()) return false;
    const uint64_t one = 1;
    return ::write(it->second, &one, sizeof one) == static_cast<ssize_t>(sizeof one);
  }
  /// Drops a DMA map behind the user's back, as a reset container would.
  void forget_dma(uint64_t iova) {
    locked_ -= dma_.at(iova);
    dma_.erase(iova);
  }
  /// The MSI-X eventfds of `bdf`, or (empty) of the first device with MSI-X on.
  const std::vector<int>& msix_fds(const std::string& bdf = {}) const {
    static const std::vector<int> none;
    if (!bdf.empty()) {
      auto it = msix_.find(bdf);
      return it == msix_.end() ? none : it->second;
    }
    return msix_.empty() ? none : msix_.begin()->second;
  }
  const std::map<uint64_t, uint64_t>& dma_maps() const { return dma_; }

  /// Everything not released: fds, mappings, DMA maps, MSI-X still on, eventfds still open,
  /// a group still in its container. Empty when teardown was complete.
  std::vector<std::string> leaks() const {
    std::vector<std::string> out;
    for (const auto& [fd, n] : fds_) out.push_back(fmt::format("fd {} ({})", fd, n.name));
    for (const auto& [addr, len] : mmaps_) out.push_back(fmt::format("mmap len={:#x}", len));
    for (const auto& [iova, size] : dma_) out.push_back(fmt::format("dma iova={:#x} size={:#x}", iova, size));
    for (const auto& [bdf, fds] : msix_) {
      out.push_back(fmt::format("MSI-X enabled on {} ({} vectors)", bdf, fds.size()));
    }
    for (const auto& [bdf, fd] : req_) out.push_back(fmt::format("request channel set on {}", bdf));
    for (int fd : eventfds_) {
      if (::fcntl(fd, F_GETFD) != -1) out.push_back(fmt::format("eventfd {}", fd));
    }
    for (const auto& [node, g] : groups_) {
      if (g.attached) out.push_back("group " + node + " still in its container");
    }
    // The kernel takes a group closed while in its container out silently; the backend must
    // have done it (VFIO_GROUP_UNSET_CONTAINER) first.
    for (const auto& node : closed_while_attached_) {
      out.push_back("group " + node + " closed while in its container (no UNSET_CONTAINER)");
    }
    for (const auto& v : order_violations_) out.push_back(v);
    return out;
  }

  // --- SysOps -------------------------------------------------------------------------------

  int open(const std::string& path, int flags) override {
    const std::string p = strip(path);
    if (int e = record("open " + p)) return -e;
    Node n{p, Kind::kFile, {}};
    if (p == "/dev/vfio/vfio") {
      n.kind = Kind::kContainer;
    } else if (p.starts_with("/dev/vfio/")) {
      n.kind = Kind::kGroup;
      if (groups_[p].open) return -EBUSY;  // vfio: one open of a group at a time
      groups_[p].open = true;
    } else if ((flags & O_ACCMODE) == O_RDONLY) {
      return -EACCES;  // the fake serves sysfs writes only
    }
    n.host = path;
    const int fd = next_fd_++;
    fds_.emplace(fd, n);
    return fd;
  }

  int close(int fd) override {
    auto it = fds_.find(fd);
    if (it == fds_.end()) {
      calls.push_back(fmt::format("close {} (not open)", fd));
      return -EBADF;
    }
    calls.push_back("close " + it->second.name);
    if (it->second.kind == Kind::kDevice) {
      --groups_[it->second.group].devices;
      // vfio-pci releases what the user left set; the backend should have cleared it.
      if (msix_.erase(it->second.bdf) != 0) {
        order_violations_.push_back("device " + it->second.bdf + " closed with MSI-X on");
      }
      if (req_.erase(it->second.bdf) != 0) {
        order_violations_.push_back("device " + it->second.bdf + " closed with its request channel set");
      }
    }
    if (it->second.kind == Kind::kGroup) {
      GroupState& g = groups_[it->second.name];
      g.open = false;
      if (g.attached) {
        detach(g);  // the kernel takes a closed group out of its container
        closed_while_attached_.push_back(it->second.name);
        calls.push_back("(kernel) group closed while in its container");
      }
    }
    if (it->second.kind == Kind::kContainer) containers_.erase(fd);
    fds_.erase(it);
    return 0;
  }

  int ioctl_int(int fd, unsigned long request, unsigned long arg) override {
    const Node* n = node(fd);
    switch (request) {
      case VFIO_GET_API_VERSION:
        if (int e = record("ioctl VFIO_GET_API_VERSION")) return -e;
        return n && n->kind == Kind::kContainer ? script.api_version : -ENOTTY;
      case VFIO_CHECK_EXTENSION:
        if (int e = record("ioctl VFIO_CHECK_EXTENSION " + iommu_name(arg))) return -e;
        if (!n || n->kind != Kind::kContainer) return -ENOTTY;
        if (arg == VFIO_TYPE1v2_IOMMU) return script.type1v2 ? 1 : 0;
        if (arg == VFIO_TYPE1_IOMMU) return script.type1 ? 1 : 0;
        if (arg == VFIO_NOIOMMU_IOMMU) return script.noiommu ? 1 : 0;
        return 0;
      case VFIO_SET_IOMMU:
        if (int e = record("ioctl VFIO_SET_IOMMU " + iommu_name(arg))) return -e;
        if (!n || n->kind != Kind::kContainer) return -ENOTTY;
        if (containers_[fd].groups == 0) return -EINVAL;  // a group first
        if (containers_[fd].iommu) return -EBUSY;
        containers_[fd].iommu = true;
        return 0;
      case VFIO_GROUP_UNSET_CONTAINER:
        if (int e = record("ioctl VFIO_GROUP_UNSET_CONTAINER")) return -e;
        if (!n || n->kind != Kind::kGroup) return -ENOTTY;
        if (!groups_[n->name].attached) return -EINVAL;
        if (groups_[n->name].devices > 0) return -EBUSY;  // device fds must be released first
        detach(groups_[n->name]);
        return 0;
      default:
        calls.push_back(fmt::format("ioctl_int {:#x}", request));
        return -ENOTTY;
    }
  }

  int ioctl_ptr(int fd, unsigned long request, void* arg) override {
    const Node* n = node(fd);
    switch (request) {
      case VFIO_GROUP_GET_STATUS: {
        if (int e = record("ioctl VFIO_GROUP_GET_STATUS")) return -e;
        if (!n || n->kind != Kind::kGroup) return -ENOTTY;
        auto* st = static_cast<vfio_group_status*>(arg);
        st->flags = (script.viable ? VFIO_GROUP_FLAGS_VIABLE : 0) |
                    (groups_[n->name].attached ? VFIO_GROUP_FLAGS_CONTAINER_SET : 0);
        return 0;
      }
      case VFIO_GROUP_SET_CONTAINER: {
        const int cfd = *static_cast<int*>(arg);
        const Node* c = node(cfd);
        if (int e = record("ioctl VFIO_GROUP_SET_CONTAINER " + (c ? c->name : "?"))) return -e;
        if (!n || n->kind != Kind::kGroup) return -ENOTTY;
        if (!c || c->kind != Kind::kContainer) return -EBADF;
        if (!script.viable) return -EPERM;
        GroupState& g = groups_[n->name];
        if (g.attached) return -EINVAL;
        g.attached = true;
        g.container = cfd;
        ++containers_[cfd].groups;
        return 0;
      }
      case VFIO_GROUP_GET_DEVICE_FD:
        return get_device_fd(n, static_cast<const char*>(arg));
      case VFIO_DEVICE_GET_INFO: {
        if (int e = record("ioctl VFIO_DEVICE_GET_INFO")) return -e;
        if (!n || n->kind != Kind::kDevice) return -ENOTTY;
        auto* info = static_cast<vfio_device_info*>(arg);
        info->flags = script.device_flags;
        info->num_regions = VFIO_PCI_NUM_REGIONS;
        info->num_irqs = VFIO_PCI_NUM_IRQS;
        return 0;
      }
      case VFIO_DEVICE_GET_REGION_INFO: {
        auto* ri = static_cast<vfio_region_info*>(arg);
        if (int e = record(fmt::format("ioctl VFIO_DEVICE_GET_REGION_INFO index={}", ri->index))) return -e;
        if (!n || n->kind != Kind::kDevice) return -ENOTTY;
        if (ri->index >= VFIO_PCI_NUM_REGIONS) return -EINVAL;
        ri->offset = uint64_t{ri->index} << kRegionShift;
        ri->flags = 0;
        ri->size = 0;
        if (ri->index == VFIO_PCI_BAR0_REGION_INDEX) {
          ri->size = script.bar0_size;
          ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
                      (script.bar0_mmap ? VFIO_REGION_INFO_FLAG_MMAP : 0);
        } else if (ri->index == VFIO_PCI_CONFIG_REGION_INDEX) {
          ri->size = config.size();
          ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
        }
        return 0;
      }
      case VFIO_DEVICE_GET_IRQ_INFO: {
        auto* irq = static_cast<vfio_irq_info*>(arg);
        if (int e = record(fmt::format("ioctl VFIO_DEVICE_GET_IRQ_INFO index={}", irq->index))) return -e;
        if (!n || n->kind != Kind::kDevice) return -ENOTTY;
        irq->flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_NORESIZE;
        irq->count = irq->index == VFIO_PCI_MSIX_IRQ_INDEX ? script.msix_count
                     : irq->index == VFIO_PCI_REQ_IRQ_INDEX && script.req_irq ? 1
                                                                              : 0;
        return 0;
      }
      case VFIO_DEVICE_SET_IRQS:
        return set_irqs(n, arg);
      case VFIO_DEVICE_FEATURE:
        return feature(n, arg);
      case VFIO_IOMMU_MAP_DMA: {
        auto* m = static_cast<vfio_iommu_type1_dma_map*>(arg);
        if (int e = record(fmt::format("ioctl VFIO_IOMMU_MAP_DMA iova={:#x} size={:#x}", m->iova, m->size))) return -e;
        if (!n || n->kind != Kind::kContainer) return -ENOTTY;
        if (!containers_[fd].iommu) return -EINVAL;
        if (m->flags != (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)) return -EINVAL;
        for (const auto& [iova, size] : dma_) {
          if (m->iova < iova + size && iova < m->iova + m->size) return -EEXIST;
        }
        if (locked_ + m->size > script.memlock) return -ENOMEM;
        locked_ += m->size;
        dma_.emplace(m->iova, m->size);
        return 0;
      }
      case VFIO_IOMMU_UNMAP_DMA: {
        auto* u = static_cast<vfio_iommu_type1_dma_unmap*>(arg);
        if (int e = record(fmt::format("ioctl VFIO_IOMMU_UNMAP_DMA iova={:#x} size={:#x}", u->iova, u->size))) return -e;
        if (!n || n->kind != Kind::kContainer) return -ENOTTY;
        auto it = dma_.find(u->iova);
        if (it == dma_.end() || it->second != u->size) {
          u->size = 0;
          return 0;  // type1 unmaps nothing and says so in size
        }
        locked_ -= it->second;
        dma_.erase(it);
        return 0;
      }
      default:
        calls.push_back(fmt::format("ioctl {:#x}", request));
        return -ENOTTY;
    }
  }

  ssize_t pread(int fd, void* buf, size_t len, off_t offset) override {
    const Node* n = node(fd);
    if (int e = record(access_line("pread", n, len, offset))) return -e;
    if (!n || n->kind != Kind::kDevice) return -EBADF;
    std::byte* mem = region_mem(offset, len);
    if (mem == nullptr) return -EINVAL;
    std::memcpy(buf, mem, len);
    return static_cast<ssize_t>(len);
  }

  ssize_t pwrite(int fd, const void* buf, size_t len, off_t offset) override {
    const Node* n = node(fd);
    if (n && n->kind == Kind::kFile) {
      const std::string text(static_cast<const char*>(buf), len);
      if (int e = record(fmt::format("pwrite {} \"{}\"", n->name, text))) return -e;
      std::ofstream(n->host, std::ios::trunc) << text << "\n";
      return static_cast<ssize_t>(len);
    }
    if (int e = record(access_line("pwrite", n, len, offset))) return -e;
    if (!n || n->kind != Kind::kDevice) return -EBADF;
    std::byte* mem = region_mem(offset, len);
    if (mem == nullptr) return -EINVAL;
    std::memcpy(mem, buf, len);
    return static_cast<ssize_t>(len);
  }

  void* mmap(int fd, size_t len, off_t offset, int* err) override {
    const auto index = static_cast<uint64_t>(offset) >> kRegionShift;
    const int e = record(fmt::format("mmap region{} len={:#x}", index, len));
    const Node* n = node(fd);
    int rc = e != 0 ? -e : 0;
    if (rc == 0 && (!n || n->kind != Kind::kDevice)) rc = -EBADF;
    if (rc == 0 && (index != VFIO_PCI_BAR0_REGION_INDEX || !script.bar0_mmap ||
                    len > script.bar0_size)) {
      rc = -EINVAL;
    }
    if (rc != 0) {
      if (err != nullptr) *err = rc;
      return nullptr;
    }
    void* p = bar0.data();
    mmaps_.emplace(p, len);
    return p;
  }

  int munmap(void* addr, size_t len) override {
    calls.push_back(fmt::format("munmap region0 len={:#x}", len));
    auto [lo, hi] = mmaps_.equal_range(addr);
    for (auto it = lo; it != hi; ++it) {
      if (it->second == len) {
        mmaps_.erase(it);
        return 0;
      }
    }
    return -EINVAL;
  }

  int eventfd() override {
    if (int e = record("eventfd")) return -e;
    const int fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) return -errno;
    eventfds_.push_back(fd);
    return fd;
  }

 private:
  enum class Kind { kContainer, kGroup, kDevice, kFile };
  struct Node {
    std::string name;  // what the records call it
    Kind kind;
    std::string host;  // the real path (sysfs files)
    std::string group{};  // a device: its group's node
    std::string bdf{};    // a device: its address
  };

  // Records the line; the scripted errno when one matches, else 0.
  int record(std::string line) {
    int err = 0;
    for (const auto& [prefix, e] : fails_) {
      if (line.starts_with(prefix)) err = e;
    }
    calls.push_back(std::move(line));
    return err;
  }
  std::string strip(const std::string& path) const {
    if (!root_.empty() && path.starts_with(root_ + "/")) return path.substr(root_.size());
    return path;
  }
  const Node* node(int fd) const {
    auto it = fds_.find(fd);
    return it == fds_.end() ? nullptr : &it->second;
  }
  static std::string iommu_name(unsigned long t) {
    switch (t) {
      case VFIO_TYPE1_IOMMU: return "VFIO_TYPE1_IOMMU";
      case VFIO_TYPE1v2_IOMMU: return "VFIO_TYPE1v2_IOMMU";
      case VFIO_NOIOMMU_IOMMU: return "VFIO_NOIOMMU_IOMMU";
      default: return std::to_string(t);
    }
  }
  static std::string access_line(std::string_view verb, const Node* n, size_t len, off_t offset) {
    (void)n;
    const auto o = static_cast<uint64_t>(offset);
    return fmt::format("{} region{} off={:#x} len={}", verb, o >> kRegionShift,
                       o & ((uint64_t{1} << kRegionShift) - 1), len);
  }
  std::byte* region_mem(off_t offset, size_t len) {
    const auto o = static_cast<uint64_t>(offset);
    const uint64_t index = o >> kRegionShift;
    const uint64_t at = o & ((uint64_t{1} << kRegionShift) - 1);
    if (index == VFIO_PCI_BAR0_REGION_INDEX && at + len <= script.bar0_size) {
      return reinterpret_cast<std::byte*>(bar0.data()) + at;
    }
    if (index == VFIO_PCI_CONFIG_REGION_INDEX && at + len <= config.size()) {
      return reinterpret_cast<std::byte*>(config.data()) + at;
    }
    return nullptr;
  }

  int get_device_fd(const Node* n, const char* name_arg) {
    const std::string name(name_arg);
    if (int e = record("ioctl VFIO_GROUP_GET_DEVICE_FD " + name)) return -e;
    if (!n || n->kind != Kind::kGroup) return -ENOTTY;
    const GroupState& g = groups_[n->name];
    if (!g.attached || !containers_[g.container].iommu) return -EINVAL;
    std::optional<std::string> token;
    std::string bdf = name;
    if (const auto sp = name.find(" vf_token="); sp != std::string::npos) {
      bdf = name.substr(0, sp);
      token = name.substr(sp + 10);
    }
    const bool vf_of_ours = !script.vfs_of_vfio_pf.empty() && is_vf(bdf);
    if (is_vf(bdf)) {
      if (!script.pf_on_vfio && !vf_of_ours) {
        if (token) return -EINVAL;  // "VF token incorrectly provided, PF not bound to vfio-pci"
      } else if (!token || token != script.token) {
        return -EACCES;  // "VF token required" / "Incorrect VF token"
      }
    } else if (script.vfs_in_use || vf_open()) {
      if (!token || token != script.token) return -EACCES;
    } else if (token) {
      script.token = token;  // a PF's token, set while no VF is open
    }
    ++groups_[n->name].devices;
    const int fd = next_fd_++;
    fds_.emplace(fd, Node{"device " + bdf, Kind::kDevice, {}, n->name, bdf});
    return fd;
  }

  int set_irqs(const Node* n, void* arg) {
    vfio_irq_set set{};
    std::memcpy(&set, arg, sizeof set);
    const bool eventfds = (set.flags & VFIO_IRQ_SET_DATA_EVENTFD) != 0;
    const bool none = (set.flags & VFIO_IRQ_SET_DATA_NONE) != 0;
    const std::string what = eventfds ? "EVENTFD" : none ? "NONE" : "BOOL";
    const std::string action = (set.flags & VFIO_IRQ_SET_ACTION_TRIGGER) ? "TRIGGER" : "MASK";
    const std::string index = set.index == VFIO_PCI_MSIX_IRQ_INDEX ? "MSIX"
                              : set.index == VFIO_PCI_REQ_IRQ_INDEX ? "REQ"
                                                                    : std::to_string(set.index);
    if (int e = record(fmt::format("ioctl VFIO_DEVICE_SET_IRQS {} {}|{} start={} count={}", index,
                                   what, action, set.start, set.count))) {
      return -e;
    }
    if (!n || n->kind != Kind::kDevice) return -ENOTTY;
    if (action != "TRIGGER") return -EINVAL;
    if (set.index == VFIO_PCI_REQ_IRQ_INDEX) return set_req(*n, set, arg);
    if (set.index != VFIO_PCI_MSIX_IRQ_INDEX) return -EINVAL;
    if (none && set.count == 0) {
      // The backend closes the eventfds only after MSI-X is off: the kernel would otherwise
      // signal a closed (or reused) fd number's file until then.
      check_still_open(*n, msix_[n->bdf], "MSI-X");
      msix_.erase(n->bdf);
      return 0;
    }
    if (!eventfds || set.start != 0 || set.count > script.msix_count) return -EINVAL;
    if (set.argsz < sizeof set + set.count * sizeof(int32_t)) return -EINVAL;
    std::vector<int>& fds = msix_[n->bdf];
    fds.resize(set.count);
    std::memcpy(fds.data(), static_cast<const uint8_t*>(arg) + sizeof set,
                set.count * sizeof(int32_t));
    return 0;
  }

  // vfio-pci's request trigger: index REQ, start 0, count 1 (an eventfd, -1 to unset), or
  // DATA_NONE with count 0 to release it.
  int set_req(const Node& n, const vfio_irq_set& set, void* arg) {
    if (!script.req_irq || set.start != 0 || set.count > 1) return -EINVAL;
    if ((set.flags & VFIO_IRQ_SET_DATA_NONE) != 0 && set.count == 0) {
      if (auto it = req_.find(n.bdf); it != req_.end()) {
        check_still_open(n, {it->second}, "the request channel");
        req_.erase(it);
      }
      return 0;
    }
    if ((set.flags & VFIO_IRQ_SET_DATA_EVENTFD) == 0 || set.count != 1) return -EINVAL;
    int32_t fd = -1;
    std::memcpy(&fd, static_cast<const uint8_t*>(arg) + sizeof set, sizeof fd);
    if (fd < 0) {
      req_.erase(n.bdf);
    } else {
      req_[n.bdf] = fd;
    }
    return 0;
  }

  void check_still_open(const Node& n, const std::vector<int>& fds, std::string_view what) {
    for (int fd : fds) {
      if (::fcntl(fd, F_GETFD) == -1) {
        order_violations_.push_back(fmt::format("{} of {} turned off after its eventfd {} closed",
                                                what, n.bdf, fd));
      }
    }
  }

  int feature(const Node* n, void* arg) {
    vfio_device_feature hdr{};
    std::memcpy(&hdr, arg, sizeof hdr);
    const uint8_t* data = static_cast<const uint8_t*>(arg) + sizeof hdr;
    std::string uuid;
    if ((hdr.flags & VFIO_DEVICE_FEATURE_MASK) == VFIO_DEVICE_FEATURE_PCI_VF_TOKEN &&
        hdr.argsz >= sizeof hdr + 16) {
      for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) uuid += '-';
        uuid += fmt::format("{:02x}", data[i]);
      }
    }
    const std::string verb = (hdr.flags & VFIO_DEVICE_FEATURE_SET) ? "SET" : "GET";
    if (int e = record(fmt::format("ioctl VFIO_DEVICE_FEATURE {} PCI_VF_TOKEN {}", verb, uuid))) return -e;
    if (!n || n->kind != Kind::kDevice) return -ENOTTY;
    if (is_vf(n->bdf)) return -ENOTTY;  // only a PF has a token
    if (verb != "SET" || uuid.empty()) return -EINVAL;
    script.token = uuid;
    return 0;
  }

  struct GroupState {
    bool open = false;
    bool attached = false;
    int container = -1;
    int devices = 0;  // device fds open
  };
  struct ContainerState {
    int groups = 0;
    bool iommu = false;
  };
  void detach(GroupState& g) {
    auto c = containers_.find(g.container);
    if (c != containers_.end() && --c->second.groups == 0) c->second.iommu = false;
    g.attached = false;
    g.container = -1;
  }
  bool is_vf(const std::string& bdf) const {
    return script.is_vf || std::find(script.vfs_of_vfio_pf.begin(), script.vfs_of_vfio_pf.end(),
                                     bdf) != script.vfs_of_vfio_pf.end();
  }
  bool vf_open() const {
    for (const auto& [fd, n] : fds_) {
      if (n.kind == Kind::kDevice && is_vf(n.bdf)) return true;
    }
    return false;
  }

  std::string root_;
  std::vector<std::pair<std::string, int>> fails_;
  std::map<int, Node> fds_;
  int next_fd_ = kFirstFd;
  std::map<std::string, GroupState> groups_;  // by node
  std::map<int, ContainerState> containers_;  // by fd
  std::map<uint64_t, uint64_t> dma_;
  uint64_t locked_ = 0;
  std::multimap<void*, size_t> mmaps_;            // every device's BAR0 is the one memory
  std::map<std::string, std::vector<int>> msix_;  // by device address
  std::map<std::string, int> req_;                // request channel eventfd, by address
  std::vector<int> eventfds_;
  std::vector<std::string> closed_while_attached_;
  std::vector<std::string> order_violations_;
};

}  // namespace vfio_test
