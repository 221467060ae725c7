#include "pf_driver/mailbox_guard.hpp"

#include <algorithm>
#include <chrono>

#include "pf_driver/outbox.hpp"
#include "pf_driver/pf_core.hpp"
#include "pf_driver/vf_hw.hpp"

namespace pf {

namespace {

using std::chrono::milliseconds;

constexpr hal::Nanos kMinReportInterval = milliseconds(1);

hal::Nanos report_interval(const MailboxFloodPolicy& p) {
  return std::max(p.report_interval, kMinReportInterval);
}

/// One GCRA step: whether an arrival at `now` fits a bucket of `burst` refilled `rate` times a
/// second, whose state is `tat` (moved only when it fits). A rate of 0, or above one per
/// nanosecond, is no limit.
bool fits(hal::Nanos& tat, hal::Nanos now, uint32_t rate, uint32_t burst) {
  if (rate == 0) return true;
  const hal::Nanos t = hal::Nanos(std::chrono::seconds(1)) / rate;
  if (t <= hal::Nanos::zero()) return true;
  const hal::Nanos tolerance = t * (std::max<uint32_t>(burst, 1) - 1);
  // A bucket that has been refilling since `tat` holds nothing more than full.
  const hal::Nanos start = std::max(tat, now);
  if (start - now > tolerance) return false;
  tat = start + t;
  return true;
}

/// Events a VF causes through its mailbox or its function: what the event budget counts.
bool caused_by_vf(EventCode code) {
  switch (code) {
    case EventCode::kVfFlr:
    case EventCode::kVfReset:
    case EventCode::kApiNegotiated:
    case EventCode::kRequestRefused:
    case EventCode::kPolicyRefused:
    case EventCode::kDecodeError:
    case EventCode::kUnknownMessage:
    case EventCode::kNotClearToSend:
    case EventCode::kApiTooOld:
    case EventCode::kXcastDowngraded:
    case EventCode::kMailboxError:
    case EventCode::kMacInUse:
    case EventCode::kReplyBitsFromVf:
      return true;
    default:
      return false;
  }
}

bool gate_vf_event(void* ctx, hal::Nanos now, std::optional<hal::VfId> vf, EventCode code) {
  PfCore& c = *static_cast<PfCore*>(ctx);
  if (!vf || vf->value() >= c.vfs.size() || !caused_by_vf(code)) return true;
  const MailboxFloodPolicy& p = c.opts.mailbox_flood;
  MailboxGuardState& g = c.vf(*vf).guard;
  if (fits(g.event_tat, now, p.event_rate_per_s, p.event_burst)) return true;
  if (g.events_left_out == 0) g.events_left_since = now;
  ++g.events_left_out;
  return false;
}

int64_t ms(hal::Nanos d) { return std::chrono::duration_cast<milliseconds>(d).count(); }

/// Forces `vf`'s link state to disable as PfDriver::set_vf_link_state(kDisable) does, keeping
/// the administrator's setting for an FLR to restore.
void disable_flooder(PfCore& c, hal::VfId vf, hal::Nanos flooded_for) {
  VfState& s = c.vf(vf);
  MailboxGuardState& g = s.guard;
  const MailboxFloodPolicy& p = c.opts.mailbox_flood;
  g.disabled = true;
  g.saved_link_state = s.link_state;
  s.link_state = LinkState::kDisable;
  s.link_enable = false;
  write_rx_tx_enable(c, vf);
  // As for an administrator's change: the VF must reset, and then learns its link is down.
  s.clear_to_send = false;
  ping_vf(c, vf);
  c.log(vf, EventCode::kMailboxFloodDisabled,
        "VF {} disabled (link state disable, RX/TX off): over its mailbox rate of {}/s (burst "
        "{}) for {} ms, {} request(s) over it in all; link state auto/enable or an FLR of the "
        "VF re-enables it",
        vf.value(), p.rate_per_s, p.burst, ms(flooded_for), g.over_rate_total);
}

/// Records the open report window's count (over `span`) and empties it.
void report_window(PfCore& c, hal::VfId vf, hal::Nanos span) {
  MailboxGuardState& g = c.vf(vf).guard;
  const MailboxFloodPolicy& p = c.opts.mailbox_flood;
  c.log(vf, EventCode::kMailboxRateLimited,
        "VF {} over its mailbox rate of {}/s (burst {}): {} request(s) in {} ms NACKed "
        "(VF_RESET served regardless){}",
        vf.value(), p.rate_per_s, p.burst, g.window_over, ms(span),
        g.disabled ? "; the VF stays disabled" : "");
  g.window_over = 0;
}

/// Reports the window that has run its interval and extends (or starts) the run of windows;
/// disables the VF once the run has lasted disable_after.
size_t close_window(PfCore& c, hal::VfId vf) {
  MailboxGuardState& g = c.vf(vf).guard;
  const MailboxFloodPolicy& p = c.opts.mailbox_flood;
  const hal::Nanos interval = report_interval(p);
  const hal::Nanos end = g.window_start + interval;
  // A whole interval within the rate between two windows ends the run.
  if (!g.flooding || g.window_start - g.last_window_end >= interval) g.flood_since = g.window_start;
  g.flooding = true;
  g.last_window_end = end;
  report_window(c, vf, interval);
  if (g.disabled || p.disable_after <= hal::Nanos::zero()) return 1;
  if (end - g.flood_since < p.disable_after) return 1;
  disable_flooder(c, vf, end - g.flood_since);
  return 2;
}

}  // namespace

Admission admit_request(PfCore& c, hal::VfId vf) {
  const MailboxFloodPolicy& p = c.opts.mailbox_flood;
  if (p.rate_per_s == 0) return Admission::kServe;
  MailboxGuardState& g = c.vf(vf).guard;
  const hal::Nanos now = c.clock.now();
  if (fits(g.tat, now, p.rate_per_s, p.burst)) return Admission::kServe;
  if (g.window_over == 0) g.window_start = now;
  ++g.window_over;
  ++g.over_rate_total;
  return Admission::kOverRate;
}

void install_event_gate(PfCore& c) {
  if (!c.events.has_gate(gate_vf_event, &c)) c.events.set_gate(gate_vf_event, &c);
}

size_t poll_mailbox_guard(PfCore& c, hal::VfId vf) {
  VfState& s = c.vf(vf);
  MailboxGuardState& g = s.guard;
  size_t recorded = 0;
  if (g.disabled && s.link_state != LinkState::kDisable) {
    // Only set_vf_link_state() changes a guard-disabled VF's link state: the administrator
    // has let it back in. Its history goes (an open window is reported now, not counted in a
    // new run); the bucket keeps what the VF still owes.
    g.disabled = false;
    g.flooding = false;
    if (g.window_over != 0) report_window(c, vf, c.clock.now() - g.window_start);
    c.log(vf, EventCode::kMailboxFloodCleared,
          "VF {} re-enabled by the administrator (link state {}): the flood guard starts over",
          vf.value(), to_string(s.link_state));
    ++recorded;
  }
  if (g.window_over == 0 && g.events_left_out == 0) return recorded;
  const hal::Nanos now = c.clock.now();
  const hal::Nanos interval = report_interval(c.opts.mailbox_flood);
  if (g.window_over != 0 && now - g.window_start >= interval) recorded += close_window(c, vf);
  if (g.events_left_out != 0 && now - g.events_left_since >= interval) {
    c.log(vf, EventCode::kVfEventsLeftOut,
          "VF {}: {} event(s) about its requests left out over the last {} ms (budget {}/s, "
          "burst {})",
          vf.value(), g.events_left_out, ms(now - g.events_left_since),
          c.opts.mailbox_flood.event_rate_per_s, c.opts.mailbox_flood.event_burst);
    g.events_left_out = 0;
    ++recorded;
  }
  return recorded;
}

void mailbox_guard_on_flr(PfCore& c, hal::VfId vf) {
  VfState& s = c.vf(vf);
  MailboxGuardState& g = s.guard;
  const bool was_disabled = g.disabled;
  const LinkState restored = g.saved_link_state;
  g.disabled = false;
  if (g.window_over != 0) report_window(c, vf, c.clock.now() - g.window_start);
  // The request bucket and the flood history start over; the event budget and its pending
  // count do not (FLRs are events the VF causes too).
  MailboxGuardState fresh;
  fresh.over_rate_total = g.over_rate_total;
  fresh.event_tat = g.event_tat;
  fresh.events_left_out = g.events_left_out;
  fresh.events_left_since = g.events_left_since;
  g = fresh;
  if (!was_disabled) return;
  s.link_state = restored;
  s.link_enable = restored != LinkState::kDisable;
  write_rx_tx_enable(c, vf);
  c.log(vf, EventCode::kMailboxFloodCleared,
        "VF {} re-enabled by its function level reset (link state {}): the flood guard starts "
        "over",
        vf.value(), to_string(restored));
}

}  // namespace pf
