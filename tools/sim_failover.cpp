// sriov-sim --scenario migrate | team-failover (sim_failover.hpp).
#include "tools/sim_failover.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include <functional>

#include "datapath/eal.hpp"

namespace tools {

namespace hfo = harness::failover;

namespace {

constexpr hal::Nanos kFoTarget = std::chrono::milliseconds(1);

double fo_us(hal::Nanos d) { return static_cast<double>(d.count()) / 1e3; }
double fo_ms(hal::Nanos d) { return static_cast<double>(d.count()) / 1e6; }

hal::Nanos fo_from_ms(double v) { return hal::Nanos(static_cast<int64_t>(v * 1e6)); }

constexpr const char* kFoMigrateOnly[] = {"--migrations", "--busy-vfs", "--surprise", "--ignore-revoke",
                                        "--precopy", "--pause", "--revoke-timeout"};

std::string fo_clock_text(bool realtime, hal::Nanos tick) {
  return realtime ? std::string("real time: one thread polling everything, wall-clock figures")
                  : fmt::format("simulated time, {:.0f} us steps", fo_us(tick));
}

std::string fo_drops_text(const std::map<std::string, uint64_t>& m) {
  std::string s;
  for (const auto& [k, v] : m) s += fmt::format("{}{}={}", s.empty() ? "" : " ", k, v);
  return s.empty() ? "none" : s;
}

std::string fo_notes_text(const std::vector<hfo::Cluster::Note>& notes) {
  std::string s;
  for (const auto& n : notes) s += fmt::format("  {:>10.3f} ms  {}\n", fo_ms(n.at), n.text);
  return s;
}

nlohmann::json fo_notes_json(const std::vector<hfo::Cluster::Note>& notes) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& n : notes) a.push_back({{"at_ns", n.at.count()}, {"text", n.text}});
  return a;
}

nlohmann::json fo_ledger_json(const hfo::ClusterLedger& l) {
  return {{"sent", l.sent},          {"extra_copies", l.extra_copies}, {"received", l.received},
          {"dropped", l.dropped()},  {"in_flight", l.in_flight},       {"unaccounted", l.unaccounted()},
          {"drops", l.drops}};
}

nlohmann::json fo_direction_json(const hfo::DirectionTotals& d) {
  return {{"sent", d.sent}, {"received", d.received}, {"lost", d.lost()}, {"duplicates", d.duplicates}};
}

std::string fo_ledger_line(const hfo::ClusterLedger& l, bool drained) {
  return fmt::format("accounting: sent {} + copies {} = received {} + dropped {} + in flight {}; unaccounted {}{}\n",
                     l.sent, l.extra_copies, l.received, l.dropped(), l.in_flight, l.unaccounted(),
                     drained ? "" : " (NOT DRAINED)");
}

/// What both reports end with: drops, the accounting, problems, events, run time, verdict.
std::string fo_report_tail(const hfo::ClusterLedger& l, bool drained, const std::string& problems,
                        const std::vector<hfo::Cluster::Note>& notes, hal::Nanos simulated, double wall, bool realtime,
                        hal::Nanos stall, bool ok, const std::string& why) {
  std::string s = "drops: " + fo_drops_text(l.drops) + "\n";
  s += fo_ledger_line(l, drained);
  if (!problems.empty()) s += "problems: " + problems + "\n";
  s += "events:\n" + fo_notes_text(notes);
  s += fmt::format("ran {:.3f} ms on the run's clock in {:.2f} s of wall time\n", fo_ms(simulated), wall);
  if (realtime) s += fmt::format("longest stall of the polling thread: {:.1f} us\n", fo_us(stall));
  s += ok ? "result: ok\n" : "result: FAILED: " + why + "\n";
  return s;
}

/// What both JSON reports end with.
template <typename Report>
void fo_json_tail(nlohmann::json& j, const Report& r, bool ok, const std::string& why) {
  j["ledger"] = fo_ledger_json(r.ledger);
  j["drained"] = r.drained;
  j["problems"] = r.problems;
  j["events"] = fo_notes_json(r.notes);
  j["simulated_ns"] = r.simulated.count();
  j["wall_seconds"] = r.wall_seconds;
  j["longest_stall_ns"] = r.longest_stall.count();
  j["ok"] = ok;
  j["why"] = why;
}

}  // namespace

void add_failover_options(CLI::App& app, FailoverArgs& a) {
  app.add_option("--migrations", a.migrations, "migrate: migrations in a row, A -> B -> A ... (1-100)")
      ->check(CLI::Range(1u, 100u));
  app.add_option("--busy-vfs", a.busy_vfs, "migrate: VFs of host B held by other tenants (0-4; 4: none free)")
      ->check(CLI::Range(0u, 4u));
  auto* surprise = app.add_flag("--surprise", a.surprise, "migrate: remove the VF without asking the guest first");
  auto* ignore = app.add_flag("--ignore-revoke", a.ignore_revoke,
                              "migrate: the guest ignores the eject request (surprise removal after --revoke-timeout)");
  surprise->excludes(ignore);
  app.add_option("--precopy", a.precopy_ms, "migrate: milliseconds on the source's synthetic path before the stop")
      ->check(CLI::Range(0.0, 10000.0));
  app.add_option("--pause", a.pause_ms, "migrate: milliseconds the guest stays stopped between the hosts")
      ->check(CLI::Range(0.0, 10000.0));
  app.add_option("--revoke-timeout", a.revoke_timeout_ms,
                 "migrate: milliseconds the host waits for the guest to release its VF")
      ->check(CLI::Range(1.0, 60000.0))
      ->excludes(surprise);
  // Past 100 us two steps already exceed a fifth of the 1 ms targets: a figure then says more
  // about the step than about the switchover.
  auto* tick = app.add_option("--tick", a.tick_us, "migrate, team-failover: simulated microseconds per step (1-100)")
                   ->check(CLI::Range(1.0, 100.0));
  app.add_flag("--realtime", a.realtime,
               "migrate, team-failover: run on the machine's clock, one thread polling everything; "
               "every time reported is wall-clock time")
      ->excludes(tick);
}

std::string check_failover_options(const CLI::App& app, const std::string& scenario) {
  const bool migrate = scenario == "migrate";
  const bool any = migrate || scenario == "team-failover";
  for (const char* o : kFoMigrateOnly) {
    if (app.count(o) != 0 && !migrate) return fmt::format("{}: with --scenario migrate only", o);
  }
  if (app.count("--tick") != 0 && !any) return "--tick: with --scenario migrate or team-failover only";
  if (app.count("--realtime") != 0 && !any) return "--realtime: with --scenario migrate or team-failover only";
  return {};
}

hfo::MigrationOptions migration_options(const FailoverArgs& a, uint64_t rate_pps, uint64_t seed) {
  hfo::MigrationOptions o;
  if (rate_pps != 0) o.rate_pps = rate_pps;
  o.migrations = a.migrations;
  o.busy_vfs_on_target = a.busy_vfs;
  o.surprise = a.surprise;
  o.guest_ignores_revoke = a.ignore_revoke;
  o.precopy = fo_from_ms(a.precopy_ms);
  o.pause = fo_from_ms(a.pause_ms);
  o.revoke_timeout = fo_from_ms(a.revoke_timeout_ms);
  o.tick = hal::Nanos(static_cast<int64_t>(a.tick_us * 1e3));
  o.realtime = a.realtime;
  o.seed = seed;
  return o;
}

hfo::TeamScenarioOptions team_options(const FailoverArgs& a, uint64_t rate_pps, uint64_t seed) {
  hfo::TeamScenarioOptions o;
  if (rate_pps != 0) o.rate_pps = rate_pps;
  o.tick = hal::Nanos(static_cast<int64_t>(a.tick_us * 1e3));
  o.realtime = a.realtime;
  o.seed = seed;
  return o;
}

bool migration_ok(const hfo::MigrationReport& r, std::string& why) {
  if (!r.accounted()) {
    why += r.problems.empty() ? std::string() : r.problems;
    if (!r.drained) why += "frames still in flight after the drain; ";
    if (r.ledger.unaccounted() != 0) why += fmt::format("{} frames unaccounted for; ", r.ledger.unaccounted());
  }
  bool graceful = !r.legs.empty();
  bool target_free = r.opts.busy_vfs_on_target < r.opts.vfs_per_host;
  for (const auto& l : r.legs) graceful = graceful && (l.removal == "graceful" || l.removal == "none");
  if (graceful) {
    if (r.out.lost() != 0) why += fmt::format("{} guest frames lost (target 0); ", r.out.lost());
    if (r.switchover_gap() >= kFoTarget) {
      why += fmt::format("switchover gap {:.1f} us (target under 1000 us); ", fo_us(r.switchover_gap()));
    }
  }
  // The last leg's target decides where the guest ends.
  const bool last_to_b = !r.legs.empty() && r.legs.back().to == 1;
  if ((target_free || !last_to_b) && !r.ended_on_vf) why += "the guest did not end on a VF; ";
  if (!target_free && last_to_b && r.ended_on_vf) why += "the guest ended on a VF the target did not have; ";
  return why.empty();
}

bool team_ok(const hfo::TeamReport& r, std::string& why) {
  if (!r.accounted()) {
    why += r.problems;
    if (!r.drained) why += "frames still in flight after the drain; ";
    if (r.ledger.unaccounted() != 0) why += fmt::format("{} frames unaccounted for; ", r.ledger.unaccounted());
  }
  if (!r.failed_over) why += "no failover; ";
  if (r.failed_over && r.failover_time >= kFoTarget) {
    why += fmt::format("failover took {:.1f} us (target under 1000 us); ", fo_us(r.failover_time));
  }
  if (r.failovers > 1) why += fmt::format("{} failovers: the team flapped; ", r.failovers);
  if (r.active_at_end != 1) why += fmt::format("member {} active at the end (want 1, the survivor); ", r.active_at_end);
  if (r.lost_after_failover != 0) why += fmt::format("{} frames lost after the failover; ", r.lost_after_failover);
  if (r.surviving_path_drops != 0) why += fmt::format("{} drops on the surviving path; ", r.surviving_path_drops);
  return why.empty();
}

std::string format_migration(const hfo::MigrationReport& r) {
  const auto& o = r.opts;
  std::string s = fmt::format(
      "Live migration ({}; {} probes/s each way; {} VFs per host, {} busy on B; pre-copy {:.1f} ms, pause {:.1f} ms)\n",
      fo_clock_text(o.realtime, o.tick), o.rate_pps, o.vfs_per_host, o.busy_vfs_on_target, fo_ms(o.precopy),
      fo_ms(o.pause));
  s += fmt::format("{:<4} {:<6} {:<9} {:>11} {:>13} {:>9} {:>20} {:>20} {:>15} {:>4}\n", "leg", "hosts", "removal",
                   "removal ms", "synthetic ms", "probe ms", "gap out us s/m/t", "gap in us s/m/t", "resume->out us",
                   "VF");
  for (size_t i = 0; i < r.legs.size(); ++i) {
    const auto& l = r.legs[i];
    s += fmt::format("{:<4} {:<6} {:<9} {:>11.3f} {:>13.3f} {:>9.3f} {:>20} {:>20} {:>15.1f} {:>4}\n", i + 1,
                     fmt::format("{}->{}", hfo::Cluster::host_name(l.from), hfo::Cluster::host_name(l.to)), l.removal,
                     fo_ms(l.vf_removal), fo_ms(l.on_synthetic), fo_ms(l.vf_probe),
                     fmt::format("{:.0f}/{:.0f}/{:.0f}", fo_us(l.gap_out_source), fo_us(l.gap_out_move),
                                 fo_us(l.gap_out_target)),
                     fmt::format("{:.0f}/{:.0f}/{:.0f}", fo_us(l.gap_in_source), fo_us(l.gap_in_move),
                                 fo_us(l.gap_in_target)),
                     fo_us(l.resume_to_first_out), l.got_vf ? "yes" : "no");
  }
  s += fmt::format("guest -> partner: sent {}, received {}, lost {} (duplicates {})\n", r.out.sent, r.out.received,
                   r.out.lost(), r.out.duplicates);
  s += fmt::format("partner -> guest: sent {}, received {}, lost {} (duplicates {})\n", r.in.sent, r.in.received,
                   r.in.lost(), r.in.duplicates);
  s += fmt::format("switchover gap: {:.1f} us (largest over the legs; {})\n", fo_us(r.switchover_gap()),
                   o.realtime ? std::string("wall-clock") : fmt::format("resolution {:.0f} us", fo_us(o.tick)));
  s += fmt::format("guest ends on: {}\n", r.ended_on_vf ? "its VF" : "the synthetic path");
  std::string why;
  const bool ok = migration_ok(r, why);
  return s + fo_report_tail(r.ledger, r.drained, r.problems, r.notes, r.simulated, r.wall_seconds, r.opts.realtime,
                            r.longest_stall, ok, why);
}

nlohmann::json migration_json(const hfo::MigrationReport& r) {
  nlohmann::json j;
  const auto& o = r.opts;
  j["options"] = {{"rate_pps", o.rate_pps},         {"migrations", o.migrations},
                  {"vfs_per_host", o.vfs_per_host}, {"busy_vfs_on_target", o.busy_vfs_on_target},
                  {"surprise", o.surprise},         {"guest_ignores_revoke", o.guest_ignores_revoke},
                  {"precopy_ns", o.precopy.count()}, {"pause_ns", o.pause.count()},
                  {"tick_ns", o.tick.count()},      {"realtime", o.realtime}, {"seed", o.seed}};
  j["legs"] = nlohmann::json::array();
  for (const auto& l : r.legs) {
    j["legs"].push_back({{"from", hfo::Cluster::host_name(l.from)},
                         {"to", hfo::Cluster::host_name(l.to)},
                         {"removal", l.removal},
                         {"got_vf", l.got_vf},
                         {"vf_removal_ns", l.vf_removal.count()},
                         {"on_synthetic_ns", l.on_synthetic.count()},
                         {"vf_probe_ns", l.vf_probe.count()},
                         {"gap_out_source_ns", l.gap_out_source.count()},
                         {"gap_out_move_ns", l.gap_out_move.count()},
                         {"gap_in_move_ns", l.gap_in_move.count()},
                         {"gap_out_target_ns", l.gap_out_target.count()},
                         {"gap_in_source_ns", l.gap_in_source.count()},
                         {"gap_in_target_ns", l.gap_in_target.count()},
                         {"resume_to_first_out_ns", l.resume_to_first_out.count()},
                         {"switchover_gap_ns", l.switchover_gap().count()}});
  }
  j["out"] = fo_direction_json(r.out);
  j["in"] = fo_direction_json(r.in);
  j["switchover_gap_ns"] = r.switchover_gap().count();
  j["ended_on_vf"] = r.ended_on_vf;
  std::string why;
  const bool ok = migration_ok(r, why);
  fo_json_tail(j, r, ok, why);
  return j;
}

std::string format_team(const hfo::TeamReport& r) {
  const auto& o = r.opts;
  std::string s = fmt::format(
      "Active-backup team failover ({}; {} probes/s each way; two VFs on two NICs, one MAC; up delay {:.1f} ms)\n",
      fo_clock_text(o.realtime, o.tick), o.rate_pps, fo_ms(o.up_delay));
  s += fmt::format("failover after the link went down: {}\n",
                   r.failed_over ? fmt::format("{:.1f} us", fo_us(r.failover_time)) : std::string("never"));
  s += fmt::format("failovers: {} (the wire came back after {:.1f} ms; member {} active at the end)\n", r.failovers,
                   fo_ms(o.down), r.active_at_end);
  s += fmt::format("longest gap while down: out {:.1f} us, in {:.1f} us\n", fo_us(r.gap_out), fo_us(r.gap_in));
  s += fmt::format("guest -> partner: sent {}, received {}, lost {} ({} after the failover)\n", r.out.sent,
                   r.out.received, r.out.lost(), r.lost_after_failover);
  s += fmt::format("partner -> guest: sent {}, received {}, lost {}\n", r.in.sent, r.in.received, r.in.lost());
  s += fmt::format("drops on the surviving path: {}; on the failed path: {}\n", r.surviving_path_drops,
                   r.failed_path_drops);
  std::string why;
  const bool ok = team_ok(r, why);
  return s + fo_report_tail(r.ledger, r.drained, r.problems, r.notes, r.simulated, r.wall_seconds, r.opts.realtime,
                            r.longest_stall, ok, why);
}

nlohmann::json team_json(const hfo::TeamReport& r) {
  nlohmann::json j;
  const auto& o = r.opts;
  j["options"] = {{"rate_pps", o.rate_pps},         {"before_ns", o.before.count()}, {"down_ns", o.down.count()},
                  {"after_ns", o.after.count()},    {"up_delay_ns", o.up_delay.count()},
                  {"tick_ns", o.tick.count()},      {"realtime", o.realtime}, {"seed", o.seed}};
  j["failed_over"] = r.failed_over;
  j["failover_ns"] = r.failover_time.count();
  j["failovers"] = r.failovers;
  j["active_at_end"] = r.active_at_end;
  j["gap_out_ns"] = r.gap_out.count();
  j["gap_in_ns"] = r.gap_in.count();
  j["out"] = fo_direction_json(r.out);
  j["in"] = fo_direction_json(r.in);
  j["lost_after_failover"] = r.lost_after_failover;
  j["surviving_path_drops"] = r.surviving_path_drops;
  j["failed_path_drops"] = r.failed_path_drops;
  std::string why;
  const bool ok = team_ok(r, why);
  fo_json_tail(j, r, ok, why);
  return j;
}

namespace {
/// Brings the EAL up, runs the scenario, prints its report; the exit status.
template <typename Report>
int fo_run_and_print(const std::function<Report()>& run, nlohmann::json (*to_json)(const Report&),
                  std::string (*to_text)(const Report&), bool (*ok)(const Report&, std::string&), bool json) {
  if (const auto& eal = dp::shared_eal(); !eal) {
    fmt::print(stderr, "sriov-sim: EAL: {}\n", dp::to_string(eal.error()));
    return 2;
  }
  const Report r = run();
  fmt::print("{}", json ? to_json(r).dump(2) + "\n" : to_text(r));
  std::string why;
  return ok(r, why) ? 0 : 1;
}
}  // namespace

int run_migration_report(const hfo::MigrationOptions& o, bool json) {
  return fo_run_and_print<hfo::MigrationReport>([&] { return hfo::run_migration(o); }, migration_json,
                                             format_migration, migration_ok, json);
}

int run_team_report(const hfo::TeamScenarioOptions& o, bool json) {
  return fo_run_and_print<hfo::TeamReport>([&] { return hfo::run_team_failover(o); }, team_json, format_team, team_ok,
                                        json);
}

}  // namespace tools
