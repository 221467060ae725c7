#pragma once
// The simulated IOMMU: a sorted table of IOVA ranges.

#include <mutex>
#include <shared_mutex>
#include <vector>

#include "hal/dma_domain.hpp"

namespace hal {

/// DmaDomain over a sorted range table. Maps are rare (setup), translations frequent; readers
/// share a lock. Thread-safe.
class IovaTable final : public DmaDomain {
 public:
  std::expected<void, Error> map(Iova iova, void* host, size_t len) override;
  std::expected<void, Error> unmap(Iova iova) override;
  std::expected<void*, Error> translate(Iova iova, size_t len) const override;
  /// Drops every mapping (function reset by its owner going away).
  void clear();
  size_t size() const;

 private:
  struct Range {
    uint64_t iova;
    uint64_t len;
    std::byte* host;
  };
  mutable std::shared_mutex mu_;
  std::vector<Range> ranges_;  // sorted by iova, non-overlapping
};

}  // namespace hal
