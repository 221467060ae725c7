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
/// software policy alone. ON by default with the values below; off() turns it off.
///
/// Nothing is refused for its rate: a request over it is held (left unread, REQ pending, no
/// ACK) until the VF's bucket has a token, then served as usual. A VF has one request in
/// flight at a time, so a hold lasts at most one token's time (1 ms at 1000/s; a VF_RESET at
/// most reset_period), well inside the VF's 1 s mailbox timeout.
struct MailboxFloodPolicy {
  /// Below this a held request could outlast a VF driver's 1 s mailbox timeout.
  static constexpr uint32_t kMinRatePerS = 10;
  /// Above this a held VF_RESET could outlast the same timeout.
  static constexpr hal::Nanos kMaxResetPeriod = std::chrono::milliseconds(500);
  /// The shortest report interval: the window a flood is judged over must be longer than a
  /// restore's held requests take (~70 ms at 1000/s with the default burst).
  static constexpr hal::Nanos kMinReportInterval = std::chrono::milliseconds(100);

  /// Requests per second each VF is served in the long run; 0 turns the request limit, the
  /// VF_RESET limit and the disable off (the event budget is separate). Between 1 and
  /// kMinRatePerS it counts as kMinRatePerS.
  uint32_t rate_per_s = 1000;
  /// Requests a VF may send back to back beyond the rate (the bucket's depth); 0 counts as 1.
  /// A restore after a reset needs up to ~200 (every spare RAR entry as macvlans, 63 VLANs):
  /// the part beyond the burst waits one token each, and the whole restore takes ~166 ms of
  /// simulated time at 1000/s (tests/pf/flood_reset_test.cpp).
  uint32_t burst = 128;
  /// VF_RESET runs the PF's most expensive path (clean the VF, re-admit it): besides a
  /// request token it needs one of these, one per reset_period in the long run. A driver
  /// resets once at probe and once after each PF reset or forced reset (trust or link-state
  /// change): far fewer. Resets the PF demands (its reset, trust or link-state changes) take
  /// no token at all (reset_charged()). Zero: VF_RESET counts against the request rate only.
  /// Above kMaxResetPeriod it counts as kMaxResetPeriod.
  hal::Nanos reset_period = std::chrono::milliseconds(200);
  /// VF_RESETs a VF may send back to back; 0 counts as 1.
  uint32_t reset_burst = 4;
  /// Requests held for their rate are reported in one kMailboxRateLimited event per VF per
  /// interval, with the count, never one per request. It is also the window a flood is judged
  /// over: at least kMinReportInterval (validate()), so that a burst is never one.
  hal::Nanos report_interval = std::chrono::seconds(1);
  /// A VF whose requests waited for tokens at least half of every report interval, for this
  /// long, is disabled (kMailboxFloodDisabled): RX/TX off and the link reported down, the
  /// administrator's link state untouched. Zero: never disabled, only held back; otherwise at
  /// least two report intervals (validate()): holds that all fall within one interval (a
  /// restore's) never disable. Only the administrator's set_vf_link_state(auto|enable)
  /// re-enables it; no FLR does.
  hal::Nanos disable_after = std::chrono::seconds(5);
  /// Events caused by a VF's own mailbox requests (refusals, decode errors, API negotiated,
  /// ...) kept per second in the long run; the rest are counted and reported in one
  /// kVfEventsLeftOut per interval, so no VF can push the other events out of the bounded log,
  /// not even within its request rate. Events about the administrator's actions, PF resets,
  /// FLRs, link changes and the guard itself never count. 0 keeps every event.
  uint32_t event_rate_per_s = 20;
  /// Such events a VF may cause back to back (a bring-up causes about five); 0 counts as 1.
  uint32_t event_burst = 64;

  /// The defaults: 1000 requests/s with a burst of 128, a VF_RESET per 200 ms with a burst of
  /// 4, reported each second, disabled after 5 s of flooding; 20 events/s with a burst of 64.
  static constexpr MailboxFloodPolicy recommended() { return MailboxFloodPolicy{}; }
  /// Why this policy cannot be used, or empty when it can: report_interval below
  /// kMinReportInterval, a negative duration, or disable_after neither 0 nor at least two
  /// report intervals. The one check the CLI (tools/flood_args.hpp) and PfDriver::init() use.
  std::string validate() const;

  /// Every limit off: requests served as they come, every event kept.
  static constexpr MailboxFloodPolicy off() {
    MailboxFloodPolicy p;
    p.rate_per_s = 0;
    p.event_rate_per_s = 0;
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
  /// Spare RAR entries kept for host MACs (PfDriver::add_host_mac): entries 1..this are never
  /// handed to a VF's SET_MACVLAN, so a guest migrating in finds an entry for its MAC however
  /// many macvlans the VFs asked for (Linux keeps 15 for the PF's own unicast addresses,
  /// IXGBE_MAX_PF_MACVLANS). Host MACs beyond these take free spares shared with macvlans.
  /// 0..64: 63 VFs leave 64 spare entries (init() refuses more with kInvalidArgument).
  unsigned host_mac_entries = 15;
};

enum class PolicyVerdict { kProceed, kRefuse };

/// Consulted for every VF request except VF_RESET (which must always work, or a VF could never
/// recover), before clear-to-send and API checks. On kRefuse the request is NACKed and an
/// event records `reason`. Runs on the mailbox path: keep it cheap; `reason` is a reused
/// buffer (assigning long text to it may allocate). Must not call back into the driver.
using PolicyHook =
    std::function<PolicyVerdict(hal::VfId, const mbx::Message&, std::string& reason)>;

}  // namespace pf
