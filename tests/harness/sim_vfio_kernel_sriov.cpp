// SimVfioKernel: sriov_numvfs as the PCI core serves it, and interrupt relay

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
      // The kernel asks each VF's user for it back and blocks in vfio-pci's remove() until it
      // is released; one thread cannot wait for itself, so ask and refuse.
      request_vfs_back();
      dmesg(pf_bdf_ + ": VFs still in use; disabling SR-IOV waits for their release");
      return -EBUSY;
    }
    for (unsigned i = 0; i < vf_bdfs_.size(); ++i) {
      const std::string& bdf = vf_bdfs_[i];
      const unsigned group = vf_group(i);
      tree_.remove(tree_.dir_of(bdf));
      tree_.remove("/sys/bus/pci/devices/" + bdf);
      tree_.remove(tree_.dir_of(pf_bdf_) + "/virtfn" + std::to_string(i));
      if (cfg_.one_group) {
        tree_.remove(fmt::format("/sys/kernel/iommu_groups/{}/devices/{}", group, bdf));
      } else {
        tree_.remove(fmt::format("/sys/kernel/iommu_groups/{}", group));
        tree_.remove(fmt::format("/dev/vfio/{}", group));
      }
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
  tree_.add_vfs(pf_bdf_, bdfs, cfg_.vf_driver, vf_group(0), cfg_.one_group);
  if (cfg_.vf_driver == "vfio-pci" && !cfg_.one_group) {
    for (unsigned i = 0; i < n; ++i) tree_.add_group_node(vf_group(i));
  }
  vf_bdfs_ = std::move(bdfs);
  if (cfg_.one_group) {
    // New members of a group already in a container join its IOMMU domain and its maps.
    for (const auto& [gfd, g] : groups_) {
      auto c = containers_.find(g.container);
      if (g.number != cfg_.pf_group || c == containers_.end()) continue;
      for (unsigned i = 0; i < n; ++i) {
        if (auto fn = dev_.vf(hal::VfId{i})) map_into_function(c->second, **fn, true);
      }
    }
  }
  dmesg(fmt::format("{}: {} VFs enabled", pf_bdf_, n));
  return 0;
}

void SimVfioKernel::request_vfs_back() {
  for (auto& [fd, d] : devices_) {
    if (d.index >= 0) relay_request(d);
  }
}

bool SimVfioKernel::request_device_back(const std::string& bdf) {
  bool found = false;
  for (auto& [fd, d] : devices_) {
    if (d.bdf != bdf) continue;
    relay_request(d);
    found = true;
  }
  return found;
}

void SimVfioKernel::relay_request(Device& d) {
  if (d.req_fd < 0) {
    dmesg(d.bdf + ": No device request channel registered, blocked until released by user");
    return;
  }
  const uint64_t one = 1;
  if (::write(d.req_fd, &one, sizeof one) == static_cast<ssize_t>(sizeof one)) {
    dmesg(d.bdf + ": Relaying device request to user");
  }
}

}  // namespace sim_vfio
