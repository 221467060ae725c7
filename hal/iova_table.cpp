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
  return {};
}

std::expected<void, Error> IovaTable::unmap(Iova iova) {
  std::unique_lock lock(mu_);
  auto it = std::find_if(ranges_.begin(), ranges_.end(),
                         [&](const Range& r) { return r.iova == iova.value(); });
  if (it == ranges_.end()) return std::unexpected(Error::kOutOfRange);
  ranges_.erase(it);
  return {};
}

std::expected<void*, Error> IovaTable::translate(Iova iova, size_t len) const {
  const uint64_t start = iova.value();
  if (start + len < start) return std::unexpected(Error::kDmaFault);
  std::shared_lock lock(mu_);
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), start,
                             [](uint64_t v, const Range& r) { return v < r.iova; });
  if (it == ranges_.begin()) return std::unexpected(Error::kDmaFault);
  --it;
  if (start + len > it->iova + it->len) return std::unexpected(Error::kDmaFault);
  return static_cast<void*>(it->host + (start - it->iova));
}

void IovaTable::clear() {
  std::unique_lock lock(mu_);
  ranges_.clear();
}

size_t IovaTable::size() const {
  std::shared_lock lock(mu_);
  return ranges_.size();
}

}  // namespace hal
