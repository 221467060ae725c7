#pragma once
// The PF's mailbox flood policy (PfOptions::mailbox_flood, docs/reliability.md). The 82599 has
// no hardware malicious-driver detection, so a VF that floods its mailbox is caught here, in
// software, the way the PF serves mailboxes anyway: one request per VF per service pass.
//
// Per VF, a token bucket (kept as one timestamp, GCRA) says whether a request is within the
// VF's rate, and a second one whether a VF_RESET is within the reset budget. A request over
// either is not refused: it is held, left unread with the VF's REQ pending and no ACK, and
// served as usual once its tokens are there. A VF has one request in flight, so a hold lasts
// at most one token's time, far inside the VF driver's 1 s mailbox timeout: a legitimate burst
// (a restore after a reset) is only slowed down, and nothing reads to the VF as a refusal.
//
// Holds are reported once per report interval with their count. A VF that had requests held
// for at least half of every interval for `disable_after` is disabled by the guard's own flag
// (VfState::link_enable is off while the administrator's link state OR the guard says so):
// VFRE/VFTE cleared, clear-to-send dropped, pinged. Only the administrator's
// set_vf_link_state(auto|enable) clears the flag; an FLR of the VF keeps it and the flood
// history (a guest can FLR itself, so an FLR must not be a way out).
//
// Within its rate a VF could still fill the bounded event log with one event per request
// (decode errors, refusals, "API negotiated"): a third bucket per VF, on the events recorded
// while the PF serves that VF's own requests (ChargeScope), leaves the surplus out and reports
// its count once per interval. Events about the administrator's settings recorded meanwhile
// (UnchargedScope), and everything outside a request (FLRs, PF resets, link changes, admin
// calls, the guard's own events), are never left out.
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
struct VfState;

/// The guard's memory of one VF. Lives in VfState, so enabling or disabling VFs starts it over
/// (after flush_mailbox_guard() has logged what it owed); FLRs and PF resets do not.
struct MailboxGuardState {
  /// GCRA's theoretical arrival times: a bucket is full again at its tat; a request fits
  /// while tat - now <= (burst - 1) * emission interval.
  hal::Nanos tat{};
  hal::Nanos reset_tat{};  ///< the VF_RESET bucket (reset_period, reset_burst)
  // ---- The request being held (left pending until its tokens are there).
  bool holding = false;
  bool hold_reset = false;  ///< the held request is a VF_RESET that needs a reset token too
  /// The VF has not been re-admitted (VF_RESET served) since VFs were enabled or since its
  /// last FLR: its next VF_RESET is its own doing (a probe, or after an FLR, which the PF
  /// cannot tell from the host's), so reset_charged() even though it is not clear to send.
  /// Cleared when a VF_RESET re-admits the VF (readmit_vf); set again by an FLR.
  bool own_reset_next = true;
  hal::Nanos hold_since{};  ///< when it started waiting (or the current window opened)
  // ---- The report window: opened by a hold when none is open, closed (and reported)
  // report_interval later; reopened at once if a request is still held then.
  bool window_open = false;
  hal::Nanos window_start{};
  uint64_t window_delayed = 0;  ///< requests that started waiting in the window
  hal::Nanos window_held{};     ///< time within the window a request was waiting
  // ---- A run of flooding windows (held at least half the interval), back to back.
  bool flooding = false;         ///< flood_since and last_window_end are set
  hal::Nanos flood_since{};      ///< start of the run's first window
  hal::Nanos last_window_end{};  ///< end of the run's last window
  // ---- The guard's disable: the VF's link is off while this or the admin says so.
  bool disabled = false;
  uint64_t delayed_total = 0;  ///< requests held since VFs were enabled
  // ---- The VF's event budget (MailboxFloodPolicy::event_rate_per_s).
  bool charging = false;           ///< events about this VF now count (ChargeScope)
  hal::Nanos event_tat{};          ///< GCRA time of the event bucket
  uint64_t events_left_out = 0;    ///< events left out since the last report (0: none pending)
  hal::Nanos events_left_since{};  ///< when the first of them was left out
};

/// While alive, events about the VF whose state this is count against its event budget: the
/// PF is serving that VF's own request. Nests; restores the previous setting when destroyed.
class ChargeScope {
 public:
  explicit ChargeScope(MailboxGuardState& g) : g_(g), was_(g.charging) { g.charging = true; }
  ~ChargeScope() { g_.charging = was_; }
  ChargeScope(const ChargeScope&) = delete;
  ChargeScope& operator=(const ChargeScope&) = delete;

 private:
  MailboxGuardState& g_;
  bool was_;
};

/// While alive, events about the VF are not charged even inside its request: they report on
/// the administrator's settings (an admin MAC or a port VLAN the reset could not program back),
/// which the VF's budget must never hide.
class UnchargedScope {
 public:
  explicit UnchargedScope(MailboxGuardState& g) : g_(g), was_(g.charging) { g.charging = false; }
  ~UnchargedScope() { g_.charging = was_; }
  UnchargedScope(const UnchargedScope&) = delete;
  UnchargedScope& operator=(const UnchargedScope&) = delete;

 private:
  MailboxGuardState& g_;
  bool was_;
};

/// Whether a VF_RESET from `s` takes a token from the VF_RESET bucket. Only the resets a VF
/// chooses do: it is clear to send (a reset on a whim, a driver reload), or it has not been
/// admitted since VFs were enabled (its probe) or since an FLR (which a guest can trigger
/// itself): MailboxGuardState::own_reset_next. A VF the PF took clear-to-send from (a PF
/// reset, an administrator's trust or link-state change, the guard's own disable) resets
/// because the PF told it to: holding that answer to the PF's own demand, and judging the VF
/// a flooder for it, would punish the VF for its administrator's actions (Linux serves it at
/// once). One free reset per demand: the VF_RESET makes the VF clear to send again.
bool reset_charged(const VfState& s);

/// The verdict on a pending request.
enum class Admission {
  kServe,  ///< within the rate (or the policy is off): its tokens are taken, read it now
  kHold,   ///< over the rate: leave it unread (REQ pending, no ACK); ask again next pass
};

/// Decides on `vf`'s pending request (its VFREQ is set) whose word 0 reads `word0` (PFMBMEM
/// read without the lock, as the DPDK PF reads: a VF_RESET needs a reset token too when
/// reset_charged() says so). kServe
/// takes the tokens; kHold leaves the buckets as they are and counts the request in the open
/// report window the first time it is held. Reads the clock once.
Admission admit_request(PfCore& c, hal::VfId vf, uint32_t word0);

/// No request of `vf` is pending: a request the guard was holding is gone (a PF reset, an
/// FLR or the VF's own reset wiped it). Ends the hold.
void note_no_request(PfCore& c, hal::VfId vf);

/// Installs the per-VF event budget as `c.events`' gate (EventLog::set_gate), once: events
/// about a VF recorded while it is charging (ChargeScope) and over its budget are left out
/// and counted, and reported by poll_mailbox_guard.
void install_event_gate(PfCore& c);

/// Once per VF per service pass, before its events are handled: closes a report window whose
/// interval has run (one kMailboxRateLimited event with the count) and, once the run of
/// flooding windows has lasted disable_after, disables the VF (kMailboxFloodDisabled); reports
/// events left out for an interval in one kVfEventsLeftOut. Returns the events it recorded.
size_t poll_mailbox_guard(PfCore& c, hal::VfId vf);

/// When a service pass next has guard work for `vf` that no interrupt announces: the held
/// request's tokens are there (it is served then), or a report window or the events left out
/// are due to be reported. nullopt: nothing is waiting. May be in the past (due now).
std::optional<hal::Nanos> mailbox_guard_due(const PfCore& c, hal::VfId vf);

/// Records now whatever the guard still owes the log about `vf` (the open report window with
/// the requests held in it, the events left out): the VFs are being disabled or enabled and
/// the guard's memory of `vf` is about to be cleared. Returns the events it recorded.
size_t flush_mailbox_guard(PfCore& c, hal::VfId vf);

/// After an FLR of `vf` was cleaned up: a held request is gone with the function. The buckets,
/// the flood history and the guard's disable stay, and the VF_RESET that follows is charged
/// (reset_charged): the PF cannot tell an FLR the guest asked for from one the host did, and a
/// guest must not escape by resetting itself.
void mailbox_guard_on_flr(PfCore& c, hal::VfId vf);

/// The administrator set `vf`'s link state to `state`: auto or enable clears the guard's
/// disable (kMailboxFloodCleared) and its flood history; the buckets keep what the VF owes.
/// disable leaves the guard's flag as it is. Call before computing link_enable.
void mailbox_guard_on_admin_link_state(PfCore& c, hal::VfId vf, LinkState state);

/// Whether the VF's link may be enabled: the administrator's link state is not disable and
/// the guard has not disabled it. What VfState::link_enable holds.
bool link_allowed(const VfState& s);

}  // namespace pf
