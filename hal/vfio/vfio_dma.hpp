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
#include "hal/vfio/iommu_pages.hpp"
#include "hal/vfio/log_sink.hpp"

namespace hal::vfio {

/// DmaDomain of one function over its container's IommuPages, with the function's own byte
/// ranges kept in an IovaTable so translate() answers without the kernel. Every map left is
/// released on destruction.
///
/// A user map is a byte range (DPDK mempool chunks and memzones are not page-aligned); the
/// container rounds it out to pages and refcounts them, so two maps (of this function, or of
/// another function in the same IOMMU group, which shares the container) may share a boundary
/// page. Thread-safe.
class VfioDma final : public DmaDomain {
 public:
  static constexpr size_t kPageSize = IommuPages::kPageSize;

  /// `c` (for its no-IOMMU state) and `pages` (its maps) must outlive the domain. `subject`
  /// names the function in log lines.
  VfioDma(const Container& c, IommuPages& pages, std::string subject, LogSink log)
      : c_(&c), pages_(&pages), subject_(std::move(subject)), log_(std::move(log)) {}
  VfioDma(const VfioDma&) = delete;
  VfioDma& operator=(const VfioDma&) = delete;
  ~VfioDma() override;

  /// Maps the bytes [iova, iova+len) to `host`; the kernel is asked for the pages around them
  /// that the container holds no map for yet. Errors: kInvalidArgument (len 0, null host,
  /// wraps, or iova and host differ in their offset within a page: logged), kOverlap (the byte
  /// range intersects an existing map of this function, or a page it shares with any map in
  /// the container maps to another host page: refused before the kernel is asked), kSystem
  /// (the kernel refused: logged with the fix the errno points to; nothing kept; no-IOMMU
  /// containers refuse every map; kDmaFault never).
  std::expected<void, Error> map(Iova iova, void* host, size_t len) override;
  /// Removes the user map starting at `iova`, unmapping the kernel maps nothing else in the
  /// container holds. Errors: kOutOfRange (no map starts at `iova`), kSystem (the kernel
  /// refused an unmap: logged; the user map is kept with the pages still held, as the IOMMU
  /// still holds them, and a later unmap() or the destructor tries again).
  std::expected<void, Error> unmap(Iova iova) override;
  std::expected<void*, Error> translate(Iova iova, size_t len) const override {
    return table_.translate(iova, len);
  }
  /// The number of user maps.
  size_t size() const { return table_.size(); }

 private:
  const Container* c_;
  IommuPages* pages_;
  std::string subject_;
  LogSink log_;
  std::mutex mu_;                                    // serialises map/unmap with the tables
  std::map<uint64_t, std::vector<uint64_t>> held_;   // user map iova -> kernel maps it holds
  IovaTable table_;                                  // the exact byte ranges
};

}  // namespace hal::vfio
