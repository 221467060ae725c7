#pragma once
// sriov-sim --scenario migrate | team-failover: the guest failover scenarios
// (harness/failover/scenarios.hpp) from the command line, their figures as a table or JSON,
// and the exit status: 0 when every frame is accounted for and the targets of
// docs/guest-failover.md hold for the run's kind, 1 otherwise (the report says which), 2 when
// the EAL could not start.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "harness/failover/scenarios.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace tools {

/// The scenarios' own options.
struct FailoverArgs {
  unsigned migrations = 1;
  unsigned busy_vfs = 0;
  bool surprise = false;
  bool ignore_revoke = false;
  double precopy_ms = 20;
  double pause_ms = 0;
  double revoke_timeout_ms = 100;
  double tick_us = 10;
  bool realtime = false;
};

/// Adds --migrations, --busy-vfs, --surprise, --ignore-revoke, --precopy, --pause,
/// --revoke-timeout, --tick and --realtime to `app`.
void add_failover_options(CLI::App& app, FailoverArgs& args);
/// After parsing: empty when the failover options given fit `scenario` (the migration's only
/// with migrate, --tick with either, none without one), else the usage error.
std::string check_failover_options(const CLI::App& app, const std::string& scenario);

harness::failover::MigrationOptions migration_options(const FailoverArgs& a, uint64_t rate_pps, uint64_t seed);
harness::failover::TeamScenarioOptions team_options(const FailoverArgs& a, uint64_t rate_pps, uint64_t seed);

/// Whether a migration report meets the targets that apply to it: nothing unaccounted; with
/// graceful removals only, no guest frame lost and a switchover gap under 1 ms; the guest on a
/// VF at the end when the target had one free. `why` gets the reasons.
bool migration_ok(const harness::failover::MigrationReport& r, std::string& why);
/// The team's: nothing unaccounted, one failover under 1 ms, no loss after it and none on the
/// surviving path, no failback.
bool team_ok(const harness::failover::TeamReport& r, std::string& why);

std::string format_migration(const harness::failover::MigrationReport& r);
nlohmann::json migration_json(const harness::failover::MigrationReport& r);
std::string format_team(const harness::failover::TeamReport& r);
nlohmann::json team_json(const harness::failover::TeamReport& r);

/// Runs the scenario and prints its report to stdout; returns the exit status.
int run_migration_report(const harness::failover::MigrationOptions& o, bool json);
int run_team_report(const harness::failover::TeamScenarioOptions& o, bool json);

}  // namespace tools
