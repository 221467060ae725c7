#pragma once
// Configuration of the PF driver and the administrator's policy hook.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "hal/clock.hpp"
#include "hal/types.hpp"
#include "mailbox/message.hpp"

namespace pf {

/// `ip link set ... vf N state auto|enable|disable`.
enum class LinkState { kAuto, kEnable, kDisable };

std::string_view to_string(LinkState s);

/// The PF's mailbox flood policy (pf_driver/mailbox_guard.hpp, docs/reliability.md). The 82599
/// has no hardware malicious-driver detection: a VF that floods its mailbox is caught by this
/// software policy alone. OFF by default (rate_per_s and event_rate_per_s 0) until the open
/// review findings in docs/reliability.md are fixed: VF drivers read a NACK over the rate as a
/// permanent refusal (a legitimate restore of more than `burst` requests would end
/// misconfigured), and the event budget can hide events the administrator must see.
/// recommended() gives the values the tests exercise.
struct MailboxFloodPolicy {
  /// Requests per second each VF is served in the long run; 0 turns the whole policy off.
  /// Requests over it are NACKed (VF_RESET excepted: it is always served, but it counts).
  uint32_t rate_per_s = 0;
  /// Requests a VF may send back to back beyond the rate (the bucket's depth); 0 counts as 1.
  uint32_t burst = 128;
  /// Requests over the rate are reported in one kMailboxRateLimited event per VF per interval,
  /// with the count, never one per request. Below 1 ms it counts as 1 ms.
  hal::Nanos report_interval = std::chrono::seconds(1);
  /// A VF over its rate in every interval for this long is disabled (kMailboxFloodDisabled):
  /// its link state is forced to disable as `ip link set ... vf N state disable` does. Zero:
  /// never disabled, only rate-limited. An administrator's set_vf_link_state(auto|enable) or
  /// an FLR of the VF re-enables it.
  hal::Nanos disable_after = std::chrono::seconds(5);
  /// Events about a VF's own requests and resets (refusals, decode errors, API negotiated, FLR,
  /// ...) kept per second in the long run; the rest are counted and reported in one
  /// kVfEventsLeftOut per interval, so no VF can push the other events out of the bounded log,
  /// not even within its request rate. 0 keeps every event.
  uint32_t event_rate_per_s = 0;
  /// Such events a VF may cause back to back (a bring-up causes about five); 0 counts as 1.
  uint32_t event_burst = 64;

  /// 1000 requests/s with a burst of 128, reported each second, disabled after 5 s of
  /// flooding; 20 events/s with a burst of 64.
  static constexpr MailboxFloodPolicy recommended() {
    MailboxFloodPolicy p;
    p.rate_per_s = 1000;
    p.event_rate_per_s = 20;
    return p;
  }
};

struct PfOptions {
  /// The PF's own MAC (RAR 0). Zero: keep what the EEPROM loaded into RAR 0, if valid.
  hal::MacAddr mac;
  /// The PF's MTU: 68..9710. Above 1500 the PF runs jumbo, which on the 82599 shuts API 1.0
  /// VFs out of receive (spec 7, SET_LPE).
  uint32_t mtu = 1500;
  /// Events the log holds before overwriting the oldest.
  size_t event_capacity = 4096;
  /// Bound on each hardware wait of init()/reset() (master disable, reset, EEPROM, DMA).
  hal::Nanos reset_timeout = std::chrono::milliseconds(100);
  /// Per-VF mailbox rate limit and what happens to a VF that floods (MailboxFloodPolicy).
  MailboxFloodPolicy mailbox_flood;
};

enum class PolicyVerdict { kProceed, kRefuse };

/// Consulted for every VF request except VF_RESET (which must always work, or a VF could never
/// recover), before clear-to-send and API checks. On kRefuse the request is NACKed and an
/// event records `reason`. Runs on the mailbox path: keep it cheap; `reason` is a reused
/// buffer (assigning long text to it may allocate). Must not call back into the driver.
using PolicyHook =
    std::function<PolicyVerdict(hal::VfId, const mbx::Message&, std::string& reason)>;

}  // namespace pf
