#pragma once
// A VFIO device fd of a PCI function: what vfio-pci says about its regions and interrupts,
// and the calls made on the device itself.

#include <cstdint>
#include <expected>
#include <span>
#include <string>

#include "hal/vfio/fd.hpp"
#include "hal/vfio/open_error.hpp"
#include "hal/vfio/vf_token.hpp"

namespace hal::vfio {

/// One region of the device fd (a BAR, config space), as VFIO_DEVICE_GET_REGION_INFO gives it.
struct Region {
  uint32_t index = 0;
  uint32_t flags = 0;   ///< VFIO_REGION_INFO_FLAG_*
  uint64_t size = 0;    ///< 0: not implemented
  uint64_t offset = 0;  ///< where the region starts in the device fd (pread/pwrite/mmap)
  bool can_mmap() const;
};

class Device {
 public:
  /// Takes a device fd and reads its description: VFIO_DEVICE_GET_INFO (must be a vfio-pci
  /// device), the BAR0 and config regions, the MSI-X interrupt count. Errors: kNotSupported
  /// (not a PCI device, no BAR0), kSystem.
  static std::expected<Device, OpenError> describe(Fd fd, std::string_view subject);

  /// PF mode: VFIO_DEVICE_FEATURE SET PCI_VF_TOKEN, so VFs opened with the same token are
  /// accepted. Errors: kSystem (ENOTTY: a kernel before 5.7, or no SR-IOV capability).
  std::expected<void, OpenError> set_vf_token(const VfToken& t, std::string_view subject);

  /// VFIO_DEVICE_SET_IRQS for MSI-X: vector i signals `eventfds[i]`. 0 or -errno.
  int enable_msix(std::span<const int> eventfds);
  /// VFIO_DEVICE_SET_IRQS DATA_NONE|ACTION_TRIGGER with count 0: MSI-X off. 0 or -errno.
  int disable_msix();

  int fd() const { return fd_.get(); }
  SysOps& ops() const { return fd_.ops(); }
  const Region& bar0() const { return bar0_; }
  const Region& config() const { return config_; }
  uint32_t msix_count() const { return msix_count_; }
  uint32_t num_regions() const { return num_regions_; }

 private:
  explicit Device(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
  Region bar0_, config_;
  uint32_t msix_count_ = 0;
  uint32_t num_regions_ = 0;
};

}  // namespace hal::vfio
