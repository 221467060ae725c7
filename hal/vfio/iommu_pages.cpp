#include "hal/vfio/iommu_pages.hpp"

#include <cerrno>
#include <iterator>

#include <fmt/format.h>

#include "hal/vfio/sys_failure.hpp"

namespace hal::vfio {

namespace {

constexpr uint64_t kPageMask = IommuPages::kPageSize - 1;

/// A page run [iova, iova+len) the kernel is to map.
struct PageRun {
  uint64_t iova;
  uint64_t len;
};

/// Why an unmap failed: an errno, or type1's "unmapped 0 bytes".
std::string unmap_refusal(int rc) {
  if (rc == Container::kNothingUnmapped) {
    return "the kernel holds no map there (it unmapped 0 bytes: the container was reset or "
           "the map removed underneath)";
  }
  return describe_errno(-rc);
}

}  // namespace

IommuPages::Map::iterator IommuPages::first_reaching(uint64_t iova) {
  auto it = kernel_.upper_bound(iova);
  if (it != kernel_.begin() && std::prev(it)->first + std::prev(it)->second.len > iova) --it;
  return it;
}

std::expected<std::vector<uint64_t>, Error> IommuPages::hold(uint64_t iova, const void* host,
                                                             uint64_t len, std::string_view subject,
                                                             const LogSink& log) {
  const auto addr = reinterpret_cast<uintptr_t>(host);
  const uint64_t page_iova = iova & ~kPageMask;
  const uint64_t page_end = ((iova + len - 1) | kPageMask) + 1;
  const uintptr_t page_vaddr = addr & ~kPageMask;

  std::lock_guard lock(mu_);
  // A page already in the IOMMU (this function's or another's of the container) must be the
  // same host page: the IOMMU has one translation per IOVA page.
  for (auto it = first_reaching(page_iova); it != kernel_.end() && it->first < page_end; ++it) {
    if (it->second.vaddr - it->first != page_vaddr - page_iova) {
      log_line(log, fmt::format("{}: DMA map of {:#x} bytes at iova {:#x} refused: its pages "
                                "share the IOMMU map at iova {:#x}, which maps them to other "
                                "host memory ({:#x})",
                                subject, len, iova, it->first, it->second.vaddr));
      return std::unexpected(Error::kOverlap);
    }
  }
  if (!map_gaps(page_iova, page_end, page_vaddr, subject, log)) {
    return std::unexpected(Error::kSystem);
  }
  std::vector<uint64_t> held;
  for (auto it = first_reaching(page_iova); it != kernel_.end() && it->first < page_end; ++it) {
    ++it->second.refs;
    held.push_back(it->first);
  }
  return held;
}

bool IommuPages::map_gaps(uint64_t page_iova, uint64_t page_end, uintptr_t page_vaddr,
                          std::string_view subject, const LogSink& log) {
  // Collect first: the maps added must not disturb the walk over the existing ones.
  std::vector<PageRun> gaps;
  uint64_t cursor = page_iova;
  for (auto it = first_reaching(page_iova); it != kernel_.end() && it->first < page_end; ++it) {
    if (it->first > cursor) gaps.push_back({cursor, it->first - cursor});
    cursor = it->first + it->second.len;
  }
  if (cursor < page_end) gaps.push_back({cursor, page_end - cursor});

  std::vector<uint64_t> added;
  for (const PageRun& g : gaps) {
    const uintptr_t vaddr = page_vaddr + (g.iova - page_iova);
    const int rc = c_->map_dma(g.iova, reinterpret_cast<const void*>(vaddr), g.len);
    if (rc < 0) {
      log_map_refusal(g.iova, g.len, rc, subject, log);
      // Undo this call's maps; one the kernel will not unmap stays listed (no one holds it)
      // for the destructor to try again.
      for (auto k = added.rbegin(); k != added.rend(); ++k) (void)unmap_kernel(*k, subject, log);
      return false;
    }
    kernel_.emplace(g.iova, KernelMap{g.len, vaddr, 0});
    added.push_back(g.iova);
  }
  return true;
}

void IommuPages::log_map_refusal(uint64_t iova, uint64_t len, int rc, std::string_view subject,
                                 const LogSink& log) const {
  const std::string head = fmt::format("{}: VFIO_IOMMU_MAP_DMA of {:#x} bytes at iova {:#x} "
                                       "refused: {}",
                                       subject, len, iova, describe_errno(-rc));
  switch (-rc) {
    case ENOMEM:
      log_line(log, head + ": the locked-memory limit is reached. Fix: ulimit -l unlimited (or "
                           "LimitMEMLOCK=infinity in the systemd unit), or run as root");
      return;
    case EINVAL:
      // vfio_iommu_type1 refuses an IOVA range that is reserved (the MSI window 0xfee00000,
      // a host bridge window) or beyond the IOMMU's address width.
      log_line(log, fmt::format("{}: the IOVA range is reserved or beyond the IOMMU's address "
                                "width. Fix: use IOVAs outside the ranges {}/reserved_regions "
                                "lists (e.g. not 0xfee00000-0xfeefffff), below the IOMMU's "
                                "width (DPDK: --iova-mode=va keeps IOVAs at user addresses)",
                                head, group_dir_));
      return;
    case ENOSPC:
      // type1 counts maps per container against its dma_entry_limit parameter.
      log_line(log, head + ": the container holds as many DMA maps as vfio_iommu_type1 allows "
                           "(dma_entry_limit). Fix: map fewer, larger regions (hugepages), or "
                           "raise the limit: echo 131072 > /sys/module/vfio_iommu_type1/"
                           "parameters/dma_entry_limit (applies to containers opened later)");
      return;
    default:
      log_line(log, head);
  }
}

bool IommuPages::unmap_kernel(uint64_t kiova, std::string_view subject, const LogSink& log) {
  auto it = kernel_.find(kiova);
  const int rc = c_->unmap_dma(kiova, it->second.len);
  if (rc < 0) {
    log_line(log, fmt::format("{}: VFIO_IOMMU_UNMAP_DMA of {:#x} bytes at iova {:#x} refused: {}",
                              subject, it->second.len, kiova, unmap_refusal(rc)));
    return false;
  }
  kernel_.erase(it);
  return true;
}

bool IommuPages::release(std::vector<uint64_t>& held, std::string_view subject,
                         const LogSink& log) {
  std::lock_guard lock(mu_);
  while (!held.empty()) {
    KernelMap& k = kernel_.at(held.back());
    if (k.refs > 1) {
      --k.refs;  // another byte range (of this function or another) still has bytes here
    } else if (!unmap_kernel(held.back(), subject, log)) {
      return false;
    }
    held.pop_back();
  }
  return true;
}

size_t IommuPages::kernel_maps() const {
  std::lock_guard lock(mu_);
  return kernel_.size();
}

IommuPages::~IommuPages() {
  // Maps an undo or a release could not remove. Order does not matter: they do not overlap.
  for (auto it = kernel_.rbegin(); it != kernel_.rend(); ++it) {
    const int rc = c_->unmap_dma(it->first, it->second.len);
    if (rc < 0) {
      log_line({}, fmt::format("{}: VFIO_IOMMU_UNMAP_DMA of {:#x} bytes at iova {:#x} refused: {}",
                               group_dir_, it->second.len, it->first, unmap_refusal(rc)));
    }
  }
}

}  // namespace hal::vfio
