#include "pf_driver/mailbox_guard.hpp"

#include <algorithm>
#include <chrono>
#include <string_view>

#include "mailbox/message.hpp"
#include "pf_driver/outbox.hpp"
#include "pf_driver/pf_core.hpp"
#include "pf_driver/vf_hw.hpp"

namespace pf {

namespace {

using std::chrono::milliseconds;

hal::Nanos report_interval(const MailboxFloodPolicy& p) {
  // PfDriver::init() refuses a shorter one (MailboxFloodPolicy::validate()); this only keeps
  // the arithmetic sane for a policy that was never validated.
  return std::max(p.report_interval, MailboxFloodPolicy::kMinReportInterval);
}

/// The emission interval of a bucket refilled `rate` times a second (0: no limit).
hal::Nanos per_token(uint32_t rate) {
  if (rate == 0) return hal::Nanos::zero();
  return hal::Nanos(std::chrono::seconds(1)) / rate;
}

/// The request bucket's emission interval; zero when the policy is off.
hal::Nanos request_interval(const MailboxFloodPolicy& p) {
  if (p.rate_per_s == 0) return hal::Nanos::zero();
  return per_token(std::max(p.rate_per_s, MailboxFloodPolicy::kMinRatePerS));
}

hal::Nanos reset_interval(const MailboxFloodPolicy& p) {
  return std::min(p.reset_period, MailboxFloodPolicy::kMaxResetPeriod);
}

/// GCRA: the earliest time an arrival fits a bucket of `burst` refilled every `t`, whose state
/// is `tat`. A zero or negative `t` is no limit (any time fits).
hal::Nanos conforms_from(hal::Nanos tat, hal::Nanos t, uint32_t burst) {
  if (t <= hal::Nanos::zero()) return hal::Nanos::min();
  return tat - t * (std::max<uint32_t>(burst, 1) - 1);
}

/// GCRA: whether an arrival at `now` fits (conforms_from).
bool conforms(hal::Nanos tat, hal::Nanos now, hal::Nanos t, uint32_t burst) {
  return now >= conforms_from(tat, t, burst);
}

/// Takes one token (after conforms() said yes). A bucket that has been refilling since `tat`
/// holds nothing more than full, hence the max.
void take(hal::Nanos& tat, hal::Nanos now, hal::Nanos t) {
  if (t <= hal::Nanos::zero()) return;
  tat = std::max(tat, now) + t;
}

bool gate_vf_event(void* ctx, hal::Nanos now, std::optional<hal::VfId> vf, EventCode) {
  PfCore& c = *static_cast<PfCore*>(ctx);
  if (!vf || vf->value() >= c.vfs.size()) return true;
  MailboxGuardState& g = c.vf(*vf).guard;
  // By cause, not by code: only what the VF's own requests caused is charged to it.
  if (!g.charging) return true;
  const MailboxFloodPolicy& p = c.opts.mailbox_flood;
  const hal::Nanos t = per_token(p.event_rate_per_s);
  if (conforms(g.event_tat, now, t, p.event_burst)) {
    take(g.event_tat, now, t);
    return true;
  }
  if (g.events_left_out == 0) g.events_left_since = now;
  ++g.events_left_out;
  return false;
}

int64_t ms(hal::Nanos d) { return std::chrono::duration_cast<milliseconds>(d).count(); }

/// Ends the hold at `now`: its waiting time within the open window is added to the window.
void end_hold(MailboxGuardState& g, hal::Nanos now, hal::Nanos interval) {
  if (!g.holding) return;
  const hal::Nanos from = std::max(g.hold_since, g.window_start);
  const hal::Nanos to = std::min(now, g.window_start + interval);
  if (to > from) g.window_held += to - from;
  g.holding = false;
}

void open_window(MailboxGuardState& g, hal::Nanos at) {
  g.window_open = true;
  g.window_start = at;
  g.window_delayed = 0;
  g.window_held = hal::Nanos::zero();
}

/// Disables `vf` by the guard's flag, as an administrator's `state disable` would act on the
/// hardware, leaving the administrator's link state as it is.
void disable_flooder(PfCore& c, hal::VfId vf, hal::Nanos flooded_for) {
  VfState& s = c.vf(vf);
  MailboxGuardState& g = s.guard;
  const MailboxFloodPolicy& p = c.opts.mailbox_flood;
  g.disabled = true;
  s.link_enable = false;
  write_rx_tx_enable(c, vf);
  // As for an administrator's change: the VF must reset, and then learns its link is down.
  s.clear_to_send = false;
  ping_vf(c, vf);
  c.log(vf, EventCode::kMailboxFloodDisabled,
        "VF {} disabled (RX/TX off, link down; admin link state {} kept): requests held at "
        "its mailbox rate of {}/s most of the time for {} ms, {} held in all; link state "
        "auto/enable re-enables it",
        vf.value(), to_string(s.link_state), p.rate_per_s, ms(flooded_for), g.delayed_total);
}

/// Records the window's count, if it saw a new request held.
size_t report_window(PfCore& c, hal::VfId vf, hal::Nanos span) {
  MailboxGuardState& g = c.vf(vf).guard;
  if (g.window_delayed == 0) return 0;
  const MailboxFloodPolicy& p = c.opts.mailbox_flood;
  c.log(vf, EventCode::kMailboxRateLimited,
        "VF {} over its mailbox rate of {}/s (burst {}; VF_RESET 1 per {} ms, burst {}): {} "
        "request(s) held until a token, waiting {} of {} ms; none refused{}",
        vf.value(), p.rate_per_s, p.burst, ms(reset_interval(p)), p.reset_burst,
        g.window_delayed, ms(g.window_held), ms(span),
        g.disabled ? "; the VF stays disabled" : "");
  return 1;
}

/// Reports the window that has run its interval, extends (or starts, or ends) the run of
/// flooding windows, and disables the VF once the run has lasted disable_after.
size_t close_window(PfCore& c, hal::VfId vf) {
  MailboxGuardState& g = c.vf(vf).guard;
  const MailboxFloodPolicy& p = c.opts.mailbox_flood;
  const hal::Nanos interval = report_interval(p);
  const hal::Nanos end = g.window_start + interval;
  const bool still_holding = g.holding;
  if (still_holding) {
    end_hold(g, end, interval);
    g.holding = true;
    g.hold_since = end;
  }
  size_t recorded = report_window(c, vf, interval);
  // Waiting for tokens most of the interval: demand above the rate, not a burst.
  const bool flood_window = g.window_held * 2 >= interval;
  if (flood_window) {
    if (!g.flooding || g.window_start - g.last_window_end >= interval) {
      g.flood_since = g.window_start;
    }
    g.flooding = true;
    g.last_window_end = end;
  } else {
    g.flooding = false;
  }
  g.window_open = false;
  if (still_holding) open_window(g, end);
  if (!flood_window || g.disabled || p.disable_after <= hal::Nanos::zero()) return recorded;
  if (end - g.flood_since < p.disable_after) return recorded;
  disable_flooder(c, vf, end - g.flood_since);
  return recorded + 1;
}

/// Records how many of `vf`'s events its budget left out since the first of them, then starts
/// the count over. `why` ends the reason (empty for the regular report).
void report_left_out(PfCore& c, hal::VfId vf, hal::Nanos now, std::string_view why) {
  MailboxGuardState& g = c.vf(vf).guard;
  c.log(vf, EventCode::kVfEventsLeftOut,
        "VF {}: {} event(s) caused by its requests left out over the last {} ms (budget "
        "{}/s, burst {}){}",
        vf.value(), g.events_left_out, ms(now - g.events_left_since),
        c.opts.mailbox_flood.event_rate_per_s, c.opts.mailbox_flood.event_burst, why);
  g.events_left_out = 0;
}

}  // namespace

bool link_allowed(const VfState& s) {
  return s.link_state != LinkState::kDisable && !s.guard.disabled;
}

bool reset_charged(const VfState& s) { return s.clear_to_send || s.guard.own_reset_next; }

Admission admit_request(PfCore& c, hal::VfId vf, uint32_t word0) {
  const MailboxFloodPolicy& p = c.opts.mailbox_flood;
  const hal::Nanos t = request_interval(p);
  if (t <= hal::Nanos::zero()) return Admission::kServe;
  VfState& s = c.vf(vf);
  MailboxGuardState& g = s.guard;
  const hal::Nanos now = c.clock.now();
  const bool reset = word0 == mbx::word0::make(static_cast<uint16_t>(mbx::MsgId::kReset)) &&
                     reset_charged(s);  // one the PF demanded needs no reset token
  const hal::Nanos rt = reset ? reset_interval(p) : hal::Nanos::zero();
  if (conforms(g.tat, now, t, p.burst) && conforms(g.reset_tat, now, rt, p.reset_burst)) {
    take(g.tat, now, t);
    take(g.reset_tat, now, rt);
    end_hold(g, now, report_interval(p));
    return Admission::kServe;
  }
  if (!g.holding) {
    g.holding = true;
    g.hold_reset = reset;
    g.hold_since = now;
    if (!g.window_open) open_window(g, now);
    ++g.window_delayed;
    ++g.delayed_total;
  }
  return Admission::kHold;
}

void note_no_request(PfCore& c, hal::VfId vf) {
  MailboxGuardState& g = c.vf(vf).guard;
  if (g.holding) end_hold(g, c.clock.now(), report_interval(c.opts.mailbox_flood));
}

void install_event_gate(PfCore& c) {
  if (!c.events.has_gate(gate_vf_event, &c)) c.events.set_gate(gate_vf_event, &c);
}

size_t poll_mailbox_guard(PfCore& c, hal::VfId vf) {
  MailboxGuardState& g = c.vf(vf).guard;
  if (!g.window_open && g.events_left_out == 0) return 0;
  size_t recorded = 0;
  const hal::Nanos now = c.clock.now();
  const hal::Nanos interval = report_interval(c.opts.mailbox_flood);
  if (g.window_open && now - g.window_start >= interval) recorded += close_window(c, vf);
  if (g.events_left_out != 0 && now - g.events_left_since >= interval) {
    report_left_out(c, vf, now, "");
    ++recorded;
  }
  return recorded;
}

std::optional<hal::Nanos> mailbox_guard_due(const PfCore& c, hal::VfId vf) {
  const MailboxGuardState& g = c.vf(vf).guard;
  const MailboxFloodPolicy& p = c.opts.mailbox_flood;
  const hal::Nanos interval = report_interval(p);
  std::optional<hal::Nanos> due;
  const auto earliest = [&due](hal::Nanos t) { due = due ? std::min(*due, t) : t; };
  if (g.holding) {
    hal::Nanos ready = conforms_from(g.tat, request_interval(p), p.burst);
    // A demand of the PF's (reset_charged) may have come since the hold began.
    if (g.hold_reset && reset_charged(c.vf(vf))) {
      ready = std::max(ready, conforms_from(g.reset_tat, reset_interval(p), p.reset_burst));
    }
    earliest(ready);
  }
  if (g.window_open) earliest(g.window_start + interval);
  if (g.events_left_out != 0) earliest(g.events_left_since + interval);
  return due;
}

size_t flush_mailbox_guard(PfCore& c, hal::VfId vf) {
  MailboxGuardState& g = c.vf(vf).guard;
  const hal::Nanos now = c.clock.now();
  size_t recorded = 0;
  if (g.window_open) {
    end_hold(g, now, report_interval(c.opts.mailbox_flood));
    recorded += report_window(c, vf, now - g.window_start);
    g.window_open = false;
  }
  if (g.events_left_out != 0) {
    report_left_out(c, vf, now, "; reported early: the VFs are being disabled or re-enabled");
    ++recorded;
  }
  return recorded;
}

void mailbox_guard_on_flr(PfCore& c, hal::VfId vf) {
  note_no_request(c, vf);
  c.vf(vf).guard.own_reset_next = true;
}

void mailbox_guard_on_admin_link_state(PfCore& c, hal::VfId vf, LinkState state) {
  MailboxGuardState& g = c.vf(vf).guard;
  if (state == LinkState::kDisable || !g.disabled) return;
  const hal::Nanos now = c.clock.now();
  g.disabled = false;
  // The history goes: the open window is reported now and not counted in a new run.
  if (g.window_open) {
    const bool still_holding = g.holding;
    end_hold(g, now, report_interval(c.opts.mailbox_flood));
    report_window(c, vf, now - g.window_start);
    g.window_open = false;
    if (still_holding) {
      g.holding = true;
      g.hold_since = now;
      open_window(g, now);
    }
  }
  g.flooding = false;
  c.log(vf, EventCode::kMailboxFloodCleared,
        "VF {} re-enabled by the administrator (link state {}): the flood guard starts over",
        vf.value(), to_string(state));
}

}  // namespace pf
