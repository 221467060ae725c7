#pragma once
// The kernel's DMA maps of one VFIO container, page by page. A container is one IOMMU domain:
// every function of every group in it sees the same IOVA space, so when functions of one IOMMU
// group share a container their byte-range maps may share pages, and only the container can
// tell when a page is still needed.

#include <cstdint>
#include <expected>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "hal/types.hpp"
#include "hal/vfio/container.hpp"
#include "hal/vfio/log_sink.hpp"

namespace hal::vfio {

/// The VFIO_IOMMU_MAP_DMA maps a container holds, refcounted by the byte-range maps that need
/// them. A byte range is rounded out to 4 KiB pages (the type1 IOMMU maps whole pages); a page
/// run no kernel map covers yet is mapped once, by the first range that needs it, and unmapped
/// when the last range holding it goes. Kernel maps are never merged or split (type1v2 refuses
/// an unmap that would split one). Thread-safe: one mutex serialises the ioctls with the table.
class IommuPages {
 public:
  static constexpr uint64_t kPageSize = 4096;

  /// `c` must outlive this object. `group_dir` is /sys/kernel/iommu_groups/N, named in the
  /// fix for a map the IOMMU refuses (its reserved_regions).
  IommuPages(Container& c, std::string group_dir) : c_(&c), group_dir_(std::move(group_dir)) {}
  IommuPages(const IommuPages&) = delete;
  IommuPages& operator=(const IommuPages&) = delete;
  /// Unmaps whatever is left (maps an earlier unmap could not remove); failures logged.
  ~IommuPages();

  /// Holds the pages around the bytes [iova, iova+len) at `host` (iova and host at the same
  /// offset within a page, len > 0, no wrap: the caller checked). Returns the kernel maps (by
  /// iova) now held once more, for release(). Errors: kOverlap (a page is already mapped to
  /// another host page: logged), kSystem (the kernel refused: logged with its fix; nothing
  /// kept). `subject` names the function in log lines.
  std::expected<std::vector<uint64_t>, Error> hold(uint64_t iova, const void* host, uint64_t len,
                                                   std::string_view subject, const LogSink& log);
  /// Drops one hold of each kernel map in `held`, from the back, unmapping the maps no one holds
  /// any more. False (logged) when the kernel refused an unmap: `held` then lists exactly what
  /// is still held, for a later call to try again.
  bool release(std::vector<uint64_t>& held, std::string_view subject, const LogSink& log);

  /// The kernel maps held now.
  size_t kernel_maps() const;

 private:
  struct KernelMap {
    uint64_t len;
    uintptr_t vaddr;
    unsigned refs;  // byte-range maps holding it
  };
  using Map = std::map<uint64_t, KernelMap>;

  /// The first kernel map that ends after `iova` (it may start before). mu_ held.
  Map::iterator first_reaching(uint64_t iova);
  /// Maps every page run of [page_iova, page_end) no kernel map covers yet; on a refusal
  /// unmaps the runs this call added and returns false (logged). mu_ held.
  bool map_gaps(uint64_t page_iova, uint64_t page_end, uintptr_t page_vaddr,
                std::string_view subject, const LogSink& log);
  /// VFIO_IOMMU_UNMAP_DMA of the kernel map at `kiova`, dropped on success; false (logged) on a
  /// refusal. mu_ held.
  bool unmap_kernel(uint64_t kiova, std::string_view subject, const LogSink& log);
  void log_map_refusal(uint64_t iova, uint64_t len, int rc, std::string_view subject,
                       const LogSink& log) const;

  Container* c_;
  std::string group_dir_;
  mutable std::mutex mu_;
  Map kernel_;  // by iova; non-overlapping: what the kernel holds
};

}  // namespace hal::vfio
