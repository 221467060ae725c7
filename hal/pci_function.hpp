#pragma once
// One PCI function as a driver sees it: BAR0 registers, config space, DMA domain, vectors.

#include <cstddef>
#include <string>

#include "hal/config_space.hpp"
#include "hal/dma_domain.hpp"
#include "hal/event_fd.hpp"
#include "hal/register_io.hpp"

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
};

}  // namespace hal
