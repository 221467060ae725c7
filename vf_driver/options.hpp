#pragma once
// The VF driver's lifecycle states and its tunables.

#include <chrono>
#include <cstdint>
#include <string_view>

#include "hal/clock.hpp"
#include "mailbox/message.hpp"
#include "mailbox/vf_mailbox.hpp"

namespace vf {

/// Lifecycle of a VfDriver.
enum class State {
  kDown,       ///< constructed, never brought up
  kResetting,  ///< a bring-up is under way, or waits for the PF to leave reset (RSTI)
  kUp,         ///< bring-up finished: MAC, API, queues and user configuration are in place
  kFailed,     ///< the last bring-up failed; service() tries again (unless the device is gone)
};
std::string_view to_string(State s);

struct VfOptions {
  /// The newest mailbox API to offer. Negotiation walks down from here to 1.0 (never 2.0, a
  /// Solaris dialect, nor 1.5, which needs the newer mailbox locking this driver does not do).
  mbx::Api max_api = mbx::Api::k14;
  /// Mailbox transport timing (Linux: 2000 tries x 500 us).
  mbx::VfMailboxParams mbx;
  /// How long to wait for a reset indication after VFCTRL.RST. Linux waits 200 x 5 us; a
  /// scheduled simulation needs more slack, hence 1 ms.
  hal::Nanos reset_timeout = std::chrono::milliseconds(1);
  /// How long probe() waits while RSTI says the PF is not ready. service() never waits this
  /// long: it leaves the driver in kResetting and looks again on its next call.
  hal::Nanos pf_ready_timeout = std::chrono::seconds(2);
  /// Seeds the random locally administered MAC used when the PF assigns none. Give each VF its
  /// own seed: the driver cannot tell VFs apart, and equal seeds give equal MACs (when the PF
  /// refuses a MAC as taken, the driver moves on along the seed's stream, so equal seeds
  /// still work, at the cost of one exchange per collision).
  uint64_t mac_seed = 0;
  /// Map the "other" cause (mailbox) to MSI-X vector 2 and unmask it, so a hal::EventWaiter on
  /// vector 2 wakes mailbox waits. Off: interrupts stay masked and every wait polls.
  bool use_interrupts = false;
};

}  // namespace vf
