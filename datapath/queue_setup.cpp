#include "datapath/queue_setup.hpp"

#include <atomic>
#include <bit>

namespace dp {

std::string_view to_string(QueueErrc c) {
  switch (c) {
    case QueueErrc::kInvalidArgument: return "invalid argument";
    case QueueErrc::kNoDevice: return "no device";
    case QueueErrc::kNoMemory: return "no memory";
    case QueueErrc::kDma: return "DMA mapping failed";
    case QueueErrc::kEnableTimeout: return "queue enable timeout";
    case QueueErrc::kNotReady: return "not ready";
  }
  return "unknown";
}

std::string to_string(const QueueError& e) { return fmt::format("{}: {}", e.code, e.detail); }

namespace detail {

QueueError bad_queue(std::string_view what, unsigned queue, unsigned limit) {
  return QueueError{QueueErrc::kInvalidArgument, fmt::format("{} {} >= {}", what, queue, limit)};
}

std::expected<void, QueueError> check_ring(unsigned ring_size) {
  if (ring_size < kMinRing || ring_size > kMaxRing || !std::has_single_bit(ring_size)) {
    return std::unexpected(QueueError{
        QueueErrc::kInvalidArgument,
        fmt::format("ring size {} is not a power of two in {}..{}", ring_size, kMinRing, kMaxRing)});
  }
  return {};
}

std::expected<void, QueueError> wait_ctl_bit(hal::RegisterIo& bar, hal::Reg32 ctl, uint32_t bit,
                                             bool want, hal::Waiter* waiter) {
  for (unsigned i = 0; i < kEnablePolls; ++i) {
    const uint32_t v = bar.read(ctl);
    if (v == hal::kDeviceGone) {
      return std::unexpected(QueueError{QueueErrc::kNoDevice,
                                        fmt::format("{:#x} reads all-ones", ctl.offset)});
    }
    if (((v & bit) != 0) == want) return {};
    if (waiter != nullptr) waiter->pause(kEnablePollInterval);
  }
  return std::unexpected(QueueError{
      QueueErrc::kEnableTimeout,
      fmt::format("{:#x} bit {:#x} did not read back {} after {} reads", ctl.offset, bit,
                  want ? 1 : 0, kEnablePolls)});
}

std::expected<DmaZone, QueueError> reserve_ring(hal::PciFunction& fn, std::string_view kind,
                                                unsigned queue, size_t len) {
  // Memzone names are process-wide and at most 31 characters: a counter makes them unique
  // across functions, devices and re-creations after a reset.
  static std::atomic<uint32_t> serial{0};
  const std::string name =
      fmt::format("skq{}{}-{}", kind, queue, serial.fetch_add(1, std::memory_order_relaxed));
  auto zone = DmaZone::reserve(fn.dma(), name, len);
  if (!zone) {
    const auto code = zone.error().code == DpdkErrc::kNoMemory ? QueueErrc::kNoMemory
                      : zone.error().code == DpdkErrc::kNoEal  ? QueueErrc::kInvalidArgument
                                                               : QueueErrc::kDma;
    return std::unexpected(QueueError{code, fmt::format("ring {}: {}", name, zone.error())});
  }
  return std::move(*zone);
}

}  // namespace detail
}  // namespace dp
