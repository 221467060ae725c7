// The active-backup team (harness/failover/active_backup_team.hpp) over two simulated hosts,
// each a DatapathHost with two VFs: VF0 of each is a team member, both given the team's MAC
// by their PF's administrator (set_vf_mac, then the VF's reset), and VF1 of each is a
// neighbour on the same PF that sends to and receives from the team. Link changes come from
// the PF (set_vf_link_state). Deterministic: ManualClocks stepped together, stepped engines.

#include <catch2/catch.hpp>

#include "tests/harness/failover_test_frame.hpp"

#include <array>
#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include <rte_mbuf.h>

#include "guest_apps_rig.hpp"
#include "harness/failover/active_backup_team.hpp"

namespace teamtest {

using harness::failover::ActiveBackupTeam;
using harness::failover::TeamOptions;
using namespace std::chrono_literals;

const hal::MacAddr kTeamMac{{0x02, 0x7e, 0xa4, 0x00, 0x00, 0x01}};
constexpr unsigned kMemberVf = 0;
constexpr unsigned kPeerVf = 1;

using failover_test::frame;

/// Two hosts (NICs), their PFs' admin MAC for VF0 the team's, and the guest OS's upkeep.
struct Rig {
  Rig() {
    for (auto& h : hosts) {
      h = appstest::make_host(2);
      // The administrator's MAC reaches the VF at its next reset (VF_RESET's reply).
      REQUIRE(h->pf().set_vf_mac(hal::VfId{kMemberVf}, kTeamMac).has_value());
      harness::VfPort& p = h->port(kMemberVf);
      REQUIRE(p.drv->probe().has_value());
      REQUIRE(p.setup_queues(popts.ring_size, popts.rx, popts.tx, 1).has_value());
      REQUIRE(p.drv->mac() == kTeamMac);
      REQUIRE(p.drv->mac_from_pf());
    }
    for (unsigned n = 0; n < 2; ++n) {
      for (unsigned v = 0; v < 2; ++v) resets[n][v] = hosts[n]->port(v).drv->counters().resets;
    }
  }

  harness::DatapathHost& host(unsigned n) { return *hosts[n]; }
  harness::VfPort& member(unsigned n) { return hosts[n]->port(kMemberVf); }
  /// The team's clock: host 0's (every host's clock moves by the same steps).
  const hal::Clock& clock() { return hosts[0]->clock(); }
  hal::Nanos now() { return hosts[0]->clock().now(); }

  static bool up(const harness::VfPort& p) {
    return p.drv->state() == vf::State::kUp && p.drv->link_up() && p.tx != nullptr && p.rx != nullptr;
  }

  /// 200 us on both hosts: VF drivers' watchdogs (queues set up again after a VF reset, as the
  /// guest OS does), PF services, devices; then the team's poll when there is one.
  void step() {
    for (auto& h : hosts) h->clock().advance(200us);
    for (unsigned n = 0; n < 2; ++n) {
      for (unsigned v = 0; v < 2; ++v) {
        harness::VfPort& p = hosts[n]->port(v);
        p.drv->service();
        if (p.drv->counters().resets != resets[n][v] && p.drv->state() == vf::State::kUp) {
          REQUIRE(p.setup_queues(popts.ring_size, popts.rx, popts.tx, 1).has_value());
          resets[n][v] = p.drv->counters().resets;
        }
      }
      hosts[n]->pf().service_once();
    }
    run_devices();
    if (team) team->poll();
  }
  void run_devices() {
    for (auto& h : hosts) {
      for (unsigned i = 0; i < 64 && h->device().poll_once() != 0; ++i) {
      }
    }
  }
  template <typename F>
  bool run_until(F done, unsigned max_steps = 2000) {
    for (unsigned i = 0; i < max_steps; ++i) {
      if (done()) return true;
      step();
    }
    return done();
  }
  void run_for(hal::Nanos d) {
    const hal::Nanos end = now() + d;
    while (now() < end) step();
  }

  /// Both members up, then the team over them (host 0's member first).
  void make_team(TeamOptions o = {}) {
    REQUIRE(run_until([&] { return up(member(0)) && up(member(1)); }));
    team = std::make_unique<ActiveBackupTeam>(kTeamMac, clock(), o);
    team->add_member(member(0));
    team->add_member(member(1));
  }

  /// `n` frames from the team to host `to`'s neighbour VF, built in `pool_of`'s member pool;
  /// returns how many the team took (the rest are freed).
  uint16_t team_send(unsigned pool_of, unsigned to, unsigned n) {
    std::vector<rte_mbuf*> pkts;
    for (unsigned i = 0; i < n; ++i) {
      pkts.push_back(appstest::make_mbuf(member(pool_of).pool.get(), frame(hosts[to]->mac(kPeerVf), kTeamMac, i)));
    }
    const uint16_t k = team->tx_burst(pkts.data(), static_cast<uint16_t>(n));
    if (k < n) rte_pktmbuf_free_bulk(pkts.data() + k, n - k);
    return k;
  }
  /// `n` frames to the team's MAC from host `from`'s neighbour VF.
  void peer_send(unsigned from, unsigned n) {
    std::vector<std::vector<uint8_t>> frames;
    for (unsigned i = 0; i < n; ++i) frames.push_back(frame(kTeamMac, hosts[from]->mac(kPeerVf), i));
    appstest::send_frames(*hosts[from], kPeerVf, frames);
  }
  unsigned peer_received(unsigned n) { return static_cast<unsigned>(appstest::receive_all(*hosts[n], kPeerVf).size()); }
  /// Reads the team until it returns nothing; frees what it got; returns how many.
  unsigned team_receive() {
    unsigned total = 0;
    rte_mbuf* b[16];
    for (uint16_t k; (k = team->rx_burst(b, 16)) != 0;) {
      rte_pktmbuf_free_bulk(b, k);
      total += k;
    }
    return total;
  }
  void set_link(unsigned n, pf::LinkState s) { REQUIRE(hosts[n]->pf().set_vf_link_state(hal::VfId{kMemberVf}, s).has_value()); }

  harness::PortOptions popts;
  std::array<std::unique_ptr<harness::DatapathHost>, 2> hosts;
  std::array<std::array<uint64_t, 2>, 2> resets{};
  std::unique_ptr<ActiveBackupTeam> team;
};

// The test cases stay inside the namespace: in a unity build a file-scope using-directive
// would meet the other failover tests' helpers of the same names.

TEST_CASE("a team fails over once when the active member's link goes down and does not fail back",
          "[team]") {
  Rig r;
  r.make_team();
  ActiveBackupTeam& t = *r.team;
  CHECK(t.num_members() == 2);
  CHECK(t.active() == 0);  // the first member up, at once

  CHECK(r.team_send(0, 0, 10) == 10);
  r.run_devices();
  CHECK(r.peer_received(0) == 10);

  r.set_link(0, pf::LinkState::kDisable);
  REQUIRE(r.run_until([&] { return t.active() != 0; }));
  CHECK(t.active() == 1);
  CHECK(t.counters().failovers == 1);
  CHECK(t.counters().no_member == 0);
  // The backup was up all along: eligible at once, failover in the poll that saw the loss.
  CHECK(t.last_failover() == t.last_down_seen());
  CHECK(t.last_failover() > hal::Nanos{0});

  // The same MAC on the other NIC: traffic both ways through it now.
  CHECK(r.team_send(1, 1, 10) == 10);
  r.peer_send(1, 5);
  r.run_devices();
  CHECK(r.peer_received(1) == 10);
  CHECK(r.team_receive() == 5);
  CHECK(t.counters().tx == 20);
  CHECK(t.counters().rx == 5);

  // The old member comes back and stays up well past up_delay: the team stays where it is.
  r.set_link(0, pf::LinkState::kAuto);
  REQUIRE(r.run_until([&] { return Rig::up(r.member(0)); }));
  r.run_for(TeamOptions{}.up_delay * 3);
  CHECK(t.active() == 1);
  CHECK(t.counters().failovers == 1);

  // It moves back only when the member it is on fails.
  r.set_link(1, pf::LinkState::kDisable);
  REQUIRE(r.run_until([&] { return t.active() != 1; }));
  CHECK(t.active() == 0);
  CHECK(t.counters().failovers == 2);
  CHECK(t.last_failover() == t.last_down_seen());
}

TEST_CASE("frames arriving on a team's backup member are dropped and counted", "[team]") {
  Rig r;
  r.make_team();
  ActiveBackupTeam& t = *r.team;
  REQUIRE(t.active() == 0);
  r.peer_send(0, 6);  // to the active member
  r.peer_send(1, 9);  // the same MAC on the other NIC: the backup
  r.run_devices();
  CHECK(r.team_receive() == 6);
  CHECK(t.counters().rx == 6);
  CHECK(t.counters().rx_backup_dropped == 9);
  // The backup's ring is empty: a second read finds nothing more there.
  CHECK(r.team_receive() == 0);
  CHECK(t.counters().rx_backup_dropped == 9);
}

TEST_CASE("a team without a member up holds what it is given", "[team]") {
  Rig r;
  ActiveBackupTeam empty(kTeamMac, r.clock());
  empty.poll();
  CHECK(empty.active() == -1);
  rte_mbuf* m = appstest::make_mbuf(r.member(0).pool.get(), frame(r.host(0).mac(kPeerVf), kTeamMac, 0));
  CHECK(empty.tx_burst(&m, 1) == 0);
  CHECK(empty.counters().tx_held == 1);
  rte_pktmbuf_free(m);

  // One member, which loses its link: no active member, no failover.
  REQUIRE(r.run_until([&] { return Rig::up(r.member(0)); }));
  // Waiting out the updelay even with nothing else up (not Linux's way, the default: see the
  // up_delay test for both), so the return is seen to take up_delay.
  TeamOptions wait_delay;
  wait_delay.take_delayed_when_none = false;
  r.team = std::make_unique<ActiveBackupTeam>(kTeamMac, r.clock(), wait_delay);
  ActiveBackupTeam& t = *r.team;
  t.add_member(r.member(0));
  REQUIRE(t.active() == 0);
  r.set_link(0, pf::LinkState::kDisable);
  REQUIRE(r.run_until([&] { return t.active() == -1; }));
  CHECK(t.counters().no_member == 1);
  CHECK(t.counters().failovers == 0);
  CHECK(r.team_send(0, 0, 4) == 0);
  CHECK(t.counters().tx_held == 4);

  // Back, after up_delay: the same member again, which is no failover.
  r.set_link(0, pf::LinkState::kAuto);
  REQUIRE(r.run_until([&] { return Rig::up(r.member(0)); }));
  const hal::Nanos seen_up = r.now();
  REQUIRE(r.run_until([&] { return t.active() == 0; }));
  CHECK(r.now() - seen_up >= TeamOptions{}.up_delay);
  CHECK(t.counters().failovers == 0);
  CHECK(r.team_send(0, 0, 4) == 4);
}

TEST_CASE("a member that came up lately takes over only after up_delay when the active fails",
          "[team]") {
  const bool linux_way = GENERATE(false, true);
  INFO("take_delayed_when_none " << linux_way);
  TeamOptions o;
  o.up_delay = 50ms;
  o.take_delayed_when_none = linux_way;
  Rig r;
  // The second NIC's member starts with its link down.
  r.set_link(1, pf::LinkState::kDisable);
  REQUIRE(r.run_until([&] { return Rig::up(r.member(0)) && r.member(1).drv->state() == vf::State::kUp &&
                                   !r.member(1).drv->link_up(); }));
  r.team = std::make_unique<ActiveBackupTeam>(kTeamMac, r.clock(), o);
  ActiveBackupTeam& t = *r.team;
  t.add_member(r.member(0));
  t.add_member(r.member(1));
  REQUIRE(t.active() == 0);

  r.set_link(1, pf::LinkState::kAuto);
  REQUIRE(r.run_until([&] { return Rig::up(r.member(1)); }));
  const hal::Nanos b_up = r.now();  // the team's poll in the same step saw it up
  r.set_link(0, pf::LinkState::kDisable);
  REQUIRE(r.run_until([&] { return t.active() != 0; }));
  const hal::Nanos down = t.last_down_seen();
  REQUIRE(down - b_up < o.up_delay);
  if (linux_way) {
    // Nothing else is up: the member in its updelay is taken at once.
    CHECK(t.active() == 1);
    CHECK(t.last_failover() == down);
    CHECK(t.counters().no_member == 0);
  } else {
    CHECK(t.active() == -1);
    CHECK(t.counters().no_member == 1);
    CHECK(r.team_send(0, 0, 3) == 0);
    REQUIRE(r.run_until([&] { return t.active() == 1; }));
    CHECK(t.last_failover() - b_up >= o.up_delay);
    CHECK(t.last_failover() > down);
  }
  CHECK(t.counters().failovers == 1);
  CHECK(r.team_send(1, 1, 3) == 3);
  r.run_devices();
  CHECK(r.peer_received(1) == 3);
}

}  // namespace teamtest
