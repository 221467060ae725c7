#pragma once
// The VFIO container (/dev/vfio/vfio): one IOMMU context, holding the groups added to it and
// the DMA maps made in it.

#include <cerrno>
#include <cstdint>
#include <expected>
#include <string>

#include "hal/vfio/fd.hpp"
#include "hal/vfio/open_error.hpp"

namespace hal::vfio {

class Container {
 public:
  /// Opens `path` (the host's /dev/vfio/vfio, below a fixture root in tests), checks the API version and finds the IOMMU
  /// model: type1v2, else type1; or no-IOMMU when `noiommu` (the group is /dev/vfio/noiommu-N).
  /// `subject` names the function in errors. Errors: kNoVfio (no node, or a node whose
  /// module is not loaded: ENXIO/ENODEV), kNoPermission,
  /// kNoIommu (no usable IOMMU model), kSystem.
  static std::expected<Container, OpenError> open(SysOps& ops, const std::string& path,
                                                  bool noiommu, std::string_view subject);

  /// VFIO_SET_IOMMU with the model found by open(); only valid once a group is in the
  /// container. Errors: kNoIommu (type1 refuses an IOMMU without interrupt remapping: EPERM),
  /// kSystem.
  std::expected<void, OpenError> set_iommu(std::string_view subject);

  /// VFIO_IOMMU_MAP_DMA, readable and writable by the device. 0 or -errno.
  int map_dma(uint64_t iova, const void* vaddr, uint64_t size);
  /// What unmap_dma() returns when the kernel answered success but unmapped less than asked
  /// (type1 says so in the size it hands back: it holds no map there).
  static constexpr int kNothingUnmapped = -ENOENT;
  /// VFIO_IOMMU_UNMAP_DMA of exactly one earlier map. 0, or -errno, or kNothingUnmapped.
  int unmap_dma(uint64_t iova, uint64_t size);

  int fd() const { return fd_.get(); }
  SysOps& ops() const { return fd_.ops(); }
  /// VFIO_TYPE1v2_IOMMU, VFIO_TYPE1_IOMMU or VFIO_NOIOMMU_IOMMU.
  unsigned long iommu_type() const { return type_; }
  /// No-IOMMU containers have no DMA map ioctls: the device reaches physical addresses.
  bool noiommu() const { return noiommu_; }

 private:
  Container(Fd fd, unsigned long type, bool noiommu)
      : fd_(std::move(fd)), type_(type), noiommu_(noiommu) {}
  Fd fd_;
  unsigned long type_;
  bool noiommu_;
};

}  // namespace hal::vfio
