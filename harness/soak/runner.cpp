#include "harness/soak/runner.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "datapath/eal.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/pci_regs.hpp"
#include "harness/sim_host.hpp"
#include "harness/soak/admin_verdict.hpp"
#include "harness/soak/vf_regs.hpp"

namespace harness::soak {
namespace {

using WallClock = std::chrono::steady_clock;

/// Notes kept in the report: enough to see what went on, bounded for a long run.
constexpr size_t kMaxNotes = 20;
/// Turns in a row that move nothing before the quiesce counts the host as still.
constexpr unsigned kStillTurns = 4;
/// Steps of the final probe round: 5 ms of simulated time, 100 frames per generator.
constexpr unsigned kProbeSteps = 50;

/// One soak run: the host, its traffic, the operations and what they should have left behind.
class Soak {
 public:
  Soak(const SoakOptions& opts, std::unique_ptr<SimHost> host)
      : opts_(opts),
        host_(std::move(host)),
        traffic_(*host_, opts.traffic),
        picker_(opts.seed, host_->num_guests()),
        intents_(host_->num_guests()),
        recovery_(host_->num_guests()),
        own_reset_at_(host_->num_guests()) {
    report_.seed = opts.seed;
    report_.num_vfs = host_->num_guests();
  }

  void run(const std::vector<std::string>& bring_up_failures);
  SoakReport take_report() { return std::move(report_); }

 private:
  void violation(std::string line);
  void note(std::string line);
  void apply(const Op& op);
  void apply_admin(const Op& op);
  void apply_bad_admin(const Op& op);
  std::expected<void, pf::Refusal> call_admin(const Op& op, bool bad);
  void step();
  /// One step with `op` applied where op.phase says (frames may be in the rings).
  void step_with(const Op& op);
  void quiesce();
  /// Steps with the generators stopped until nothing moves, every guest is up with live queues
  /// and the rings are empty, or `limit` passes. Returns whether it settled.
  bool settle(hal::Nanos limit);
  void probe_round();
  void snapshot_and_check();
  /// Before a reset the VF itself asks for (a host FLR, a guest's driver reload): lets traffic
  /// run until the VF's last one is one reset period old.
  void pace_own_reset(const Op& op);
  /// Every kMailboxFloodDisabled logged since the last call is a violation.
  void check_flood_verdicts();
  std::string at() const { return fmt::format("iteration {}", report_.iterations); }

  const SoakOptions& opts_;
  std::unique_ptr<SimHost> host_;
  SoakTraffic traffic_;  // after the host: it points into it, and goes first
  OpPicker picker_;
  std::vector<VfIntent> intents_;
  RecoveryTracker recovery_;
  /// Per VF, when the soak last made it reset of its own accord (pace_own_reset).
  std::vector<std::optional<hal::Nanos>> own_reset_at_;
  uint64_t events_seen_ = 0;  ///< the PF's EventLog::total() at the last check_flood_verdicts
  SoakReport report_;
};

void Soak::violation(std::string line) {
  ++report_.violation_count;
  if (report_.violations.size() < SoakReport::kMaxViolations) {
    report_.violations.push_back(std::move(line));
  }
}

void Soak::note(std::string line) {
  if (report_.notes.size() < kMaxNotes) report_.notes.push_back(std::move(line));
}

void Soak::step() {
  host_->step(opts_.tick);
  traffic_.turn();
  recovery_.update(*host_, traffic_);
  ++report_.steps;
}

void Soak::step_with(const Op& op) {
  if (op.phase == 0) apply(op);
  host_->step(opts_.tick);
  traffic_.send();
  if (op.phase == 1) apply(op);
  traffic_.engine();
  if (op.phase == 2) apply(op);
  traffic_.receive();
  recovery_.update(*host_, traffic_);
  ++report_.steps;
}

std::expected<void, pf::Refusal> Soak::call_admin(const Op& op, bool bad) {
  const hal::VfId vf{op.vf};
  return host_->with_pf([&](pf::PfDriver& pf) -> std::expected<void, pf::Refusal> {
    switch (op.kind) {
      case OpKind::kMac: return pf.set_vf_mac(vf, op.mac);
      case OpKind::kVlan: return pf.set_vf_vlan(vf, op.vlan, op.qos);
      case OpKind::kSpoofchk: return pf.set_vf_spoofchk(vf, op.on);
      case OpKind::kTrust: return pf.set_vf_trust(vf, op.on);
      case OpKind::kLinkState: return pf.set_vf_link_state(vf, op.link);
      case OpKind::kRate: return pf.set_vf_rate(vf, op.mbps);
      default: break;
    }
    if (!bad) return {};
    switch (op.bad) {
      case BadAdmin::kMulticastMac:
      case BadAdmin::kOtherVfsMac: return pf.set_vf_mac(vf, op.mac);
      case BadAdmin::kVlanTooBig: return pf.set_vf_vlan(vf, 4096, 0);
      case BadAdmin::kQosTooBig: return pf.set_vf_vlan(vf, 1, 8);
      case BadAdmin::kRateTooLow:
      case BadAdmin::kRateTooHigh: return pf.set_vf_rate(vf, op.mbps);
      case BadAdmin::kNoSuchVf: return pf.set_vf_spoofchk(vf, false);
    }
    return {};
  });
}

void Soak::apply_admin(const Op& op) {
  OpStats& st = report_.ops[static_cast<size_t>(op.kind)];
  const auto r = call_admin(op, false);
  if (!r) ++st.refused;
  // No valid setting the soak gives can be refused (admin_verdict.hpp): a refusal is a PF that
  // stopped taking its administrator's word, and the check below would not see it (nothing
  // changed, so the PF agrees with an intent that never moved).
  if (auto why = judge_admin(op, r)) violation(fmt::format("{}: {}", at(), *why));
  if (r) {
    VfIntent& want = intents_[op.vf];
    const uint64_t resets = host_->guest(op.vf).driver().counters().resets;
    switch (op.kind) {
      case OpKind::kMac:
        want.mac = op.mac.is_zero() ? std::nullopt : std::optional(op.mac);
        want.resets_at_mac = resets;
        break;
      case OpKind::kVlan:
        want.vlan = op.vlan;
        want.qos = op.qos;
        break;
      case OpKind::kSpoofchk: want.spoofchk = op.on; break;
      case OpKind::kTrust: want.trust = op.on; break;
      case OpKind::kLinkState:
        want.link_state = op.link;
        if (op.link == pf::LinkState::kDisable) recovery_.cancel(op.vf);
        break;
      case OpKind::kRate: want.max_tx_mbps = op.mbps; break;
      default: break;
    }
  }
  if (auto why = check_admin(intents_[op.vf], host_->pf().vf_info(hal::VfId{op.vf}))) {
    violation(fmt::format("{}: after {}: vf {}: {}", at(), describe(op), op.vf, *why));
  }
}

void Soak::apply_bad_admin(const Op& op) {
  OpStats& st = report_.ops[static_cast<size_t>(op.kind)];
  const auto r = call_admin(op, true);
  if (!r) ++st.refused;
  if (auto why = judge_admin(op, r)) violation(fmt::format("{}: {}", at(), *why));
  if (op.vf >= intents_.size()) return;
  if (auto why = check_admin(intents_[op.vf], host_->pf().vf_info(hal::VfId{op.vf}))) {
    violation(fmt::format("{}: {} changed vf {}: {}", at(), describe(op), op.vf, *why));
  }
}

void Soak::apply(const Op& op) {
  OpStats& st = report_.ops[static_cast<size_t>(op.kind)];
  ++st.done;
  const hal::Nanos now = host_->clock().now();
  auto hit = [&](unsigned vf) {
    // A VF the administrator disabled will not come up: no recovery to time.
    if (intents_[vf].link_state == pf::LinkState::kDisable) return;
    recovery_.fault(op.kind, vf, now, host_->guest(vf).driver().counters().resets);
  };
  switch (op.kind) {
    case OpKind::kBadAdmin: apply_bad_admin(op); break;
    case OpKind::kPfReset: {
      for (unsigned vf = 0; vf < intents_.size(); ++vf) hit(vf);
      if (auto r = host_->with_pf([](pf::PfDriver& pf) { return pf.reset(); }); !r) {
        ++st.failed;
        violation(fmt::format("{}: PF reset failed: {}", at(), r.error().reason));
      }
      break;
    }
    case OpKind::kHostFlr: {
      hit(op.vf);
      hal::PciFunction& fn = host_->guest(op.vf).function();
      const uint8_t exp = fn.config().find_capability(hal::pci::kCapIdExp);
      fn.config().write16(exp + hal::pci::kExpDevCtl, hal::pci::kExpDevCtlBcrFlr);
      break;
    }
    case OpKind::kGuestReset: {
      hit(op.vf);
      if (auto r = host_->guest(op.vf).driver().probe(); !r) {
        // Not a violation by itself (the watchdog retries); the end checks say if it stuck.
        ++st.failed;
        note(fmt::format("{}: {}: probe: {}", at(), describe(op), vf::to_string(r.error())));
      }
      break;
    }
    case OpKind::kTrafficOnly: break;
    default: apply_admin(op); break;
  }
}

void Soak::pace_own_reset(const Op& op) {
  if (op.kind != OpKind::kHostFlr && op.kind != OpKind::kGuestReset) return;
  // The PF's flood guard charges these resets to the VF (it cannot tell a host's FLR from one
  // the guest did) and lets one through per reset period in the long run; a host or a guest
  // resetting one VF faster than that, for seconds, is what the guard is there to stop. The
  // soak's operations come milliseconds apart in simulated time, so without this a run of
  // them on one VF would get it disabled as a flooder (check_flood_verdicts). Other VFs'
  // operations, admin calls and PF resets are not held back: the guard charges none of them
  // to this VF.
  const pf::MailboxFloodPolicy& p = opts_.mailbox_flood;
  if (p.rate_per_s == 0) return;
  const hal::Nanos gap = std::min(p.reset_period, pf::MailboxFloodPolicy::kMaxResetPeriod);
  std::optional<hal::Nanos>& last = own_reset_at_[op.vf];
  if (last && host_->clock().now() - *last < gap) {
    while (host_->clock().now() - *last < gap) step();
    check_flood_verdicts();  // before the events of the wait could leave the log
  }
  last = host_->clock().now();
}

void Soak::check_flood_verdicts() {
  const pf::EventLog& log = host_->pf().events();
  const uint64_t fresh = log.total() - events_seen_;
  events_seen_ = log.total();
  if (fresh > log.size()) {
    violation(fmt::format("{}: {} PF events went by unread: a flood verdict may be among them",
                          at(), fresh - log.size()));
  }
  for (size_t i = log.size() - std::min<uint64_t>(fresh, log.size()); i < log.size(); ++i) {
    const pf::Event& e = log[i];
    // The soak's host and guests behave: a VF the guard judged a flooder is a false verdict.
    if (e.code != pf::EventCode::kMailboxFloodDisabled) continue;
    violation(fmt::format("{}: the mailbox flood guard disabled a well-behaved VF: {}", at(),
                          e.reason.view()));
  }
}

void Soak::quiesce() {
  // "Every VF up" needs every VF enabled: a VF last set to disable is set back to auto, as an
  // operator would before checking; the check then expects auto.
  for (unsigned vf = 0; vf < intents_.size(); ++vf) {
    if (intents_[vf].link_state != pf::LinkState::kDisable) continue;
    Op op;
    op.kind = OpKind::kLinkState;
    op.vf = vf;
    op.link = pf::LinkState::kAuto;
    apply_admin(op);
    ++report_.quiesce_enables;
  }
  // An admin MAC change takes effect at the VF's next reset (the PF moves the filter at once,
  // so until then the guest's frames are spoofed and frames to its old MAC go nowhere): the
  // operator reloads the guest's driver, as the PF's event tells them to.
  for (unsigned vf = 0; vf < intents_.size(); ++vf) {
    vf::VfDriver& d = host_->guest(vf).driver();
    if (d.counters().resets > intents_[vf].resets_at_mac) continue;
    if (auto r = d.probe(); !r) {
      note(fmt::format("quiesce: vf {}: driver reload: {}", vf, vf::to_string(r.error())));
    }
    ++report_.quiesce_reloads;
  }
  const hal::Nanos t0 = host_->clock().now();
  report_.quiesced = settle(opts_.quiesce_limit);
  report_.quiesce_time = host_->clock().now() - t0;
}

bool Soak::settle(hal::Nanos limit) {
  traffic_.set_sending(false);
  const hal::Nanos t0 = host_->clock().now();
  unsigned still = 0;
  while (host_->clock().now() - t0 < limit) {
    host_->step(opts_.tick);
    const size_t moved = traffic_.turn();
    recovery_.update(*host_, traffic_);
    ++report_.steps;
    bool all_live = true;
    for (unsigned vf = 0; vf < intents_.size() && all_live; ++vf) {
      all_live = host_->guest(vf).is_up() && traffic_.live(vf);
    }
    still = moved == 0 && all_live ? still + 1 : 0;
    if (still >= kStillTurns && traffic_.in_tx_ring() == 0 && traffic_.in_rx_ring() == 0) {
      return true;
    }
  }
  return false;
}

void Soak::probe_round() {
  const std::vector<GuestTraffic> before = traffic_.books();
  traffic_.set_sending(true);
  for (unsigned i = 0; i < kProbeSteps; ++i) step();
  if (!settle(opts_.quiesce_limit)) violation("probe: the host did not settle after the final round");
  const std::vector<GuestTraffic> after = traffic_.books();
  const unsigned n = static_cast<unsigned>(intents_.size());
  for (unsigned vf = 0; vf < n; ++vf) {
    PairProbe p;
    p.from = vf;
    p.to = (vf + 1) % n;
    p.sent = after[vf].sent - before[vf].sent;
    p.received = after[p.to].from[vf] - before[p.to].from[vf];
    p.expect_delivery = expect_delivery(intents_[vf], intents_[p.to]);
    report_.snapshot.probes.push_back(p);
  }
}

void Soak::snapshot_and_check() {
  SoakSnapshot& s = report_.snapshot;
  for (unsigned vf = 0; vf < intents_.size(); ++vf) {
    const Guest& g = host_->guest(vf);
    const vf::VfDriver& d = g.driver();
    VfSnapshot v;
    v.intent = intents_[vf];
    v.info = host_->pf().vf_info(hal::VfId{vf});
    v.regs = read_vf_regs(host_->device().pf().bar0(), vf, host_->pf().queues_per_pool());
    v.guest_up = g.is_up();
    v.queues_live = traffic_.live(vf);
    v.guest_mac = d.mac();
    v.guest_resets = d.counters().resets;
    v.guest_state = fmt::format("driver {}, link {}{}", vf::to_string(d.state()),
                                d.link_up() ? "up" : "down",
                                d.last_error() ? ", " + vf::to_string(*d.last_error()) : "");
    s.vfs.push_back(std::move(v));
    report_.pf_vf_resets += s.vfs.back().info.counters.resets;
    report_.pf_flrs += s.vfs.back().info.counters.flrs;
    report_.guest_resets += d.counters().resets;
    report_.guest_recoveries += d.counters().recoveries;
    report_.guest_timeouts += d.counters().timeouts;
  }
  s.accounting = host_->device().accounting();
  for (unsigned q = 0; q < hal::ixgbe::pf::kNumQueues; ++q) {
    const sim::QueueCounters qc = host_->device().queue_counters(hal::QueueId{q});
    s.queue_tx_packets += qc.tx_packets;
    s.queue_rx_packets += qc.rx_packets;
  }
  s.wire_frames = traffic_.wire_frames();
  traffic_.teardown();
  // Counted by the queues as they closed, not as what the counters leave over.
  s.in_tx_ring = traffic_.left_in_tx_rings();
  s.in_rx_ring = traffic_.left_in_rx_rings();
  s.traffic = traffic_.books();
  for (const GuestTraffic& t : s.traffic) {
    report_.queue_lives += t.lives;
    report_.queue_setup_failures += t.setup_failures;
  }
  for (auto& line : check(s)) violation(std::move(line));
  for (auto& line : recovery_.unrecovered()) violation(std::move(line));
  if (!report_.quiesced) {
    violation(fmt::format("quiesce: the host did not settle within {} ms of simulated time",
                          std::chrono::duration_cast<std::chrono::milliseconds>(opts_.quiesce_limit).count()));
  }
  for (size_t k = 0; k < kNumOpKinds; ++k) report_.recovery[k] = recovery_.stats(static_cast<OpKind>(k));
}

void Soak::run(const std::vector<std::string>& bring_up_failures) {
  const auto wall0 = WallClock::now();
  const hal::Nanos sim0 = host_->clock().now();
  for (const auto& f : bring_up_failures) violation("bring-up: " + f);
  for (;; ++report_.iterations) {
    if (opts_.iterations && report_.iterations >= *opts_.iterations) break;
    if (opts_.duration && WallClock::now() - wall0 >= *opts_.duration) break;
    if (opts_.progress && report_.iterations != 0 && report_.iterations % opts_.progress_every == 0) {
      opts_.progress(report_.iterations);
    }
    const Op op = picker_.next(intents_);
    pace_own_reset(op);
    step_with(op);
    for (unsigned i = 1; i < op.steps; ++i) step();
    check_flood_verdicts();
  }
  quiesce();
  if (report_.quiesced) probe_round();
  check_flood_verdicts();
  snapshot_and_check();
  report_.simulated = host_->clock().now() - sim0;
  report_.wall_seconds = std::chrono::duration<double>(WallClock::now() - wall0).count();
}

}  // namespace

std::expected<SoakReport, std::string> run_soak(const SoakOptions& opts) {
  if (!opts.duration && !opts.iterations) {
    return std::unexpected(std::string("a soak needs a duration or an iteration count"));
  }
  if (opts.num_vfs < 2 || opts.num_vfs > 63) {
    return std::unexpected(fmt::format("{} VFs: a soak wants 2..63", opts.num_vfs));
  }
  if (!dp::Eal::running()) return std::unexpected(std::string("no EAL is running"));
  HostOptions ho;
  ho.name = "soak0";
  ho.num_vfs = opts.num_vfs;
  ho.mode = Mode::kStepped;
  ho.seed = opts.seed;
  ho.mailbox_flood = opts.mailbox_flood;
  auto host = SimHost::create(std::move(ho));
  auto up = host->bring_up();
  if (!up) return std::unexpected("bring-up: " + up.error());
  Soak soak(opts, std::move(host));
  soak.run(up->failures);
  return soak.take_report();
}

}  // namespace harness::soak
