#pragma once
// The guest failover scenarios of docs/guest-failover.md, on a Cluster (cluster.hpp), stepped
// on simulated time (deterministic): live migration between two hosts (sriov-sim --scenario
// migrate) and an active-backup team over two PFs losing a wire (--scenario team-failover).
// Each returns a report with the figures the issue asks for and the accounting that proves
// nothing was lost silently. Requires a running EAL (shared_eal() is brought up when none runs).

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "hal/clock.hpp"
#include "harness/failover/cluster.hpp"

namespace harness::failover {

struct MigrationOptions {
  /// Probes per second each way (guest -> partner, partner -> guest).
  uint64_t rate_pps = 100000;
  /// Migrations in a row: A -> B, then B -> A, and so on.
  unsigned migrations = 1;
  /// VFs per NIC of each host.
  unsigned vfs_per_host = 4;
  /// VFs of host B other tenants hold (host A keeps all of its VFs for the guest):
  /// vfs_per_host leaves the guest none on B, and it stays on the synthetic path there.
  unsigned busy_vfs_on_target = 0;
  /// The host removes the VF without asking the guest first.
  bool surprise = false;
  /// The guest ignores the eject request: the host removes the VF by surprise after
  /// revoke_timeout.
  bool guest_ignores_revoke = false;
  hal::Nanos revoke_timeout = std::chrono::milliseconds(100);
  /// A surprise removal reaches the guest's OS this long after the function was reset (the
  /// hot-plug controller's report); meanwhile the guest keeps sending into the dead VF.
  hal::Nanos surprise_notice = std::chrono::microseconds(100);
  /// Time on the source's synthetic path before the guest stops (pre-copy).
  hal::Nanos precopy = std::chrono::milliseconds(20);
  /// The guest stopped between the two hosts (stop-and-copy).
  hal::Nanos pause = hal::Nanos::zero();
  /// Traffic before the first migration and after each (once the guest is on a VF again).
  hal::Nanos settle = std::chrono::milliseconds(20);
  hal::Nanos tick = std::chrono::microseconds(10);
  /// Run on the machine's clock (ClusterOptions::realtime): every time is wall-clock time. The
  /// VF rings then have 2048 descriptors (512 stepped), so the OS taking the polling thread's
  /// CPU for up to 2 ms at 1 Mpps overflows none.
  bool realtime = false;
  uint64_t seed = 1;
};

/// One migration.
struct MigrationLeg {
  unsigned from = 0, to = 0;
  /// "graceful", "surprise", "timeout" (the guest did not answer: surprise after the timeout),
  /// or "none" (the guest had no VF on the source).
  std::string removal;
  /// The guest got a VF on the target.
  bool got_vf = false;
  /// From the start of the migration to the VF being gone from the source.
  hal::Nanos vf_removal{};
  /// Time the guest's NIC spent on the synthetic path during this migration: the pre-copy,
  /// the pause (the path stays synthetic while the guest is stopped), and the target's VF
  /// probe (vf_probe) included.
  hal::Nanos on_synthetic{};
  /// From the target's hot-plug of a VF to the guest's NIC sending on it.
  hal::Nanos vf_probe{};
  /// The longest time without a guest frame reaching the partner, while the guest ran: on the
  /// source from the start of the migration to the stop, across the move (from the last frame
  /// before the stop to the first after the resume, less the pause), and on the target from
  /// the resume to the end of the leg. Each includes the interval between two probes (1/rate).
  hal::Nanos gap_out_source{}, gap_out_move{}, gap_out_target{};
  /// The same for the partner's frames reaching the guest.
  hal::Nanos gap_in_source{}, gap_in_move{}, gap_in_target{};
  /// From the resume to the first guest frame at the partner.
  hal::Nanos resume_to_first_out{};
  /// The switchover gap: the longest of the three guest-frame gaps.
  hal::Nanos switchover_gap() const { return std::max({gap_out_source, gap_out_move, gap_out_target}); }
};

/// Frames of one direction, by sequence number: sent (taken by the sender's interface),
/// received at least once, lost = sent - received (after the drain, nothing is in flight).
struct DirectionTotals {
  uint64_t sent = 0;
  uint64_t received = 0;
  uint64_t duplicates = 0;
  uint64_t lost() const { return sent - received; }
};

struct MigrationReport {
  MigrationOptions opts;
  std::vector<MigrationLeg> legs;
  DirectionTotals out;  ///< guest -> partner
  DirectionTotals in;   ///< partner -> guest
  ClusterLedger ledger;
  /// Component checks (cluster.check()) and anything the run could not do; empty when fine.
  std::string problems;
  bool drained = false;
  bool ended_on_vf = false;
  std::vector<Cluster::Note> notes;
  /// The run's length on its clock (simulated, or real with `realtime`).
  hal::Nanos simulated{};
  double wall_seconds = 0;
  /// Cluster::longest_stall(): with `realtime`, the longest the polling thread was away.
  hal::Nanos longest_stall{};
  /// The largest switchover gap over the legs.
  hal::Nanos switchover_gap() const;
  /// Nothing lost silently and every component's own check held.
  bool accounted() const { return problems.empty() && drained && ledger.unaccounted() == 0; }
};

MigrationReport run_migration(const MigrationOptions& opts);

struct TeamScenarioOptions {
  uint64_t rate_pps = 100000;
  /// Traffic before the wire goes down, while it is down, and after it is back.
  hal::Nanos before = std::chrono::milliseconds(20);
  hal::Nanos down = std::chrono::milliseconds(20);
  hal::Nanos after = std::chrono::milliseconds(30);
  /// The team's updelay.
  hal::Nanos up_delay = std::chrono::milliseconds(10);
  hal::Nanos tick = std::chrono::microseconds(10);
  /// As MigrationOptions::realtime.
  bool realtime = false;
  uint64_t seed = 1;
};

struct TeamReport {
  TeamScenarioOptions opts;
  /// From the wire going down to the team's failover.
  hal::Nanos failover_time{};
  bool failed_over = false;
  /// Failovers in the whole run (1: no flapping when the wire came back).
  uint64_t failovers = 0;
  /// The member active at the end (1: it stayed on the survivor).
  int active_at_end = -1;
  /// The longest time without a guest frame at the partner (out) and without a partner frame
  /// at the guest (in), from the wire going down to the end of the down period.
  hal::Nanos gap_out{}, gap_in{};
  DirectionTotals out, in;
  /// Guest frames handed to the team after its failover (from the first frame it sent on the
  /// new member) that never arrived (target 0).
  uint64_t lost_after_failover = 0;
  /// Drops counted on the surviving path (its NIC and its ToR port; target 0), and on the
  /// failed one.
  uint64_t surviving_path_drops = 0;
  uint64_t failed_path_drops = 0;
  ClusterLedger ledger;
  std::string problems;
  bool drained = false;
  std::vector<Cluster::Note> notes;
  hal::Nanos simulated{};
  double wall_seconds = 0;
  hal::Nanos longest_stall{};
  bool accounted() const { return problems.empty() && drained && ledger.unaccounted() == 0; }
};

TeamReport run_team_failover(const TeamScenarioOptions& opts);

}  // namespace harness::failover
