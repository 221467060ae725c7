#pragma once
// What RxQueue and TxQueue share on their cold path: the error type of queue setup, ring-size
// checks, ring memory, and the bounded wait for a RXDCTL/TXDCTL ENABLE read-back.

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "hal/clock.hpp"
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
};

struct QueueError {
  QueueErrc code;
  std::string detail;
};

std::string_view to_string(QueueErrc c);
/// "<code>: <detail>" for logs.
std::string to_string(const QueueError& e);

namespace detail {

/// Smallest and largest ring: the 82599 wants multiples of 8 descriptors (128 bytes, spec 5b)
/// and RDLEN/TDLEN hold up to 64 Ki descriptors; uint16_t indices keep us below that.
inline constexpr uint16_t kMinRing = 8;
inline constexpr uint16_t kMaxRing = 32768;
/// Reads of RXDCTL/TXDCTL after setting or clearing ENABLE (ixgbevf polls 10 times, 1 ms
/// apart; IXGBE_MAX_RX_DESC_POLL).
inline constexpr unsigned kEnablePolls = 10;
inline constexpr hal::Nanos kEnablePollInterval{1'000'000};

/// kInvalidArgument unless `queue` is a VF queue slot and `ring_size` a power of two, a
/// multiple of 8, within kMinRing..kMaxRing.
std::expected<void, QueueError> check_ring(unsigned queue, unsigned ring_size);

/// Reads `ctl` up to kEnablePolls times (pausing through `waiter` between reads when it is not
/// null) until `bit` reads back as `want`. Errors: kNoDevice (all-ones), kEnableTimeout.
std::expected<void, QueueError> wait_ctl_bit(hal::RegisterIo& bar, hal::Reg32 ctl, uint32_t bit,
                                             bool want, hal::Waiter* waiter);

/// Reserves `len` bytes of zeroed, 128-byte aligned DMA memory mapped into `fn`'s domain, under
/// a process-unique memzone name built from `kind` and `queue`.
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
