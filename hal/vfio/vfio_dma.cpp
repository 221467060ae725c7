#include "hal/vfio/vfio_dma.hpp"

#include <fmt/format.h>

namespace hal::vfio {

namespace {
constexpr uint64_t kDmaPageMask = VfioDma::kPageSize - 1;
}  // namespace

std::expected<void, Error> VfioDma::map(Iova iova, void* host, size_t len) {
  const uint64_t start = iova.value();
  const auto addr = reinterpret_cast<uintptr_t>(host);
  // The last byte's page must end below 2^64 too, or the rounded-out kernel range wraps.
  if (len == 0 || host == nullptr || start + len < start || addr + len < addr ||
      ((start + len - 1) | kDmaPageMask) == ~uint64_t{0}) {
    return std::unexpected(Error::kInvalidArgument);
  }
  if (((start ^ addr) & kDmaPageMask) != 0) {
    // The IOMMU maps pages: byte b of an IOVA page can only be byte b of a host page.
    log_line(log_, fmt::format("{}: DMA map of {:#x} bytes at iova {:#x} refused: host address "
                               "{:#x} has offset {:#x} within its 4 KiB page, the iova {:#x}; "
                               "the IOMMU maps whole pages, so both must agree (DPDK in IOVA-as-VA "
                               "mode, --iova-mode=va, keeps them equal)",
                               subject_, len, start, addr, addr & kDmaPageMask, start & kDmaPageMask));
    return std::unexpected(Error::kInvalidArgument);
  }
  if (c_->noiommu()) {
    // No-IOMMU containers have no DMA map ioctls: the device would need physical addresses.
    log_line(log_, fmt::format("{}: no DMA maps in VFIO no-IOMMU mode; enable the IOMMU "
                               "(intel_iommu=on or amd_iommu=on)",
                               subject_));
    return std::unexpected(Error::kSystem);
  }

  std::lock_guard lock(mu_);
  // The table refuses a byte overlap before the kernel sees the request, and holds the range
  // while the ioctls run so no other map of this function can take it.
  if (auto r = table_.map(iova, host, len); !r) return r;
  auto held = pages_->hold(start, host, len, subject_, log_);
  if (!held) {
    (void)table_.unmap(iova);
    return std::unexpected(held.error());
  }
  held_.emplace(start, std::move(*held));
  return {};
}

std::expected<void, Error> VfioDma::unmap(Iova iova) {
  std::lock_guard lock(mu_);
  auto u = held_.find(iova.value());
  if (u == held_.end()) return std::unexpected(Error::kOutOfRange);
  if (!pages_->release(u->second, subject_, log_)) return std::unexpected(Error::kSystem);
  (void)table_.unmap(iova);
  held_.erase(u);
  return {};
}

VfioDma::~VfioDma() {
  // Newest first, as a teardown undoes a bring-up. A map the kernel still refuses to remove
  // stays with the container, whose destructor tries once more.
  for (auto it = held_.rbegin(); it != held_.rend(); ++it) {
    (void)pages_->release(it->second, subject_, log_);
  }
}

}  // namespace hal::vfio
