#pragma once
// An active-backup team of VFs in one guest (Linux bonding mode=active-backup, Windows NIC
// teaming with a standby adapter): two or more VFs, each on a different NIC (PF), sharing one
// MAC. One member carries all traffic; the others stand by.
//
//   - Link monitoring as bonding's miimon: every poll() reads each member's driver (up, link
//     up). When the active member's link goes down and a backup's is up, the team fails over
//     at once (downdelay 0) and counts it.
//   - No flapping: a member whose link comes back becomes eligible only after `up_delay` of
//     link up (bonding's updelay), and the team does not move back to it
//     (primary_reselect=failure: it moves only when the active member fails). A member up
//     since it was added is eligible at once. When the active member fails and no other is
//     eligible, the team takes a member still in its updelay at once, as Linux does
//     (bonding.txt 13.1); TeamOptions::take_delayed_when_none = false waits for the updelay
//     instead (no active member meanwhile: tx_burst takes nothing).
//   - Receive: frames on the active member are the team's; frames arriving on any other
//     member are dropped and counted, as bonding drops them (a flooded copy would otherwise
//     arrive twice).
//   - The MAC: every member has the team's MAC as its own (the PF's administrator set it on
//     each VF, docs/guest-failover.md "Teaming"), so nothing is rewritten on failover
//     (fail_over_mac=none); the first frames sent on the new member teach the network where
//     the MAC went.
//
// Members are borrowed VfPorts (queue 0 set up); the guest OS owns them. Not thread-safe.

#include <cstdint>
#include <vector>

#include "hal/clock.hpp"
#include "hal/types.hpp"
#include "harness/datapath_host.hpp"

struct rte_mbuf;

namespace harness::failover {

struct TeamOptions {
  /// How long a member's link must stay up before it may become active again.
  hal::Nanos up_delay = std::chrono::milliseconds(10);
  /// When the active member fails and no member is eligible, take the up member nearest the
  /// end of its up_delay at once (Linux bonding, the default) rather than wait for it.
  bool take_delayed_when_none = true;
};

struct TeamCounters {
  uint64_t tx = 0;               ///< frames the active member's TX queue took
  uint64_t tx_held = 0;          ///< frames left with the caller (no member up, ring full)
  uint64_t rx = 0;               ///< frames received on the active member
  uint64_t rx_backup_dropped = 0;  ///< frames received on a backup member, freed here
  uint64_t failovers = 0;        ///< changes of the active member after the first choice
  uint64_t no_member = 0;        ///< times the team was left without an active member (every
                                 ///< member down, or the up ones still in their up_delay)
};

class ActiveBackupTeam {
 public:
  /// A team with address `mac`, timed by `clock` (which must outlive it).
  ActiveBackupTeam(hal::MacAddr mac, const hal::Clock& clock, TeamOptions opts = {});

  /// Adds a member (its driver probed, queue 0 set up, its MAC the team's). The first member
  /// whose link is up becomes active.
  void add_member(VfPort& port);
  /// The guest OS lost the member (hot-unplug): the team forgets it before its port goes. When
  /// it was active, the next poll() chooses another member at once (not counted as a
  /// failover: nothing failed over, the member went away). Unknown ports are ignored.
  void remove_member(VfPort& port);
  unsigned num_members() const { return static_cast<unsigned>(members_.size()); }

  /// Link monitoring (see above). Call once per guest poll.
  void poll();
  uint16_t tx_burst(rte_mbuf** pkts, uint16_t n);
  /// Reads every member's RX queue: the active member's frames are returned (up to `n`),
  /// the other members' are dropped and counted (at most kBackupDrainBursts bursts of
  /// kBackupBurst each per member per call: a busy backup cannot stall the team; what stays
  /// in its ring waits for the next call or is the device's drop).
  uint16_t rx_burst(rte_mbuf** pkts, uint16_t n);

  static constexpr uint16_t kBackupBurst = 32;
  static constexpr unsigned kBackupDrainBursts = 4;

  /// The active member's index, -1 when none.
  int active() const { return active_; }
  /// When the last failover happened (the clock's time), and when the active member's link
  /// was first seen down before it (what a failover time is measured from on the guest's
  /// side).
  hal::Nanos last_failover() const { return last_failover_; }
  hal::Nanos last_down_seen() const { return last_down_seen_; }
  const TeamCounters& counters() const { return c_; }
  hal::MacAddr mac() const { return mac_; }

 private:
  struct Member {
    VfPort* port = nullptr;
    bool up = false;            ///< driver up and link up, as last polled
    hal::Nanos up_since{};      ///< when the link was last seen coming up
  };
  /// Driver up, link up, queue 0 both ways set up.
  static bool member_up(const VfPort& p);
  bool eligible(const Member& m, hal::Nanos now) const;
  /// The member to make active now, -1 when none (see the header comment).
  int pick(hal::Nanos now) const;
  void set_active(int idx, hal::Nanos now);
  void drop_rx(VfPort& p);

  hal::MacAddr mac_;
  const hal::Clock& clock_;
  TeamOptions opts_;
  std::vector<Member> members_;
  int active_ = -1;
  /// The member last active (-1 before the first choice): a return to it is no failover.
  int last_active_ = -1;
  /// The active member was seen down and no other has taken over yet.
  bool down_pending_ = false;
  hal::Nanos last_failover_{};
  hal::Nanos last_down_seen_{};
  TeamCounters c_;
};

}  // namespace harness::failover
