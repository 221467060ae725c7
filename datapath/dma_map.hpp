#pragma once
// DPDK memory made reachable by a PCI function: an rte_mempool's memory chunks mapped into the
// function's DMA domain (as VFIO's DMA map does on real hardware), and DMA zones (memzones) for
// descriptor rings. Both are RAII: the mappings go when the object goes.

#include <cstddef>
#include <expected>
#include <span>
#include <string_view>
#include <vector>

#include "hal/dma_domain.hpp"
#include "hal/types.hpp"
#include "datapath/eal.hpp"

struct rte_mempool;
struct rte_memzone;

namespace dp {

/// Mappings of host memory in one DMA domain, each removed (DmaDomain::unmap) on destruction.
/// Move-only. The domain must outlive the object, and the memory must stay allocated while it
/// is mapped: destroy the DmaMapping before freeing the mempool, or the device could still
/// reach memory that has gone back to the allocator.
///
/// Thread safety: one object is used by one thread; the domain itself is thread-safe.
class DmaMapping {
 public:
  /// Maps every memory chunk of `mp` (rte_mempool_mem_iter) at the chunk's IOVA, so every
  /// object's IOVA (an mbuf's buf_iova) translates to its virtual address. All or nothing: on
  /// an error the chunks already mapped are unmapped again.
  /// Errors: kBadIova (a chunk has RTE_BAD_IOVA), kOverlap (a chunk intersects a mapping
  /// already in `dma`, e.g. the same pool mapped twice), kDmaMap (the domain refused the chunk
  /// otherwise), kInvalidArgument (the pool has no memory yet).
  static std::expected<DmaMapping, DpdkError> map_mempool(hal::DmaDomain& dma, rte_mempool& mp);

  /// Maps one range [iova, iova+len) to `host`. Errors: kOverlap, kDmaMap (len 0, a wrapping
  /// range or a null host address).
  static std::expected<DmaMapping, DpdkError> map_range(hal::DmaDomain& dma, hal::Iova iova,
                                                        void* host, size_t len);

  /// An object that maps nothing.
  DmaMapping() = default;
  DmaMapping(DmaMapping&& other) noexcept;
  DmaMapping& operator=(DmaMapping&& other) noexcept;
  DmaMapping(const DmaMapping&) = delete;
  DmaMapping& operator=(const DmaMapping&) = delete;
  ~DmaMapping();

  /// Unmaps everything now. A range the domain no longer has (the domain was cleared by a
  /// function reset) is skipped.
  void reset();
  /// The IOVAs at which the mapped ranges start, in mapping order.
  std::span<const hal::Iova> ranges() const { return iovas_; }
  bool empty() const { return iovas_.empty(); }

 private:
  explicit DmaMapping(hal::DmaDomain& dma) : dma_(&dma) {}
  std::expected<void, DpdkError> add(hal::Iova iova, void* host, size_t len);

  hal::DmaDomain* dma_ = nullptr;
  std::vector<hal::Iova> iovas_;
};

/// DMA-able memory for a descriptor ring (or a head write-back word): an IOVA-contiguous,
/// aligned memzone, zero-filled, mapped into a function's DMA domain. Move-only; the
/// destructor unmaps, then frees the memzone. The domain must outlive the zone.
///
/// Thread safety: as DmaMapping. Reserving and freeing memzones is thread-safe in DPDK.
class DmaZone {
 public:
  /// Descriptor ring base alignment: the low 7 bits of VFRDBAL/VFTDBAL are zero (DPDK ixgbe's
  /// IXGBE_ALIGN); ring lengths are multiples of 128 bytes too (spec 5b).
  static constexpr unsigned kRingAlign = 128;
  /// Longest memzone name DPDK takes (RTE_MEMZONE_NAMESIZE - 1).
  static constexpr size_t kMaxNameLen = 31;

  /// Reserves `len` bytes aligned to `align` (a power of two) with rte_memzone_reserve_aligned
  /// (IOVA-contiguous), zeroes them (so no stale DD bit looks like a completion) and maps them
  /// at their IOVA into `dma`. `name` must be unique among the process's memzones;
  /// `socket_id` is a NUMA node or -1 (SOCKET_ID_ANY).
  /// Errors: kNoEal (no EAL is running), kInvalidArgument (len 0, empty or too long a name, a
  /// name in use, a bad alignment), kNoMemory, kBadIova, kOverlap, kDmaMap.
  static std::expected<DmaZone, DpdkError> reserve(hal::DmaDomain& dma, std::string_view name,
                                                   size_t len, unsigned align = kRingAlign,
                                                   int socket_id = -1);

  DmaZone(DmaZone&& other) noexcept;
  DmaZone& operator=(DmaZone&& other) noexcept;
  DmaZone(const DmaZone&) = delete;
  DmaZone& operator=(const DmaZone&) = delete;
  ~DmaZone();

  /// The CPU's view of the memory.
  void* addr() const { return addr_; }
  /// The device's view: what goes into VFRDBAL/H or VFTDBAL/H.
  hal::Iova iova() const { return iova_; }
  /// The length asked for (the memzone may be longer; only this much is mapped).
  size_t size() const { return len_; }
  std::span<std::byte> bytes() const { return {static_cast<std::byte*>(addr_), len_}; }

 private:
  DmaZone(const rte_memzone* mz, DmaMapping mapping, size_t len);
  void release();

  const rte_memzone* mz_ = nullptr;
  DmaMapping mapping_;  // unmapped before the memzone is freed (release())
  void* addr_ = nullptr;
  hal::Iova iova_;
  size_t len_ = 0;
};

}  // namespace dp
