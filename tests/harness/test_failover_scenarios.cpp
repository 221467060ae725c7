// The guest failover scenarios (issue 7) at a reduced rate, stepped on simulated time:
// live migration between two hosts with a failover NIC (graceful, surprise, a guest that does
// not answer, no free VF on the target, back and forth), and an active-backup team of VFs on
// two PFs losing a wire. Each asserts that every frame is accounted for and where the guest
// ends; the migration's and the team's own targets (no guest frame lost, gaps and failover
// under a millisecond) are asserted where they must hold whatever the rate.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "harness/failover/cluster.hpp"
#include "harness/failover/scenarios.hpp"
#include "datapath/eal.hpp"

namespace {

using namespace std::chrono_literals;
namespace hfo = harness::failover;

std::string fo_ledger_text(const hfo::ClusterLedger& l) {
  std::string s = fmt::format("sent {} copies {} received {} in flight {} unaccounted {}; drops:", l.sent,
                              l.extra_copies, l.received, l.in_flight, l.unaccounted());
  for (const auto& [k, v] : l.drops) s += fmt::format(" {}={}", k, v);
  return s;
}

std::string fo_notes_text(const std::vector<hfo::Cluster::Note>& notes) {
  std::string s;
  for (const auto& n : notes) s += fmt::format("{} ms: {}\n", static_cast<double>(n.at.count()) / 1e6, n.text);
  return s;
}

bool fo_has_note(const std::vector<hfo::Cluster::Note>& notes, std::string_view what) {
  return std::any_of(notes.begin(), notes.end(), [&](const auto& n) { return n.text.find(what) != std::string::npos; });
}

void require_accounted(const hfo::MigrationReport& r) {
  INFO("problems: " << r.problems);
  INFO(fo_ledger_text(r.ledger));
  INFO(fo_notes_text(r.notes));
  REQUIRE(r.problems.empty());
  REQUIRE(r.drained);
  REQUIRE(r.ledger.in_flight == 0);
  REQUIRE(r.ledger.unaccounted() == 0);
  // Traffic really flowed both ways.
  CHECK(r.out.received > 500);
  CHECK(r.in.received > 500);
}

/// What a gap may be at most: one probe interval, plus three steps (the switchover's two
/// passes and the one that delivers).
hal::Nanos fo_gap_bound(uint64_t rate_pps, hal::Nanos tick) {
  return hal::Nanos(1'000'000'000 / rate_pps) + 3 * tick;
}

/// Every drop counter is one of those named by `prefixes`.
bool fo_drops_only(const hfo::ClusterLedger& l, std::initializer_list<std::string_view> prefixes) {
  return std::all_of(l.drops.begin(), l.drops.end(), [&](const auto& kv) {
    return std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) { return kv.first.starts_with(p); });
  });
}

uint64_t fo_drop(const hfo::ClusterLedger& l, const std::string& key) {
  const auto it = l.drops.find(key);
  return it == l.drops.end() ? 0 : it->second;
}

hfo::MigrationOptions fo_reduced() {
  hfo::MigrationOptions o;
  o.rate_pps = 50000;
  o.precopy = 5ms;
  o.settle = 5ms;
  return o;
}

}  // namespace

TEST_CASE("Migration: a graceful migration under traffic loses no guest frame and ends on a VF",
          "[failover][migrate]") {
  const auto r = hfo::run_migration(fo_reduced());
  require_accounted(r);
  REQUIRE(r.legs.size() == 1);
  const auto& leg = r.legs[0];
  CHECK(leg.removal == "graceful");
  CHECK(leg.got_vf);
  CHECK(r.ended_on_vf);
  // Every frame the guest handed to its NIC arrived, none twice.
  CHECK(r.out.lost() == 0);
  CHECK(r.out.duplicates == 0);
  CHECK(r.in.duplicates == 0);
  // The guest ran on the synthetic path for the pre-copy at least, and the data path switched
  // without a gap worth a millisecond (the run's tick is 10 us).
  CHECK(leg.on_synthetic >= 5ms);
  const hal::Nanos bound = fo_gap_bound(r.opts.rate_pps, r.opts.tick);
  CHECK(leg.switchover_gap() <= bound);
  CHECK(leg.gap_in_source <= bound);
  CHECK(leg.vf_probe > hal::Nanos::zero());
  // The only frames lost were the partner's, reaching a host's switch after the guest had
  // left it (or before its MAC was known there): none in the guest's rings.
  CHECK(fo_drops_only(r.ledger, {"switchA/no_port", "switchB/no_port"}));
  CHECK(fo_drop(r.ledger, "guest/vf_tx_unsent") == 0);
  CHECK(fo_has_note(r.notes, "guest asked to release VF"));
  CHECK(fo_has_note(r.notes, "VF B0.0 probed"));
}

TEST_CASE("Migration: to a host with no free VF, the guest stays on the synthetic path and the event says why",
          "[failover][migrate]") {
  auto o = fo_reduced();
  o.busy_vfs_on_target = o.vfs_per_host;
  const auto r = hfo::run_migration(o);
  require_accounted(r);
  REQUIRE(r.legs.size() == 1);
  CHECK(r.legs[0].removal == "graceful");
  CHECK_FALSE(r.legs[0].got_vf);
  CHECK_FALSE(r.ended_on_vf);
  CHECK(r.out.lost() == 0);
  CHECK(fo_has_note(r.notes, "host B: no free VF: the guest stays on the synthetic path"));
  // It stayed on the synthetic path from the revoke to the end.
  CHECK(r.legs[0].on_synthetic >= 10ms);
}

TEST_CASE("Migration: a surprise removal (no graceful step) loses only frames it counts, and the guest ends on a VF",
          "[failover][migrate]") {
  auto o = fo_reduced();
  o.surprise = true;
  const auto r = hfo::run_migration(o);
  require_accounted(r);
  REQUIRE(r.legs.size() == 1);
  CHECK(r.legs[0].removal == "surprise");
  CHECK(r.legs[0].got_vf);
  CHECK(r.ended_on_vf);
  CHECK(fo_has_note(r.notes, "reset under the guest"));
  // The guest sent into its dead VF until it heard of the removal: those frames are lost,
  // every one of them in the counter of what the VF's TX ring still held.
  CHECK(fo_drop(r.ledger, "guest/vf_tx_unsent") > 0);
  CHECK(r.out.lost() == fo_drop(r.ledger, "guest/vf_tx_unsent"));
  // Then it moved to the synthetic path: the gap is the notice, not more.
  CHECK(r.legs[0].gap_out_source <= r.opts.surprise_notice + fo_gap_bound(r.opts.rate_pps, r.opts.tick));
}

TEST_CASE("Migration: a guest that ignores the eject request loses its VF by surprise after the timeout",
          "[failover][migrate]") {
  auto o = fo_reduced();
  o.guest_ignores_revoke = true;
  o.revoke_timeout = 20ms;
  const auto r = hfo::run_migration(o);
  require_accounted(r);
  REQUIRE(r.legs.size() == 1);
  CHECK(r.legs[0].removal == "timeout");
  CHECK(r.legs[0].vf_removal >= 20ms);
  CHECK(r.ended_on_vf);
  CHECK(fo_has_note(r.notes, "did not release its VF"));
  // It kept sending on its VF until the surprise removal: what was in the ring is lost,
  // counted.
  CHECK(r.out.lost() == fo_drop(r.ledger, "guest/vf_tx_unsent"));
  // The host moved the MAC to the synthetic path when it asked, so the guest kept receiving
  // while it sent on its VF until the removal.
  CHECK(r.legs[0].gap_in_source <= fo_gap_bound(r.opts.rate_pps, r.opts.tick));
}

TEST_CASE("Migration: repeated migrations back and forth lose no guest frame and end on a VF each time",
          "[failover][migrate]") {
  auto o = fo_reduced();
  o.migrations = 4;
  const auto r = hfo::run_migration(o);
  require_accounted(r);
  REQUIRE(r.legs.size() == 4);
  for (size_t i = 0; i < r.legs.size(); ++i) {
    INFO("leg " << i + 1);
    CHECK(r.legs[i].from == i % 2);
    CHECK(r.legs[i].to == 1 - i % 2);
    CHECK(r.legs[i].removal == "graceful");
    CHECK(r.legs[i].got_vf);
    CHECK(r.legs[i].switchover_gap() <= fo_gap_bound(r.opts.rate_pps, r.opts.tick));
  }
  CHECK(r.ended_on_vf);
  CHECK(r.out.lost() == 0);
  CHECK(r.out.duplicates == 0);
}

TEST_CASE("Migration: a pause between the hosts shows as loss towards the guest, counted, never from it",
          "[failover][migrate]") {
  auto o = fo_reduced();
  o.pause = 2ms;
  const auto r = hfo::run_migration(o);
  require_accounted(r);
  CHECK(r.out.lost() == 0);
  // 2 ms at 50 kpps: about 100 of the partner's frames reach the source after the guest left.
  CHECK(r.in.lost() >= 50);
  CHECK(fo_drop(r.ledger, "switchA/no_port") >= 50);
  // The pause is the guest's downtime, not the switchover's: the move's gap leaves it out.
  CHECK(r.legs[0].gap_out_move <= fo_gap_bound(r.opts.rate_pps, r.opts.tick));
  CHECK(r.ended_on_vf);
}

TEST_CASE("Team: the active member's wire goes down, the team fails over once, loses nothing on the survivor",
          "[failover][team]") {
  hfo::TeamScenarioOptions o;
  o.rate_pps = 50000;
  o.before = 5ms;
  o.down = 15ms;
  o.after = 20ms;
  o.up_delay = 5ms;
  const auto r = hfo::run_team_failover(o);
  INFO("problems: " << r.problems);
  INFO(fo_ledger_text(r.ledger));
  INFO(fo_notes_text(r.notes));
  REQUIRE(r.problems.empty());
  REQUIRE(r.drained);
  REQUIRE(r.ledger.unaccounted() == 0);
  CHECK(r.failed_over);
  CHECK(r.failover_time <= 3 * o.tick);
  // The wire came back for longer than the up delay: no failback, no flapping.
  CHECK(r.failovers == 1);
  CHECK(r.active_at_end == 1);
  CHECK(r.lost_after_failover == 0);
  CHECK(r.surviving_path_drops == 0);
  CHECK(r.gap_out <= fo_gap_bound(o.rate_pps, o.tick));
  CHECK(r.gap_in <= fo_gap_bound(o.rate_pps, o.tick));
  CHECK(r.out.received > 500);
  CHECK(r.in.received > 500);
  // What the guest lost went down with the failed wire: frames in VF A0's ring as the link
  // fell, dropped by the device as link_down.
  CHECK(r.out.lost() == fo_drop(r.ledger, "A0/link_down"));
  CHECK(r.out.lost() <= r.failed_path_drops);
}

TEST_CASE("Failover NIC: the VF's link disabled by the administrator moves the guest and its MAC's delivery",
          "[failover][cluster]") {
  REQUIRE(dp::shared_eal().has_value());
  hfo::ClusterOptions co;
  co.hosts = 1;
  co.rate_pps = 50000;
  auto made = hfo::Cluster::create(co);
  REQUIRE(made.has_value());
  hfo::Cluster& c = **made;
  REQUIRE(c.attach_guest(0).has_value());
  const auto where = c.hotplug_vf(0, 0);
  REQUIRE(where.has_value());
  hfo::FailoverNic& nic = *c.guest().nic();
  const hal::MacAddr mac = c.guest().mac();
  auto host_has = [&] {
    const auto macs = c.pf(0, 0).host_macs();
    return std::find(macs.begin(), macs.end(), mac) != macs.end();
  };
  REQUIRE(c.run_until([&] { return nic.path() == hfo::Path::kVf; }, 200ms));
  // On the VF: the switch gave the MAC back to the VF (the guest's kDataPathVf).
  REQUIRE(c.run_until([&] { return !host_has(); }, 10ms));
  c.set_traffic(true);
  c.run_for(5ms);

  REQUIRE(c.pf(0, 0).set_vf_link_state(where->vf, pf::LinkState::kDisable).has_value());
  REQUIRE(c.run_until([&] { return nic.path() == hfo::Path::kSynthetic; }, 50ms));
  REQUIRE(c.run_until([&] { return host_has(); }, 10ms));
  const uint64_t sent_at_switch = c.guest().sent();
  c.run_for(5ms);
  CHECK(c.guest().sent() > sent_at_switch);

  REQUIRE(c.pf(0, 0).set_vf_link_state(where->vf, pf::LinkState::kAuto).has_value());
  REQUIRE(c.run_until([&] { return nic.path() == hfo::Path::kVf; }, 100ms));
  REQUIRE(c.run_until([&] { return !host_has(); }, 10ms));
  c.run_for(5ms);
  REQUIRE(c.drain());
  const hfo::ClusterLedger l = c.ledger();
  INFO(fo_ledger_text(l));
  INFO(c.check());
  CHECK(c.check().empty());
  CHECK(l.unaccounted() == 0);
  CHECK(nic.counters().to_synthetic >= 1);
  CHECK(nic.counters().to_vf >= 2);
}

TEST_CASE("Team: the active member's VF removed by surprise, the team moves to the other member",
          "[failover][team]") {
  REQUIRE(dp::shared_eal().has_value());
  hfo::ClusterOptions co;
  co.hosts = 1;
  co.nics_per_host = 2;
  co.vfs_per_nic = 2;
  co.rate_pps = 50000;
  co.guest.nic = hfo::GuestNic::kTeam;
  auto made = hfo::Cluster::create(co);
  REQUIRE(made.has_value());
  hfo::Cluster& c = **made;
  const auto a = c.hotplug_vf(0, 0);
  REQUIRE(a.has_value());
  REQUIRE(c.hotplug_vf(0, 1).has_value());
  hfo::ActiveBackupTeam& team = *c.guest().team();
  REQUIRE(c.run_until([&] { return team.active() == 0; }, 200ms));
  c.set_traffic(true);
  c.run_for(5ms);
  REQUIRE(c.surprise_remove(*a, 100us).has_value());
  CHECK_FALSE(c.surprise_remove(*a, 100us).has_value());  // one at a time
  REQUIRE(c.run_until([&] { return !c.surprise_pending(); }, 10ms));
  REQUIRE(team.num_members() == 1);
  REQUIRE(c.run_until([&] { return team.active() == 0; }, 10ms));
  const uint64_t sent = c.guest().sent();
  c.run_for(5ms);
  CHECK(c.guest().sent() > sent);
  REQUIRE(c.drain());
  const hfo::ClusterLedger l = c.ledger();
  INFO(fo_ledger_text(l));
  CHECK(c.check().empty());
  CHECK(l.unaccounted() == 0);
  CHECK(c.free_vf(0, 0).has_value());
}

TEST_CASE("Cluster: removals of VFs that are not the guest's are refused and change nothing", "[failover][cluster]") {
  REQUIRE(dp::shared_eal().has_value());
  hfo::ClusterOptions co;
  co.hosts = 2;
  auto made = hfo::Cluster::create(co);
  REQUIRE(made.has_value());
  hfo::Cluster& c = **made;
  REQUIRE(c.attach_guest(0).has_value());
  // A VF on a host the guest is not on cannot pair with its synthetic port.
  CHECK_FALSE(c.hotplug_vf(1, 0).has_value());
  const auto where = c.hotplug_vf(0, 0);
  REQUIRE(where.has_value());
  const hfo::VfLocation other{0, 0, hal::VfId{1}};
  c.set_vf_busy(other, true);  // another tenant's
  CHECK_FALSE(c.remove_released_vf(other).has_value());
  CHECK_FALSE(c.surprise_remove(other, 100us).has_value());
  CHECK_FALSE(c.remove_released_vf(hfo::VfLocation{0, 0, hal::VfId{9}}).has_value());
  CHECK_FALSE(c.remove_released_vf(hfo::VfLocation{3, 0, hal::VfId{0}}).has_value());
  // The guest still holds its own: only a surprise removal takes it.
  CHECK_FALSE(c.remove_released_vf(*where).has_value());
  CHECK(c.guest_vfs().size() == 1);
  CHECK_FALSE(c.free_vf(0, 0).value() == where->vf);
}
