#include "datapath/dma_map.hpp"

#include <cerrno>
#include <cstring>
#include <utility>

#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_mempool.h>
#include <rte_memzone.h>

namespace dp {

namespace {

struct Chunk {
  unsigned index;
  void* addr;
  rte_iova_t iova;
  size_t len;
};

std::vector<Chunk> mempool_chunks(rte_mempool& mp) {
  std::vector<Chunk> chunks;
  rte_mempool_mem_iter(
      &mp,
      [](rte_mempool*, void* opaque, rte_mempool_memhdr* hdr, unsigned idx) {
        static_cast<std::vector<Chunk>*>(opaque)->push_back({idx, hdr->addr, hdr->iova, hdr->len});
      },
      &chunks);
  return chunks;
}

DpdkError map_error(hal::Error e, hal::Iova iova, size_t len, std::string_view what) {
  const auto code = e == hal::Error::kOverlap ? DpdkErrc::kOverlap : DpdkErrc::kDmaMap;
  return {code, fmt::format("{} [{}, +{:#x}): {}", what, iova, len, e)};
}

}  // namespace

std::expected<DmaMapping, DpdkError> DmaMapping::map_mempool(hal::DmaDomain& dma,
                                                            rte_mempool& mp) {
  const std::vector<Chunk> chunks = mempool_chunks(mp);
  if (chunks.empty()) {
    return std::unexpected(DpdkError{DpdkErrc::kInvalidArgument,
                                     fmt::format("mempool {} has no memory chunk", mp.name)});
  }
  // Check every chunk before mapping any: a pool that cannot be mapped whole leaves no trace.
  for (const Chunk& c : chunks) {
    if (c.iova == RTE_BAD_IOVA) {
      return std::unexpected(DpdkError{
          DpdkErrc::kBadIova,
          fmt::format("mempool {} chunk {} at {} (+{:#x}) has no IOVA", mp.name, c.index,
                      c.addr, c.len)});
    }
  }
  DmaMapping m(dma);
  m.iovas_.reserve(chunks.size());
  for (const Chunk& c : chunks) {
    if (auto r = m.add(hal::Iova{c.iova}, c.addr, c.len); !r) {
      r.error().detail = fmt::format("mempool {} chunk {}: {}", mp.name, c.index, r.error().detail);
      return std::unexpected(std::move(r.error()));  // m's destructor unmaps the earlier chunks
    }
  }
  return m;
}

std::expected<DmaMapping, DpdkError> DmaMapping::map_range(hal::DmaDomain& dma, hal::Iova iova,
                                                          void* host, size_t len) {
  DmaMapping m(dma);
  if (auto r = m.add(iova, host, len); !r) return std::unexpected(std::move(r.error()));
  return m;
}

std::expected<void, DpdkError> DmaMapping::add(hal::Iova iova, void* host, size_t len) {
  if (auto r = dma_->map(iova, host, len); !r) {
    return std::unexpected(map_error(r.error(), iova, len, "map"));
  }
  iovas_.push_back(iova);
  return {};
}

DmaMapping::DmaMapping(DmaMapping&& other) noexcept
    : dma_(std::exchange(other.dma_, nullptr)), iovas_(std::exchange(other.iovas_, {})) {}

DmaMapping& DmaMapping::operator=(DmaMapping&& other) noexcept {
  if (this != &other) {
    reset();
    dma_ = std::exchange(other.dma_, nullptr);
    iovas_ = std::exchange(other.iovas_, {});
  }
  return *this;
}

DmaMapping::~DmaMapping() { reset(); }

void DmaMapping::reset() {
  // Newest first, the reverse of mapping. kOutOfRange means the domain dropped the range
  // already (a function reset clears it); there is nothing else unmap can fail on.
  for (auto it = iovas_.rbegin(); it != iovas_.rend(); ++it) (void)dma_->unmap(*it);
  iovas_.clear();
}

// ---- DmaZone

std::expected<DmaZone, DpdkError> DmaZone::reserve(hal::DmaDomain& dma, std::string_view name,
                                                   size_t len, unsigned align, int socket_id) {
  if (!Eal::running()) {
    return std::unexpected(DpdkError{DpdkErrc::kNoEal, "DmaZone::reserve needs a running Eal"});
  }
  if (name.empty() || name.size() > kMaxNameLen || len == 0) {
    return std::unexpected(DpdkError{
        DpdkErrc::kInvalidArgument,
        fmt::format("memzone \"{}\" of {} bytes: name must be 1..{} characters, length > 0",
                    name, len, kMaxNameLen)});
  }
  const std::string zname(name);
  // IOVA-contiguous: the device walks a ring by IOVA; one range maps it whole.
  const rte_memzone* mz =
      rte_memzone_reserve_aligned(zname.c_str(), len, socket_id, RTE_MEMZONE_IOVA_CONTIG, align);
  if (mz == nullptr) {
    const int err = rte_errno;
    const DpdkErrc code = err == ENOMEM || err == ENOSPC ? DpdkErrc::kNoMemory
                          : err == E_RTE_NO_CONFIG || err == E_RTE_SECONDARY
                              ? DpdkErrc::kNoEal
                              : DpdkErrc::kInvalidArgument;  // EINVAL, EEXIST (name in use)
    return std::unexpected(DpdkError{
        code, fmt::format("rte_memzone_reserve_aligned(\"{}\", {}, align {}): {}", zname, len,
                          align, rte_strerror(err))});
  }
  if (mz->iova == RTE_BAD_IOVA) {
    rte_memzone_free(mz);
    return std::unexpected(
        DpdkError{DpdkErrc::kBadIova, fmt::format("memzone \"{}\" has no IOVA", zname)});
  }
  std::memset(mz->addr, 0, len);
  auto mapping = DmaMapping::map_range(dma, hal::Iova{mz->iova}, mz->addr, len);
  if (!mapping) {
    rte_memzone_free(mz);
    mapping.error().detail = fmt::format("memzone \"{}\": {}", zname, mapping.error().detail);
    return std::unexpected(std::move(mapping.error()));
  }
  return DmaZone(mz, std::move(*mapping), len);
}

DmaZone::DmaZone(const rte_memzone* mz, DmaMapping mapping, size_t len)
    : mz_(mz), mapping_(std::move(mapping)), addr_(mz->addr), iova_(mz->iova), len_(len) {}

DmaZone::DmaZone(DmaZone&& other) noexcept
    : mz_(std::exchange(other.mz_, nullptr)),
      mapping_(std::move(other.mapping_)),
      addr_(std::exchange(other.addr_, nullptr)),
      iova_(std::exchange(other.iova_, hal::Iova{})),
      len_(std::exchange(other.len_, 0)) {}

DmaZone& DmaZone::operator=(DmaZone&& other) noexcept {
  if (this != &other) {
    release();
    mz_ = std::exchange(other.mz_, nullptr);
    mapping_ = std::move(other.mapping_);
    addr_ = std::exchange(other.addr_, nullptr);
    iova_ = std::exchange(other.iova_, hal::Iova{});
    len_ = std::exchange(other.len_, 0);
  }
  return *this;
}

DmaZone::~DmaZone() { release(); }

void DmaZone::release() {
  // Unmap first: the device must not reach the memory once DPDK may hand it out again.
  mapping_.reset();
  if (mz_ != nullptr) rte_memzone_free(std::exchange(mz_, nullptr));
}

}  // namespace dp
