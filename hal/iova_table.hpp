#pragma once
// The simulated IOMMU: a sorted table of IOVA ranges.

#include <array>
#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "hal/dma_domain.hpp"

namespace hal {

/// What one reader (the device engine, for one function) remembers of the ranges it hit last,
/// so a translation in steady state is a generation check and a bounds compare, no lock.
/// Owned by one thread. Rings and mbuf pools are a handful of ranges, hence a few ways.
struct IovaCache {
  static constexpr unsigned kWays = 4;
  struct Way {
    uint64_t iova = 0, end = 0;  // [iova, end)
    std::byte* host = nullptr;
  };
  uint64_t gen = ~uint64_t{0};  // the table generation the ways were filled under
  std::array<Way, kWays> ways{};
  unsigned next = 0;  // the way the next miss replaces (round robin)
};

/// DmaDomain over a sorted range table. Maps are rare (setup), translations frequent; readers
/// share a lock, or use translate_cached() and take no lock while nothing was (un)mapped.
/// Thread-safe.
///
/// As with an IOMMU, a translation races with an unmap of the same range: the caller may
/// still use the address it got just before the unmap completed. Owners unmap only after
/// stopping the queues that use the range (the drivers do).
class IovaTable final : public DmaDomain {
 public:
  std::expected<void, Error> map(Iova iova, void* host, size_t len) override;
  std::expected<void, Error> unmap(Iova iova) override;
  std::expected<void*, Error> translate(Iova iova, size_t len) const override;
  /// translate() through `cache`: without a lock while the table is unchanged since the
  /// cache was filled and the range is one the cache holds. nullptr on a fault.
  void* translate_cached(IovaCache& cache, uint64_t iova, size_t len) const {
    const uint64_t end = iova + len;
    if (cache.gen == gen_.load(std::memory_order_acquire) && end >= iova) {
      for (const IovaCache::Way& w : cache.ways) {
        if (iova >= w.iova && end <= w.end) return w.host + (iova - w.iova);
      }
    }
    return translate_slow(cache, iova, len);
  }
  /// Drops every mapping (function reset by its owner going away).
  void clear();
  size_t size() const;

 private:
  struct Range {
    uint64_t iova;
    uint64_t len;
    std::byte* host;
  };
  void* translate_slow(IovaCache& cache, uint64_t iova, size_t len) const;
  /// The range holding [start, start + len), or nullptr; mu_ held.
  const Range* find(uint64_t start, size_t len) const;

  mutable std::shared_mutex mu_;
  std::vector<Range> ranges_;  // sorted by iova, non-overlapping
  /// Bumped after every change of ranges_ (under mu_): caches filled before it are stale.
  std::atomic<uint64_t> gen_{0};
};

}  // namespace hal
