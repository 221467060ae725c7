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
  /// device), the BAR0 and config regions, the MSI-X interrupt count, the request interrupt. Errors: kNotSupported
  /// (not a PCI device, no BAR0), kSystem.
  static std::expected<Device, OpenError> describe(Fd fd, std::string_view subject);

  /// PF mode: VFIO_DEVICE_FEATURE SET PCI_VF_TOKEN, so VFs opened with the same token are
  /// accepted. Errors: kSystem (ENOTTY: a kernel before 5.7, or no SR-IOV capability).
  std::expected<void, OpenError> set_vf_token(const VfToken& t, std::string_view subject);

  /// VFIO_DEVICE_SET_IRQS DATA_EVENTFD|ACTION_TRIGGER on interrupt `index` from vector 0:
  /// vector i signals `eventfds[i]`. 0 or -errno.
  int set_irq_eventfds(uint32_t index, std::span<const int> eventfds);
  /// VFIO_DEVICE_SET_IRQS DATA_NONE|ACTION_TRIGGER with count 0 on `index`: the triggers
  /// released (MSI-X off; the request channel unregistered). 0 or -errno.
  int clear_irq(uint32_t index);
  /// set_irq_eventfds / clear_irq on VFIO_PCI_MSIX_IRQ_INDEX.
  int enable_msix(std::span<const int> eventfds);
  int disable_msix();

  int fd() const { return fd_.get(); }
  SysOps& ops() const { return fd_.ops(); }
  const Region& bar0() const { return bar0_; }
  const Region& config() const { return config_; }
  uint32_t msix_count() const { return msix_count_; }
  /// vfio-pci offers the device request interrupt (VFIO_PCI_REQ_IRQ_INDEX, one eventfd): how
  /// the kernel asks the user to release the device before it can unbind or remove it.
  bool has_req_irq() const { return has_req_; }
  uint32_t num_regions() const { return num_regions_; }

 private:
  explicit Device(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
  Region bar0_, config_;
  uint32_t msix_count_ = 0;
  uint32_t num_regions_ = 0;
  bool has_req_ = false;
};

}  // namespace hal::vfio
