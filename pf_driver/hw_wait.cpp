#include "pf_driver/hw_wait.hpp"

#include <algorithm>

namespace pf {

std::expected<void, Refusal> wait_for_bit(hal::RegisterIo& bar0, hal::Clock& clock,
                                          hal::Waiter& waiter, hal::Nanos timeout,
                                          hal::Nanos interval, hal::Reg32 r, uint32_t mask,
                                          bool set, const char* what) {
  bool gone = false;
  const bool ok = hal::poll_until(clock, waiter, timeout, interval, [&] {
    const uint32_t v = bar0.read(r);
    gone = v == hal::kDeviceGone;
    return gone || ((v & mask) != 0) == set;
  });
  if (gone) return std::unexpected(device_gone());
  if (ok) return {};
  return std::unexpected(Refusal{ErrorCode::kTimeout, what});
}

void settle(hal::Clock& clock, hal::Waiter& waiter, hal::Nanos d) {
  (void)hal::poll_until(clock, waiter, d, std::min(d, hal::Nanos(std::chrono::milliseconds(1))),
                        [] { return false; });
}

Refusal device_gone() { return Refusal{ErrorCode::kNoDevice, "device reads all-ones"}; }

}  // namespace pf
