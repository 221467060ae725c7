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

/// The newest mailbox API this driver implements (spec 4c): it speaks none of the 1.5 (new
/// mailbox locking), 1.6 (GET_PF_LINK_STATE) or 1.7 (FEATURES_NEGOTIATE) additions.
inline constexpr mbx::Api kMaxApi = mbx::Api::k14;

struct VfOptions {
  /// The newest mailbox API to offer. Negotiation walks down from here through 1.4, 1.3, 1.2,
  /// 1.1 to 1.0 (never 2.0, a Solaris dialect, nor 1.5-1.7, see kMaxApi).
  /// Clamped to kMaxApi (1.4) by the VfDriver constructor: a newer or unknown version offers
  /// 1.4 down. 2.0 ranks as 1.0, so it offers 1.0 only.
  mbx::Api max_api = kMaxApi;
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
  /// vector 2 wakes mailbox waits. Auto-clear, no auto-mask: the vector stays unmasked, so both
  /// the PF's read ack and its reply wake a wait. Off: interrupts stay masked and every wait
  /// polls.
  bool use_interrupts = false;
};

}  // namespace vf
