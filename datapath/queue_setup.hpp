#pragma once
// What RxQueue and TxQueue share on their cold path: the error type of queue setup, the queue
// register layouts (a VF's view or the PF's), ring-size checks, ring memory, and the bounded
// wait for a RXDCTL/TXDCTL ENABLE read-back.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "hal/clock.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "hal/pci_function.hpp"
#include "hal/register_io.hpp"
#include "hal/types.hpp"
#include "datapath/dma_map.hpp"

namespace dp {

/// What went wrong setting a queue up.
enum class QueueErrc {
  kInvalidArgument,  ///< queue index, ring size, mempool or buffer size out of range
  kNoDevice,         ///< a register read all-ones: the function is gone
  kNoMemory,         ///< no ring memory, or the mempool could not fill the ring
  kDma,              ///< the ring memory could not be mapped into the function's DMA domain
  kEnableTimeout,    ///< RXDCTL/TXDCTL.ENABLE did not read back set within the bounded wait
  kNotReady,         ///< the function's driver cannot lend queues now (PF not initialized)
};

struct QueueError {
  QueueErrc code;
  std::string detail;
};

std::string_view to_string(QueueErrc c);
/// "<code>: <detail>" for logs.
std::string to_string(const QueueError& e);

// ---- Queue register layouts --------------------------------------------------------------
//
// One 82599 queue is reached through a different set of BAR0 offsets depending on the function
// that drives it: a VF sees its queues at VF-relative slots (VFRDBAL(n), spec 1b), the PF sees
// every queue at its absolute number (RDBAL(q), spec 2; RX queues 64..127 in a second block).
// The device aliases the two views of a VF's queue. RxQueue/TxQueue take the layout as a value
// picked once at creation: the bursts touch only the tail, cached from it, so the layout costs
// nothing per packet.

/// The receive registers of one queue, as the function that drives it addresses them.
struct RxQueueRegs {
  unsigned index = 0;  ///< the queue as that function numbers it (VF-relative or PF-absolute)
  hal::Reg32 rdbal{0}, rdbah{0}, rdlen{0}, rdh{0}, srrctl{0}, rdt{0}, rxdctl{0};
};

/// The transmit registers of one queue, as the function that drives it addresses them.
struct TxQueueRegs {
  unsigned index = 0;  ///< the queue as that function numbers it (VF-relative or PF-absolute)
  hal::Reg32 tdbal{0}, tdbah{0}, tdlen{0}, tdh{0}, tdt{0}, txdctl{0}, tdwbal{0}, tdwbah{0};
};

/// VF-relative RX queue `q` through a VF's BAR0; nullopt past the VF's 8 register slots.
constexpr std::optional<RxQueueRegs> vf_rx_regs(hal::QueueId q) {
  namespace r = hal::ixgbe::vf;
  const unsigned n = q.value();
  if (n >= r::kMaxQueues) return std::nullopt;
  return RxQueueRegs{n, r::VFRDBAL(n), r::VFRDBAH(n), r::VFRDLEN(n), r::VFRDH(n),
                     r::VFSRRCTL(n), r::VFRDT(n), r::VFRXDCTL(n)};
}

/// VF-relative TX queue `q` through a VF's BAR0; nullopt past the VF's 8 register slots.
constexpr std::optional<TxQueueRegs> vf_tx_regs(hal::QueueId q) {
  namespace r = hal::ixgbe::vf;
  const unsigned n = q.value();
  if (n >= r::kMaxQueues) return std::nullopt;
  return TxQueueRegs{n, r::VFTDBAL(n), r::VFTDBAH(n), r::VFTDLEN(n), r::VFTDH(n),
                     r::VFTDT(n), r::VFTXDCTL(n), r::VFTDWBAL(n), r::VFTDWBAH(n)};
}

/// Absolute RX queue `abs_queue` (0..127) through the PF's BAR0; nullopt past 127.
constexpr std::optional<RxQueueRegs> pf_rx_regs(unsigned abs_queue) {
  namespace r = hal::ixgbe::pf;
  const unsigned q = abs_queue;
  if (q >= r::kNumQueues) return std::nullopt;
  return RxQueueRegs{q, r::RDBAL(q), r::RDBAH(q), r::RDLEN(q), r::RDH(q),
                     r::SRRCTL(q), r::RDT(q), r::RXDCTL(q)};
}

/// Absolute TX queue `abs_queue` (0..127) through the PF's BAR0; nullopt past 127.
constexpr std::optional<TxQueueRegs> pf_tx_regs(unsigned abs_queue) {
  namespace r = hal::ixgbe::pf;
  const unsigned q = abs_queue;
  if (q >= r::kNumQueues) return std::nullopt;
  return TxQueueRegs{q, r::TDBAL(q), r::TDBAH(q), r::TDLEN(q), r::TDH(q),
                     r::TDT(q), r::TXDCTL(q), r::TDWBAL(q), r::TDWBAH(q)};
}

// The two views must describe the same register of a queue at the same place within its block.
static_assert(vf_rx_regs(hal::QueueId{3})->rdt.offset - vf_rx_regs(hal::QueueId{3})->rdbal.offset ==
              pf_rx_regs(99)->rdt.offset - pf_rx_regs(99)->rdbal.offset);
static_assert(vf_tx_regs(hal::QueueId{3})->tdwbah.offset - vf_tx_regs(hal::QueueId{3})->tdbal.offset ==
              pf_tx_regs(99)->tdwbah.offset - pf_tx_regs(99)->tdbal.offset);
static_assert(!vf_rx_regs(hal::QueueId{8}) && !pf_tx_regs(128));

namespace detail {

/// Smallest and largest ring: the 82599 wants multiples of 8 descriptors (128 bytes, spec 5b)
/// and RDLEN/TDLEN hold up to 64 Ki descriptors; uint16_t indices keep us below that.
inline constexpr uint16_t kMinRing = 8;
inline constexpr uint16_t kMaxRing = 32768;
/// Reads of RXDCTL/TXDCTL after setting or clearing ENABLE (ixgbevf polls 10 times, 1 ms
/// apart; IXGBE_MAX_RX_DESC_POLL).
inline constexpr unsigned kEnablePolls = 10;
inline constexpr hal::Nanos kEnablePollInterval{1'000'000};

/// kInvalidArgument unless `ring_size` is a power of two, a multiple of 8, within
/// kMinRing..kMaxRing.
std::expected<void, QueueError> check_ring(unsigned ring_size);

/// The error for a queue index no register layout has (`what`: "VF queue", "PF queue").
QueueError bad_queue(std::string_view what, unsigned queue, unsigned limit);

/// Reads `ctl` up to kEnablePolls times (pausing through `waiter` between reads when it is not
/// null) until `bit` reads back as `want`. Errors: kNoDevice (all-ones), kEnableTimeout.
std::expected<void, QueueError> wait_ctl_bit(hal::RegisterIo& bar, hal::Reg32 ctl, uint32_t bit,
                                             bool want, hal::Waiter* waiter);

/// Reserves `len` bytes of zeroed, 128-byte aligned DMA memory mapped into `fn`'s domain, under
/// a process-unique memzone name built from `kind` and `queue` (the layout's index).
std::expected<DmaZone, QueueError> reserve_ring(hal::PciFunction& fn, std::string_view kind,
                                                unsigned queue, size_t len);

}  // namespace detail
}  // namespace dp

template <>
struct fmt::formatter<dp::QueueErrc> : fmt::formatter<std::string_view> {
  auto format(dp::QueueErrc c, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(dp::to_string(c), ctx);
  }
};
template <>
struct fmt::formatter<dp::QueueError> : fmt::formatter<std::string_view> {
  auto format(const dp::QueueError& e, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(dp::to_string(e), ctx);
  }
};
