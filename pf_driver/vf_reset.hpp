#pragma once
// Cleaning up after a VF reset: what the PF undoes when a VF resets (VF_RESET request) or is
// reset by the host (FLR), and the extra steps that re-admit a VF after VF_RESET (spec 3e, 7).

#include "hal/types.hpp"
#include "mailbox/codec.hpp"
#include "pf_driver/pf_core.hpp"

namespace pf {

/// The "VF reset event" (FLR and VF_RESET alike): the VF's VLANs are dropped and the port
/// VLAN (or VLAN 0) put back, VMOLR/VMVIR back to defaults, its multicast hashes, MAC filter
/// and macvlans removed, API back to 1.0, xcast NONE, anti-spoof restored to the admin
/// setting, and its configured TX queues restarted. The stored MAC itself is kept.
void clean_vf(PfCore& c, hal::VfId vf);

/// After clean_vf() for a VF_RESET request: zeroes the mailbox memory, re-programs the stored
/// MAC, sets QDE drop enable, VFRE/VFTE from link_enable, clear-to-send, VMECM, and zeroes
/// TDWBAL/H. Returns the reply: ACK + MAC only for an admin-set MAC, else NACK with a zero
/// MAC; filter type 0.
mbx::ResetReply readmit_vf(PfCore& c, hal::VfId vf);

}  // namespace pf
