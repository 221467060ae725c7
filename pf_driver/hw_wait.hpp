#pragma once
// Bounded waits on one register bit, and the wait times the bring-up and teardown steps share.
// Internal to pf_driver/.

#include <chrono>
#include <expected>

#include "hal/clock.hpp"
#include "hal/register_io.hpp"
#include "pf_driver/errors.hpp"

namespace pf {

/// Linux polls these bits every few microseconds; the bound is the caller's timeout.
inline constexpr hal::Nanos kHwPollInterval = std::chrono::microseconds(10);
/// How long the security RX path may take to drain after SECRXCTRL.RX_DIS (Linux
/// ixgbe_disable_rx_buff_generic: 40 polls, 1 ms apart). A drain that does not finish is
/// tolerated, as Linux does: it only logs.
inline constexpr hal::Nanos kSecRxDrainTimeout = std::chrono::milliseconds(40);
/// The step of the SECRX drain poll (Linux: 1 ms).
inline constexpr hal::Nanos kSecRxDrainInterval = std::chrono::milliseconds(1);

/// Polls `r` every `interval` until (r & mask) != 0 equals `set`, for at most `timeout`.
/// Errors: kTimeout with `what`; kNoDevice when the register reads all-ones (the device is
/// gone: no point waiting further).
std::expected<void, Refusal> wait_for_bit(hal::RegisterIo& bar0, hal::Clock& clock,
                                          hal::Waiter& waiter, hal::Nanos timeout,
                                          hal::Nanos interval, hal::Reg32 r, uint32_t mask,
                                          bool set, const char* what);

/// Lets `d` pass on `clock` through `waiter` without touching the device (datasheet settle
/// times). With a stepping waiter the simulated system runs meanwhile.
void settle(hal::Clock& clock, hal::Waiter& waiter, hal::Nanos d);

/// The Refusal for a BAR that reads all-ones.
Refusal device_gone();

}  // namespace pf
