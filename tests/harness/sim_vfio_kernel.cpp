// SimVfioKernel: construction, topology, fds and what is left open

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

namespace {

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

size_t SimVfioKernel::requests_registered() const {
  size_t n = 0;
  for (const auto& [fd, d] : devices_) n += d.req_fd >= 0 ? 1 : 0;
  return n;
}

hal::PciFunction& SimVfioKernel::kernel_pf() { return *kernel_pf_; }

std::string SimVfioKernel::dmesg(const std::string& line) {
  log_.push_back(line);
  return line;
}

// --- Topology ---------------------------------------------------------------------------------

std::vector<SimVfioKernel::Member> SimVfioKernel::members_of_group(unsigned group) const {
  std::vector<Member> out;
  if (group == cfg_.pf_group) out.push_back({-1, &dev_.pf(), pf_bdf_});
  for (unsigned vf = 0; vf < vf_bdfs_.size(); ++vf) {
    if (vf_group(vf) != group) continue;
    if (auto fn = dev_.vf(hal::VfId{vf})) out.push_back({static_cast<int>(vf), *fn, vf_bdfs_[vf]});
  }
  return out;
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
  if (!std::filesystem::exists(path)) return -ENOENT;
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
    }
    if (it->second.req_fd >= 0) {
      released_.push_back(fmt::format("device {} closed with its request channel set", it->second.bdf));
    }
    drop_irqs(it->second);
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
    if (d.req_fd >= 0) out.push_back(fmt::format("device {}: request channel set", d.bdf));
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
