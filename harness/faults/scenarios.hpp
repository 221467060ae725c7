#pragma once
// The fault scenarios of issue 5, each on a fresh TrafficRig (4 VFs, traffic VF -> next VF,
// VF -> wire and wire -> VF, the administrator's settings and each guest's own requests in
// place before the fault). Each returns a FaultResult; docs/reliability.md tabulates them.
// Deterministic for a seed (simulated time); needs a running EAL (shared_eal() is brought up
// when none runs). On a rig that could not be built, the result names the error in `problems`.

#include <cstdint>
#include <vector>

#include "hal/clock.hpp"
#include "harness/faults/fault_result.hpp"

namespace harness::faults {

/// VF `seed % 4`'s function level reset (config space) during traffic.
FaultResult run_vf_flr(uint64_t seed);
/// PF reset (PfDriver::reset) during traffic: every VF recovers.
FaultResult run_pf_reset(uint64_t seed);
/// The guest of VF `seed % 4` vanishes without VF_RESET; the host FLRs the VF, the PF reclaims
/// it; 10 ms later a new guest probes it.
FaultResult run_guest_killed(uint64_t seed);
/// The wire's link goes down for 10 ms during traffic, then up.
FaultResult run_link_flap(uint64_t seed);
/// No PF service pass for `stall`; meanwhile VF `seed % 4` asks for a VLAN.
FaultResult run_mailbox_stall(uint64_t seed, hal::Nanos stall);
/// Runts, fragments, oversize frames, jabbers and bad-FCS frames from the wire, 10 of each,
/// amid the traffic.
FaultResult run_wire_errors(uint64_t seed);
/// Every scenario above (the stall with 50 ms and 2 s), in that order.
std::vector<FaultResult> run_all_faults(uint64_t seed);

}  // namespace harness::faults
