#include "hal/vfio/vfio_dma.hpp"

#include <cerrno>
#include <iterator>

#include <fmt/format.h>

#include "hal/vfio/sys_failure.hpp"

namespace hal::vfio {

namespace {

constexpr uint64_t kDmaPageMask = VfioDma::kPageSize - 1;

/// A page run [iova, iova+len) the kernel is to map at vaddr.
struct DmaPageRun {
  uint64_t iova;
  uint64_t len;
};

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
  const uint64_t page_iova = start & ~kDmaPageMask;
  const uint64_t page_end = ((start + len - 1) | kDmaPageMask) + 1;
  const uintptr_t page_vaddr = addr & ~kDmaPageMask;

  std::lock_guard lock(mu_);
  // The table refuses a byte overlap before the kernel sees the request, and holds the range
  // while the ioctls run so no other map can take it.
  if (auto r = table_.map(iova, host, len); !r) return r;

  // A page shared with an earlier map is already in the IOMMU: it must be the same host page.
  for (auto it = first_reaching(page_iova); it != kernel_.end() && it->first < page_end; ++it) {
    if (it->second.vaddr - it->first != page_vaddr - page_iova) {
      (void)table_.unmap(iova);
      log_line(log_, fmt::format("{}: DMA map of {:#x} bytes at iova {:#x} refused: its pages "
                                 "share the IOMMU map at iova {:#x}, which maps them to other "
                                 "host memory ({:#x})",
                                 subject_, len, start, it->first, it->second.vaddr));
      return std::unexpected(Error::kOverlap);
    }
  }

  if (!map_gaps(page_iova, page_end, page_vaddr)) {
    (void)table_.unmap(iova);
    return std::unexpected(Error::kSystem);
  }
  UserMap user;
  for (auto it = first_reaching(page_iova); it != kernel_.end() && it->first < page_end; ++it) {
    ++it->second.refs;
    user.kernel.push_back(it->first);
  }
  user_.emplace(start, std::move(user));
  return {};
}

std::map<uint64_t, VfioDma::KernelMap>::iterator VfioDma::first_reaching(uint64_t iova) {
  auto it = kernel_.upper_bound(iova);
  if (it != kernel_.begin() && std::prev(it)->first + std::prev(it)->second.len > iova) --it;
  return it;
}

bool VfioDma::map_gaps(uint64_t page_iova, uint64_t page_end, uintptr_t page_vaddr) {
  // Collect first: the maps added must not disturb the walk over the existing ones.
  std::vector<DmaPageRun> gaps;
  uint64_t cursor = page_iova;
  for (auto it = first_reaching(page_iova); it != kernel_.end() && it->first < page_end; ++it) {
    if (it->first > cursor) gaps.push_back({cursor, it->first - cursor});
    cursor = it->first + it->second.len;
  }
  if (cursor < page_end) gaps.push_back({cursor, page_end - cursor});

  std::vector<uint64_t> added;
  for (const DmaPageRun& g : gaps) {
    const uintptr_t vaddr = page_vaddr + (g.iova - page_iova);
    const int rc = c_->map_dma(g.iova, reinterpret_cast<const void*>(vaddr), g.len);
    if (rc < 0) {
      log_map_refusal(g.iova, g.len, rc);
      // Undo this call's maps; one the kernel will not unmap stays listed (no user map holds
      // it) for the destructor to try again.
      for (auto k = added.rbegin(); k != added.rend(); ++k) (void)unmap_kernel(*k);
      return false;
    }
    kernel_.emplace(g.iova, KernelMap{g.len, vaddr, 0});
    added.push_back(g.iova);
  }
  return true;
}

void VfioDma::log_map_refusal(uint64_t iova, uint64_t len, int rc) {
  if (rc == -ENOMEM) {
    log_line(log_, fmt::format("{}: VFIO_IOMMU_MAP_DMA of {:#x} bytes at iova {:#x} refused: {}: "
                               "the locked-memory limit is reached. Fix: ulimit -l unlimited (or "
                               "LimitMEMLOCK=infinity in the systemd unit), or run as root",
                               subject_, len, iova, describe_errno(ENOMEM)));
  } else {
    log_line(log_, fmt::format("{}: VFIO_IOMMU_MAP_DMA of {:#x} bytes at iova {:#x} refused: {}",
                               subject_, len, iova, describe_errno(-rc)));
  }
}

bool VfioDma::unmap_kernel(uint64_t kiova) {
  auto it = kernel_.find(kiova);
  const int rc = c_->unmap_dma(kiova, it->second.len);
  if (rc < 0) {
    log_line(log_, fmt::format("{}: VFIO_IOMMU_UNMAP_DMA of {:#x} bytes at iova {:#x} refused: {}",
                               subject_, it->second.len, kiova, describe_errno(-rc)));
    return false;
  }
  kernel_.erase(it);
  return true;
}

std::expected<void, Error> VfioDma::unmap(Iova iova) {
  std::lock_guard lock(mu_);
  auto u = user_.find(iova.value());
  if (u == user_.end()) return std::unexpected(Error::kOutOfRange);
  std::vector<uint64_t>& held = u->second.kernel;
  // Release from the end so a refusal leaves `held` listing exactly what is still held.
  while (!held.empty()) {
    KernelMap& k = kernel_.at(held.back());
    if (k.refs > 1) {
      --k.refs;  // another user map still has bytes on these pages
    } else if (!unmap_kernel(held.back())) {
      return std::unexpected(Error::kSystem);
    }
    held.pop_back();
  }
  (void)table_.unmap(iova);
  user_.erase(u);
  return {};
}

VfioDma::~VfioDma() {
  // Whatever the user maps still hold, and any map an undo could not remove. Order does not
  // matter to the IOMMU: the kernel maps do not overlap.
  for (auto it = kernel_.rbegin(); it != kernel_.rend(); ++it) {
    const int rc = c_->unmap_dma(it->first, it->second.len);
    if (rc < 0) {
      log_line(log_, fmt::format("{}: VFIO_IOMMU_UNMAP_DMA of {:#x} bytes at iova {:#x} refused: {}",
                                 subject_, it->second.len, it->first, describe_errno(-rc)));
    }
  }
}

}  // namespace hal::vfio
