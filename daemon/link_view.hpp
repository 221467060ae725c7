#pragma once
// The simulated PF as rtnetlink describes a link (RTM_NEWLINK), and a VF's counters as
// IFLA_VF_STATS and the vf_show op report them.

#include <array>
#include <string>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/sim/device.hpp"
#include "netlink/link_info.hpp"
#include "pf_driver/pf_driver.hpp"

namespace simd {

/// The daemon's one link is ifindex 1: it is alone in its "namespace" (the control socket).
inline constexpr int32_t kPfIfIndex = 1;

/// The engine's per-queue counters when the VFs were last enabled. The engine never resets
/// them, and a queue changes hands when the VF count changes (2 VFs: VF 1 has queues 4..7; 8
/// VFs: VF 1 has 2..3), so a VF's stats count from its enabling, as a Linux VF's counters
/// start with the VF's life. A VF reset or FLR does not restart them (the VF is the same
/// function; Linux's per-VF counters survive those too).
class StatsBaseline {
 public:
  /// Remembers every queue's counters now. Call right after VFs are enabled, before any
  /// engine pass (the daemon's start, numvfs).
  void take(const sim::Device82599& dev);
  /// Queue `q`'s counters since take() (all of them before the first take()).
  sim::QueueCounters since(const sim::Device82599& dev, hal::QueueId q) const;

 private:
  std::array<sim::QueueCounters, hal::ixgbe::pf::kNumQueues> base_{};
};

/// VF `vf`'s counters: the device engine's per-queue counters (Device82599::queue_counters)
/// since `base` was taken, summed over the VF's queues (its pool's queues_per_pool() queues
/// from vf * that). rx_dropped = no descriptor + queue disabled; tx_dropped = TX DMA faults;
/// broadcast and multicast are 0 (the engine does not count them). The simulation's own view:
/// a real 82599 PF has no per-VF counters it can read for another function (docs/daemon.md).
rtnl::VfStats vf_stats(const pf::PfDriver& pf, const sim::Device82599& dev, hal::VfId vf,
                       const StatsBaseline& base);

/// The PF named `name` with every VF: ifindex 1, Ethernet, flags UP|BROADCAST|MULTICAST
/// (+LOWER_UP|RUNNING with the link up), MTU, oper state UP or DOWN, the PF's MAC, num_vf,
/// and per VF its MAC, port VLAN (802.1Q), max rate, spoofchk, trust, RSS query, link state
/// and stats (vf_stats() from `base`). build_newlink() leaves out what the request's
/// IFLA_EXT_MASK does not ask for.
rtnl::LinkInfo describe_pf(const std::string& name, const pf::PfDriver& pf,
                           const sim::Device82599& dev, const StatsBaseline& base);

}  // namespace simd
