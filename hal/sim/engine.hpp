#pragma once
// State of the simulated 82599's device engine (TX rings -> switch -> RX rings and the wire).
// The engine's logic is DeviceModel's (engine_tx.cpp, engine_rx.cpp), run under the device lock
// by poll_once(); this header holds what it keeps between passes and the DMA helpers it uses.
// Behaviour and assumptions: docs/sim-model.md, "Device engine".

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "hal/iova_table.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/sim/accounting.hpp"
#include "hal/sim/rss.hpp"
#include "hal/sim/tx_shaper.hpp"
#include "hal/sim/wire_port.hpp"

namespace sim {

/// What a DMA fault hit.
enum class DmaFaultKind : uint8_t {
  kTxDescriptor,  ///< reading a TX descriptor (TDBAL/H + 16 * index)
  kTxBuffer,      ///< reading a TX data buffer
  kTxHeadWb,      ///< writing the TX head (TDWBAL/H)
  kRxDescriptor,  ///< reading or writing an RX descriptor
  kRxBuffer,      ///< writing an RX packet buffer
};
std::string_view to_string(DmaFaultKind k);

/// One DMA fault: the queue stopped (its ENABLE bit cleared) and nothing was read or written
/// outside the function's domain.
struct DmaFault {
  int function = -1;   ///< -1 the PF, else the VF whose domain was used
  unsigned queue = 0;  ///< absolute queue index
  DmaFaultKind kind = DmaFaultKind::kTxDescriptor;
  uint64_t iova = 0;
  uint32_t len = 0;
};

/// Descriptor rings are 128-byte aligned: the low 7 bits of TDBAL and RDBAL are ignored.
inline constexpr uint32_t kRingBaseAlignMask = 0x7F;

/// memcpy for frame bytes: short copies (most frames) inline as 16-byte moves, the rest
/// through libc. A libc call per 64-byte frame showed in profiles.
inline void copy_frame(uint8_t* dst, const uint8_t* src, size_t n) {
  if (n < 16 || n > 256) {
    std::memcpy(dst, src, n);
    return;
  }
  size_t i = 0;
  for (; i + 16 <= n; i += 16) std::memcpy(dst + i, src + i, 16);
  if (i != n) std::memcpy(dst + n - 16, src + n - 16, 16);  // overlapping tail
}

/// Stores `v` into a descriptor or head word in DMA memory after everything written before it:
/// pairs with the driver's acquire load of DD (or of the head) before it reads the rest.
inline void store_release(uint8_t* p, uint32_t v) {
  if (reinterpret_cast<uintptr_t>(p) % alignof(uint32_t) == 0) {
    std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(p)).store(v, std::memory_order_release);
  } else {
    // TSan does not model fences (GCC refuses them under -fsanitize=thread); see
    // datapath/barriers.hpp. Descriptor words are 4-byte aligned in practice, so a TSan build
    // never reaches this branch.
#if !defined(__SANITIZE_THREAD__)
    std::atomic_thread_fence(std::memory_order_release);
#endif
    std::memcpy(p, &v, sizeof v);
  }
}

/// Adds `n` to a 36-bit octet counter kept as 32 LSBs + 4 MSBs (spec 1c; it wraps).
inline void add36(uint32_t& lsb, uint32_t& msb, uint64_t n) {
  const uint64_t v = ((uint64_t{msb} << 32) | lsb) + n;
  lsb = static_cast<uint32_t>(v);
  msb = static_cast<uint32_t>(v >> 32) & 0xF;
}

/// The engine's state between passes. Owned by DeviceModel, touched only under its lock.
struct EngineState {
  /// Longest frame the engine moves (9.5 KiB jumbo plus headroom; the 82599 MAC's limit is
  /// about 15.5 KiB). Longer TX chains or wire frames are counted as `oversize`.
  static constexpr size_t kMaxFrame = 16 * 1024;
  /// Longest TX descriptor chain for one frame (the 82599 allows 40 data descriptors per
  /// packet, datasheet 7.2.3.2.5); longer chains are `oversize`.
  static constexpr unsigned kMaxTxChain = 40;
  /// Frames one pass takes per TX queue, and from the wire: a pass is bounded.
  static constexpr unsigned kTxBudgetPerQueue = 32;
  static constexpr unsigned kWireBudget = 32;
  /// Faults kept in the log (older ones are dropped; dma_fault_count keeps counting).
  static constexpr size_t kFaultLogSize = 64;

  EngineState() : wire(std::make_shared<MemoryWire>()) {
    frame.reserve(kMaxFrame + 4);
    tagged.reserve(kMaxFrame + 8);
    rx_bytes.reserve(kMaxFrame + 8);
  }

  Accounting acct;
  std::array<QueueCounters, hal::ixgbe::pf::kNumQueues> queues{};
  /// The VLAN of the two context-descriptor slots per TX queue (DCMD.VLE uses IDX's slot).
  std::array<std::array<uint16_t, 2>, hal::ixgbe::pf::kNumQueues> ctx_vlan{};
  /// TX queues a pass left with descriptors still to take (budget spent, or held back by the
  /// rate limiter): polled next pass.
  std::array<uint64_t, 2> tx_carry{};
  /// RSS as MRQC/RXCSUM/RSSRK/RETA/PSRTYPE say (docs/sim-model.md "RSS"); rebuilt before the
  /// next frame when one of them was written.
  std::unique_ptr<RssState> rss = std::make_unique<RssState>();
  bool rss_stale = true;
  /// Queues per pool (GCR_EXT.VT_MODE; 0 without VT), decoded at the start of each pass.
  unsigned per_pool = 0;
  /// This pass: the earliest time a queue the rate limiter held back may send (UINT64_MAX: none).
  uint64_t shaper_due = UINT64_MAX;
  /// Per-queue TX rate limiting (RTTBCNRC), in the device clock's time.
  TxShaper shaper{TxShaper::kLink10G, kShaperSlackNs};
  /// Polling slack the rate limiter forgives (credit an idle queue may bank): an engine thread
  /// parks at most until the next limited frame is due, so lateness stays well under this.
  static constexpr uint64_t kShaperSlackNs = 100'000;
  /// The engine's translation caches, one per function: [0] the PF, [1 + n] VF n.
  std::array<hal::IovaCache, hal::ixgbe::pf::kMaxVfs + 1> dma_cache{};
  std::vector<DmaFault> fault_log;
  uint64_t dma_fault_count = 0;
  std::shared_ptr<WirePort> wire;
  // Scratch buffers, reserved once: a pass allocates nothing in steady state.
  std::vector<uint8_t> frame;     ///< the gathered TX frame or the wire frame
  std::vector<uint8_t> tagged;    ///< the frame with the switch's inserted tag
  std::vector<uint8_t> rx_bytes;  ///< one copy with its tag stripped or hidden
  /// A VF's single-buffer frame, copied out of guest memory before the switch looks at it: the
  /// guest could rewrite its buffer between the anti-spoof check and the delivery otherwise.
  alignas(64) std::array<uint8_t, kMaxFrame> tx_copy{};

  void record_fault(const DmaFault& f) {
    ++dma_fault_count;
    if (fault_log.size() == kFaultLogSize) fault_log.erase(fault_log.begin());
    fault_log.push_back(f);
  }
};

}  // namespace sim
