#pragma once
// The DMA domain of a VFIO function: host memory mapped into its container's IOMMU.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "hal/dma_domain.hpp"
#include "hal/iova_table.hpp"
#include "hal/vfio/container.hpp"
#include "hal/vfio/log_sink.hpp"

namespace hal::vfio {

/// DmaDomain over VFIO_IOMMU_MAP_DMA/UNMAP_DMA, with the maps kept in an IovaTable so
/// translate() answers without the kernel. Every map left is unmapped on destruction.
///
/// A user map is a byte range (DPDK mempool chunks and memzones are not page-aligned); the
/// type1 IOMMU maps whole pages. So each user map is rounded out to 4 KiB pages for the
/// kernel, and two user maps may share a boundary page. The kernel maps are refcounted: a
/// page run is mapped once, by the first user map that needs it, and unmapped when the last
/// user map holding it goes. Kernel maps are never merged or split (type1v2 refuses an unmap
/// that would split one). Thread-safe.
class VfioDma final : public DmaDomain {
 public:
  static constexpr size_t kPageSize = 4096;

  /// `c` must outlive the domain. `subject` names the function in log lines.
  VfioDma(Container& c, std::string subject, LogSink log)
      : c_(&c), subject_(std::move(subject)), log_(std::move(log)) {}
  VfioDma(const VfioDma&) = delete;
  VfioDma& operator=(const VfioDma&) = delete;
  ~VfioDma() override;

  /// Maps the bytes [iova, iova+len) to `host`; the kernel is asked for the pages around them
  /// that no earlier map holds yet. Errors: kInvalidArgument (len 0, null host, wraps, or iova
  /// and host differ in their offset within a page: logged), kOverlap (the byte range
  /// intersects an existing map, or a page it shares with one maps to another host page:
  /// refused before the kernel is asked), kSystem (the kernel refused: logged, ENOMEM with the
  /// memlock fix; nothing kept; kDmaFault never).
  std::expected<void, Error> map(Iova iova, void* host, size_t len) override;
  /// Removes the user map starting at `iova`, unmapping the kernel maps no other user map
  /// holds. Errors: kOutOfRange (no map starts at `iova`), kSystem (the kernel refused an
  /// unmap: logged; the user map is kept with the kernel maps still held, as the IOMMU still
  /// holds them, and a later unmap() or the destructor tries again).
  std::expected<void, Error> unmap(Iova iova) override;
  std::expected<void*, Error> translate(Iova iova, size_t len) const override {
    return table_.translate(iova, len);
  }
  /// The number of user maps.
  size_t size() const { return table_.size(); }

 private:
  /// One VFIO_IOMMU_MAP_DMA the kernel holds: whole pages.
  struct KernelMap {
    uint64_t len;
    uintptr_t vaddr;
    unsigned refs;  // user maps holding it
  };
  /// One map() call: its byte range and the kernel maps (by iova) its pages lie in.
  struct UserMap {
    std::vector<uint64_t> kernel;
  };

  /// The first kernel map that ends after `iova` (it may start before). mu_ held.
  std::map<uint64_t, KernelMap>::iterator first_reaching(uint64_t iova);
  /// Asks the kernel for every page run of [page_iova, page_end) no kernel map covers yet,
  /// each as its own kernel map with no holder. On a refusal, unmaps the runs this call added
  /// and returns false (logged). mu_ held.
  bool map_gaps(uint64_t page_iova, uint64_t page_end, uintptr_t page_vaddr);
  /// VFIO_IOMMU_UNMAP_DMA of the kernel map at `kiova`, dropped from kernel_ on success;
  /// false (logged) on a refusal. mu_ held.
  bool unmap_kernel(uint64_t kiova);
  void log_map_refusal(uint64_t iova, uint64_t len, int rc);

  Container* c_;
  std::string subject_;
  LogSink log_;
  std::mutex mu_;                         // serialises the ioctls with the table updates
  std::map<uint64_t, KernelMap> kernel_;  // by iova; non-overlapping, what the kernel holds
  std::map<uint64_t, UserMap> user_;      // by iova; what map() was asked for
  IovaTable table_;                       // the exact byte ranges, for overlaps and translate
};

}  // namespace hal::vfio
