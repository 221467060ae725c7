#include "hal/iova_table.hpp"

#include <algorithm>

namespace hal {

std::expected<void, Error> IovaTable::map(Iova iova, void* host, size_t len) {
  const uint64_t start = iova.value();
  if (len == 0 || host == nullptr || start + len < start) return std::unexpected(Error::kInvalidArgument);
  std::unique_lock lock(mu_);
  auto it = std::lower_bound(ranges_.begin(), ranges_.end(), start,
                             [](const Range& r, uint64_t v) { return r.iova < v; });
  if (it != ranges_.end() && it->iova < start + len) return std::unexpected(Error::kOverlap);
  if (it != ranges_.begin() && std::prev(it)->iova + std::prev(it)->len > start)
    return std::unexpected(Error::kOverlap);
  ranges_.insert(it, Range{start, len, static_cast<std::byte*>(host)});
  gen_.fetch_add(1, std::memory_order_release);
  return {};
}

std::expected<void, Error> IovaTable::unmap(Iova iova) {
  std::unique_lock lock(mu_);
  auto it = std::find_if(ranges_.begin(), ranges_.end(),
                         [&](const Range& r) { return r.iova == iova.value(); });
  if (it == ranges_.end()) return std::unexpected(Error::kOutOfRange);
  ranges_.erase(it);
  gen_.fetch_add(1, std::memory_order_release);
  return {};
}

const IovaTable::Range* IovaTable::find(uint64_t start, size_t len) const {
  if (start + len < start) return nullptr;
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), start,
                             [](uint64_t v, const Range& r) { return v < r.iova; });
  if (it == ranges_.begin()) return nullptr;
  --it;
  return start + len > it->iova + it->len ? nullptr : &*it;
}

std::expected<void*, Error> IovaTable::translate(Iova iova, size_t len) const {
  std::shared_lock lock(mu_);
  const Range* r = find(iova.value(), len);
  if (r == nullptr) return std::unexpected(Error::kDmaFault);
  return static_cast<void*>(r->host + (iova.value() - r->iova));
}

void* IovaTable::translate_slow(IovaCache& cache, uint64_t iova, size_t len) const {
  std::shared_lock lock(mu_);
  // Read under the lock: no change can land between this and the lookup.
  const uint64_t gen = gen_.load(std::memory_order_relaxed);
  if (cache.gen != gen) {
    cache.ways = {};
    cache.next = 0;
    cache.gen = gen;
  }
  const Range* r = find(iova, len);
  if (r == nullptr) return nullptr;
  cache.ways[cache.next] = IovaCache::Way{r->iova, r->iova + r->len, r->host};
  cache.next = (cache.next + 1) % IovaCache::kWays;
  return r->host + (iova - r->iova);
}

void IovaTable::clear() {
  std::unique_lock lock(mu_);
  ranges_.clear();
  gen_.fetch_add(1, std::memory_order_release);
}

size_t IovaTable::size() const {
  std::shared_lock lock(mu_);
  return ranges_.size();
}

}  // namespace hal
