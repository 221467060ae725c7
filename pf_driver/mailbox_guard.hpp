#pragma once
// The PF's mailbox flood policy (PfOptions::mailbox_flood, docs/reliability.md). The 82599 has
// no hardware malicious-driver detection, so a VF that floods its mailbox is caught here, in
// software, the way the PF serves mailboxes anyway: one request per VF per service pass.
//
// Per VF, a token bucket (kept as one timestamp, GCRA) says whether a request is within the
// VF's rate. A request over it is NACKed without being handled (VF_RESET excepted: a reset is
// the one request a VF must always get through, and its reply has no way to say "refused");
// the NACKs are counted and reported once per report interval, never once per request. A VF
// over its rate in every interval for `disable_after` is disabled as an administrator's
// `state disable` would: link state disable, VFRE/VFTE cleared, clear-to-send dropped, pinged.
// Its mailbox keeps being served (rate-limited), so it can still reset and read its link
// state. An administrator's set_vf_link_state(auto|enable), or an FLR of the VF (the guest's
// driver starts over), re-enables it.
//
// Within its rate a VF could still fill the bounded event log with one event per request
// (decode errors, refusals, "API negotiated"): a second bucket per VF, on the events its
// requests and resets cause, leaves the surplus out and reports its count once per interval.
//
// Never blocks, sleeps or allocates. Thread safety: that of PfCore.

#include <cstddef>
#include <cstdint>
#include <optional>

#include "hal/clock.hpp"
#include "hal/types.hpp"
#include "pf_driver/options.hpp"

namespace pf {

struct PfCore;

/// The guard's memory of one VF. Lives in VfState, so enabling or disabling VFs starts it over.
struct MailboxGuardState {
  /// GCRA's theoretical arrival time: the bucket is full again at `tat`; a request is within
  /// the rate while tat - now <= (burst - 1) / rate.
  hal::Nanos tat{};
  // ---- The report window: opened by the first request over the rate after the last one
  // closed, closed (and reported) report_interval later.
  hal::Nanos window_start{};
  uint64_t window_over = 0;  ///< requests over the rate in the open window (0: none open)
  // ---- An unbroken run of windows: no whole report interval between two of them.
  bool flooding = false;         ///< flood_since and last_window_end are set
  hal::Nanos flood_since{};      ///< start of the run's first window
  hal::Nanos last_window_end{};  ///< end of the run's last closed window
  // ---- Disabled by the guard.
  bool disabled = false;
  LinkState saved_link_state = LinkState::kAuto;  ///< the admin's setting, restored by an FLR
  uint64_t over_rate_total = 0;                   ///< requests over the rate since VFs were enabled
  // ---- The VF's event budget (MailboxFloodPolicy::event_rate_per_s).
  hal::Nanos event_tat{};          ///< GCRA time of the event bucket
  uint64_t events_left_out = 0;    ///< events left out since the last report (0: none pending)
  hal::Nanos events_left_since{};  ///< when the first of them was left out
};

/// The verdict on one request.
enum class Admission {
  kServe,     ///< within the rate (or the policy is off)
  kOverRate,  ///< over the rate: NACK it (a VF_RESET is served regardless), counted already
};

/// Charges one request of `vf` (its VFREQ was seen) to its bucket. Over the rate, the request
/// is counted in the open report window (one is opened if none is). Reads the clock once.
Admission admit_request(PfCore& c, hal::VfId vf);

/// Installs the per-VF event budget as `c.events`' gate (EventLog::set_gate), once: events
/// about a VF's own requests over its budget are left out and counted, and reported by
/// poll_mailbox_guard. Events without a VF, about the administrator's actions or from the
/// guard itself always pass.
void install_event_gate(PfCore& c);

/// Once per VF per service pass, before its events are handled: notices an administrator who
/// set a guard-disabled VF's link state to auto or enable (kMailboxFloodCleared, the guard
/// starts over), closes a report window whose interval has run: one kMailboxRateLimited
/// event with the count and, once the run of windows has lasted disable_after, disables the
/// VF (kMailboxFloodDisabled); and reports events left out for an interval in one
/// kVfEventsLeftOut. Returns the events it recorded.
size_t poll_mailbox_guard(PfCore& c, hal::VfId vf);

/// After an FLR of `vf` was cleaned up: the guard starts over (a full bucket for the new
/// driver), and a VF the guard disabled gets the administrator's link state back
/// (kMailboxFloodCleared); its VFRE/VFTE follow at once, and again at its VF_RESET. The link
/// state restored is the one the VF had when the guard disabled it, even if the administrator
/// set "disable" again meanwhile (that call cannot be told from the guard's own setting).
void mailbox_guard_on_flr(PfCore& c, hal::VfId vf);

}  // namespace pf
