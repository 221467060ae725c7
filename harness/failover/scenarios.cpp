#include "harness/failover/scenarios.hpp"

#include <fmt/format.h>

#include <chrono>

#include "datapath/eal.hpp"

namespace harness::failover {

namespace {

using namespace std::chrono_literals;

hal::Nanos time_on_synthetic(GuestVm& vm) {
  return vm.nic() != nullptr ? hal::Nanos(vm.nic()->counters().time_on_synthetic_ns) : hal::Nanos::zero();
}

bool on_vf(GuestVm& vm) { return vm.nic() != nullptr && vm.nic()->path() == Path::kVf; }

void finish_totals(Cluster& c, DirectionTotals& out, DirectionTotals& in) {
  out.sent = c.guest().sent();
  out.received = c.partner().from_guest().distinct();
  out.duplicates = c.partner().from_guest().duplicates();
  in.sent = c.partner().sent();
  in.received = c.guest().from_partner().distinct();
  in.duplicates = c.guest().from_partner().duplicates();
}

/// One migration of the guest from `from` to `to`.
MigrationLeg migrate_once(Cluster& c, const MigrationOptions& o, unsigned from, unsigned to, std::string& problems) {
  MigrationLeg leg;
  leg.from = from;
  leg.to = to;
  GuestVm& vm = c.guest();
  const hal::Nanos t0 = c.clock().now();
  const hal::Nanos synthetic0 = time_on_synthetic(vm);
  c.note(fmt::format("migration {} -> {} begins", Cluster::host_name(from), Cluster::host_name(to)));
  c.partner().from_guest().start_window(t0);
  vm.from_partner().start_window(t0);

  // 1. The source takes its VF back: gracefully (the guest moves to the synthetic path and
  //    lets go), or by surprise (at once, or when the guest does not answer in time).
  const std::vector<VfLocation> vfs = c.guest_vfs();
  auto surprise = [&](VfLocation loc) {
    if (auto r = c.surprise_remove(loc, o.surprise_notice); !r) {
      problems += "surprise removal: " + r.error() + "; ";
      return;
    }
    if (!c.run_until([&] { return !c.surprise_pending(); }, 100ms)) problems += "the surprise removal never ended; ";
  };
  if (vfs.empty()) {
    leg.removal = "none";
  } else {
    const VfLocation loc = vfs.front();
    if (o.surprise) {
      leg.removal = "surprise";
      surprise(loc);
    } else if (auto r = c.revoke_vf(loc); !r) {
      problems += "revoke: " + r.error() + "; ";
      leg.removal = "surprise";
      surprise(loc);
    } else if (c.run_until([&] { return c.vf_released(from); }, o.revoke_timeout)) {
      leg.removal = "graceful";
      if (auto rr = c.remove_released_vf(loc); !rr) problems += "removal: " + rr.error() + "; ";
    } else {
      leg.removal = "timeout";
      c.note(fmt::format("host {}: the guest did not release its VF within {} ms", Cluster::host_name(from),
                         std::chrono::duration<double, std::milli>(o.revoke_timeout).count()));
      surprise(loc);
    }
  }
  leg.vf_removal = c.clock().now() - t0;

  // 2. Pre-copy on the source's synthetic path, then stop-and-copy.
  c.run_for(o.precopy);
  leg.gap_out_source = c.partner().from_guest().longest_gap(c.clock().now());
  leg.gap_in_source = vm.from_partner().longest_gap(c.clock().now());
  const auto last_out = c.partner().from_guest().last_arrival();
  const auto last_in = vm.from_partner().last_arrival();
  const hal::Nanos stop = c.clock().now();
  vm.set_paused(true);
  c.note("guest stopped (stop-and-copy)");
  if (auto r = c.detach_guest(); !r) problems += "detach: " + r.error() + "; ";
  if (o.pause > hal::Nanos::zero()) c.run_for(o.pause);
  if (auto r = c.attach_guest(to); !r) problems += "attach: " + r.error() + "; ";
  vm.set_paused(false);
  const hal::Nanos resume = c.clock().now();
  const hal::Nanos paused = resume - stop;
  c.note(fmt::format("guest resumed on host {}", Cluster::host_name(to)));
  c.partner().from_guest().start_window(resume);
  vm.from_partner().start_window(resume);
  if (!c.run_until([&] { return c.partner().from_guest().in_window() != 0; }, 10ms)) {
    problems += fmt::format("no guest frame reached the partner within 10 ms of the resume on host {}; ",
                            Cluster::host_name(to));
  }
  leg.resume_to_first_out = c.clock().now() - resume;
  // The move's gap: last arrival before the stop to first after the resume, less the pause.
  auto move_gap = [&](const std::optional<hal::Nanos>& before, const std::optional<hal::Nanos>& after) {
    if (!before || !after) return hal::Nanos::zero();
    return *after - *before - paused;
  };
  leg.gap_out_move = move_gap(last_out, c.partner().from_guest().first_in_window());

  // 3. The target gives the guest a VF if it has one free.
  if (c.free_vf(to, 0)) {
    const hal::Nanos plug = c.clock().now();
    if (auto r = c.hotplug_vf(to, 0); !r) {
      problems += "hotplug: " + r.error() + "; ";
    } else {
      leg.got_vf = c.run_until([&] { return on_vf(vm); }, 200ms);
      if (!leg.got_vf) problems += fmt::format("the guest did not move to its VF on host {}; ", Cluster::host_name(to));
      leg.vf_probe = c.clock().now() - plug;
    }
  } else {
    c.note(fmt::format("host {}: no free VF: the guest stays on the synthetic path", Cluster::host_name(to)));
  }
  c.run_for(o.settle);
  leg.gap_out_target = c.partner().from_guest().longest_gap(c.clock().now());
  leg.gap_in_target = vm.from_partner().longest_gap(c.clock().now());
  // The partner's frames reach the guest again once the ToR has learned where it went.
  leg.gap_in_move = move_gap(last_in, vm.from_partner().first_in_window());
  leg.on_synthetic = time_on_synthetic(vm) - synthetic0;
  return leg;
}

std::string eal_problem() {
  if (dp::Eal::running()) return {};
  const auto& eal = dp::shared_eal();
  if (!eal) return fmt::format("EAL: {}", dp::to_string(eal.error()));
  return {};
}

/// What both reports end with: the components' checks, the events and the run's times.
template <typename Report>
void finish_report(Report& rep, const Cluster& c, std::chrono::steady_clock::time_point wall0) {
  rep.problems += c.check();
  rep.notes = c.notes();
  rep.simulated = c.elapsed();
  rep.longest_stall = c.longest_stall();
  rep.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
}

}  // namespace

hal::Nanos MigrationReport::switchover_gap() const {
  hal::Nanos g{};
  for (const auto& l : legs) g = std::max(g, l.switchover_gap());
  return g;
}

MigrationReport run_migration(const MigrationOptions& o) {
  MigrationReport rep;
  rep.opts = o;
  const auto wall0 = std::chrono::steady_clock::now();
  if (rep.problems = eal_problem(); !rep.problems.empty()) return rep;
  ClusterOptions co;
  co.hosts = 2;
  co.vfs_per_nic = o.vfs_per_host;
  co.tick = o.tick;
  co.realtime = o.realtime;
  co.vf_ring = o.realtime ? 2048 : 512;
  co.rate_pps = o.rate_pps;
  co.seed = o.seed;
  co.guest.ignore_revoke = o.guest_ignores_revoke;
  auto made = Cluster::create(co);
  if (!made) {
    rep.problems = made.error();
    return rep;
  }
  Cluster& c = **made;
  // Other tenants on each host's first VFs: the guest gets what is left.
  for (unsigned h = 0; h < 2; ++h) {
    const unsigned busy = h == 0 ? 0 : o.busy_vfs_on_target;
    for (unsigned v = 0; v < busy && v < o.vfs_per_host; ++v) c.set_vf_busy(VfLocation{h, 0, hal::VfId{v}}, true);
  }
  if (auto r = c.attach_guest(0); !r) {
    rep.problems = r.error();
    return rep;
  }
  if (auto r = c.hotplug_vf(0, 0); !r) {
    rep.problems = r.error();
    return rep;
  }
  if (!c.run_until([&] { return on_vf(c.guest()); }, 200ms)) rep.problems += "the guest never moved to its first VF; ";
  c.set_traffic(true);
  c.run_for(o.settle);
  for (unsigned m = 0; m < o.migrations; ++m) {
    const unsigned from = m % 2, to = 1 - from;
    rep.legs.push_back(migrate_once(c, o, from, to, rep.problems));
  }
  rep.ended_on_vf = on_vf(c.guest());
  rep.drained = c.drain();
  finish_totals(c, rep.out, rep.in);
  rep.ledger = c.ledger();
  finish_report(rep, c, wall0);
  return rep;
}

TeamReport run_team_failover(const TeamScenarioOptions& o) {
  TeamReport rep;
  rep.opts = o;
  const auto wall0 = std::chrono::steady_clock::now();
  if (rep.problems = eal_problem(); !rep.problems.empty()) return rep;
  ClusterOptions co;
  co.hosts = 1;
  co.nics_per_host = 2;
  co.vfs_per_nic = 2;
  co.tick = o.tick;
  co.realtime = o.realtime;
  co.vf_ring = o.realtime ? 2048 : 512;
  co.rate_pps = o.rate_pps;
  co.seed = o.seed;
  co.guest.nic = GuestNic::kTeam;
  co.guest.team.up_delay = o.up_delay;
  auto made = Cluster::create(co);
  if (!made) {
    rep.problems = made.error();
    return rep;
  }
  Cluster& c = **made;
  GuestVm& vm = c.guest();
  ActiveBackupTeam& team = *vm.team();
  for (unsigned n = 0; n < 2; ++n) {
    if (auto r = c.hotplug_vf(0, n); !r) {
      rep.problems = r.error();
      return rep;
    }
  }
  if (!c.run_until([&] { return team.active() == 0; }, 200ms)) rep.problems += "the team never chose NIC 0; ";
  c.set_traffic(true);
  c.run_for(o.before);

  const unsigned failed_port = c.tor_port(0, 0), surviving_port = c.tor_port(0, 1);
  const uint64_t failovers0 = team.counters().failovers;
  // Path drops are counted from the failure on: what each path dropped before is not the
  // failover's.
  auto path_drops = [&](const std::string& nic, unsigned port) {
    uint64_t n = c.tor().port_counters(port).dropped;
    for (const auto& [k, v] : c.ledger().drops) n += k.starts_with(nic) ? v : 0;
    return n;
  };
  const uint64_t surviving0 = path_drops("A1/", surviving_port), failed0 = path_drops("A0/", failed_port);
  const hal::Nanos t_down = c.clock().now();
  c.tor().set_link(failed_port, false);
  c.note("ToR: NIC A0's port down (the active member's wire)");
  c.partner().from_guest().start_window(t_down);
  vm.from_partner().start_window(t_down);
  rep.failed_over = c.run_until([&] { return team.counters().failovers > failovers0; }, 100ms);
  if (rep.failed_over) {
    rep.failover_time = team.last_failover() - t_down;
    c.note(fmt::format("guest: team failed over to member {}", team.active()));
  } else {
    rep.problems += "the team did not fail over within 100 ms; ";
  }
  c.run_until([&] { return c.clock().now() >= t_down + o.down; }, o.down);
  rep.gap_out = c.partner().from_guest().longest_gap(c.clock().now());
  rep.gap_in = vm.from_partner().longest_gap(c.clock().now());
  c.tor().set_link(failed_port, true);
  c.note("ToR: NIC A0's port up again");
  c.run_for(o.after);
  rep.failovers = team.counters().failovers - failovers0;
  rep.active_at_end = team.active();
  rep.drained = c.drain();
  finish_totals(c, rep.out, rep.in);
  // From the first frame the guest handed to the team after it changed member.
  for (uint64_t s = vm.seq_at_last_switch(); s < vm.sent(); ++s) {
    rep.lost_after_failover += c.partner().from_guest().seen(s) ? 0 : 1;
  }
  rep.ledger = c.ledger();
  rep.surviving_path_drops = path_drops("A1/", surviving_port) - surviving0;
  rep.failed_path_drops = path_drops("A0/", failed_port) - failed0;
  finish_report(rep, c, wall0);
  return rep;
}

}  // namespace harness::failover
