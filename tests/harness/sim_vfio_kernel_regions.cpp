// SimVfioKernel: config space and BAR0 through the device fd, sysfs files

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
  const uint16_t device = d.index < 0 ? dev_.pf().config().read16(hal::pci::kDeviceId) : hal::ixgbe::kDevice82599Vf;
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

}  // namespace sim_vfio
