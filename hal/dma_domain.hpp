#pragma once
// A PCI function's DMA domain: the IOVA ranges its device may reach (the IOMMU's view).

#include <cstddef>
#include <expected>

#include "hal/types.hpp"

namespace hal {

/// The IOVA-to-host mapping of one function. On VFIO this is the container's IOMMU table; in
/// the simulation it is a table the device engine translates every DMA address through.
class DmaDomain {
 public:
  virtual ~DmaDomain() = default;
  /// Maps [iova, iova+len) to host memory at `host`. Errors: kInvalidArgument (len 0 or
  /// wraps), kOverlap (intersects an existing mapping).
  virtual std::expected<void, Error> map(Iova iova, void* host, size_t len) = 0;
  /// Removes the mapping that starts at `iova`. Errors: kOutOfRange if there is none.
  virtual std::expected<void, Error> unmap(Iova iova) = 0;
  /// Host address of [iova, iova+len) if the whole range lies in one mapping, else kDmaFault.
  virtual std::expected<void*, Error> translate(Iova iova, size_t len) const = 0;
};

}  // namespace hal
