#pragma once
// One PCI function as a driver sees it: BAR0 registers, config space, DMA domain, vectors.

#include <cstddef>
#include <expected>
#include <string>

#include "hal/config_space.hpp"
#include "hal/dma_domain.hpp"
#include "hal/event_fd.hpp"
#include "hal/register_io.hpp"
#include "hal/types.hpp"

namespace hal {

/// Everything a driver may touch of its function. A VF's handle reaches only its own BAR,
/// config space and DMA domain: isolation by construction.
class PciFunction {
 public:
  virtual ~PciFunction() = default;
  virtual RegisterIo& bar0() = 0;
  virtual ConfigSpace& config() = 0;
  virtual DmaDomain& dma() = 0;
  /// Number of MSI-X vectors the function has.
  virtual size_t num_vectors() const = 0;
  /// The eventfd signalled when vector `i` fires. Precondition: i < num_vectors().
  virtual const EventFd& vector(size_t i) const = 0;
  /// A name for logs, e.g. "sim0:0000:01:10.2" or "vfio:0000:03:10.0".
  virtual std::string name() const = 0;

  /// Makes `n` VFs appear (n > 0) or disappear (n == 0), as the OS's PCI core does for a PF
  /// driver (Linux pci_enable_sriov()/pci_disable_sriov()): the device learns it only through
  /// the SR-IOV capability in config space. The default writes that capability directly
  /// (ARI Capable Hierarchy, NumVFs, then VF Enable | VF MSE; or VF Enable off, then NumVFs 0),
  /// which is what the PCI core does on bare metal and what the simulation sees. A backend whose
  /// config space the OS guards overrides it: VFIO goes through sysfs sriov_numvfs, since
  /// vfio-pci drops a user's writes to that capability. The caller reads the capability back
  /// to see whether it took. Errors: kNoDevice (no SR-IOV capability), kSystem (the OS refused;
  /// logged by the backend with the reason).
  virtual std::expected<void, Error> set_sriov_num_vfs(unsigned n);
};

}  // namespace hal
