#pragma once
// Cleaning up after a VF reset: what the PF undoes when a VF resets (VF_RESET request) or is
// reset by the host (FLR), and the extra steps that re-admit a VF after VF_RESET (spec 3e, 7).

#include <string_view>

#include "hal/types.hpp"
#include "mailbox/codec.hpp"
#include "pf_driver/pf_core.hpp"

namespace pf {

/// The "VF reset event" (FLR and VF_RESET alike): the VF's VLANs are dropped and the port
/// VLAN (or VLAN 0) put back, VMOLR/VMVIR back to defaults, its multicast hashes, MAC filter
/// and macvlans removed, API back to 1.0, xcast NONE, anti-spoof restored to the admin
/// setting, and its configured TX queues restarted. The stored MAC itself is kept.
void clean_vf(PfCore& c, hal::VfId vf);

/// Programs `vf`'s stored MAC into its primary RAR entry again (after clean_vf()), unless
/// another function uses it now (PfCore::mac_user_other_than): e.g. the VF lost its filter to
/// an FLR and another VF claimed the address with SET_MAC_ADDR before this VF's VF_RESET.
/// Then nothing is programmed, a kMacInUse event names the holder and `when`, and a MAC the
/// VF chose itself is forgotten (it picks a new one). An admin MAC is kept: it is reserved,
/// so only a driver bug can get it here, and it is tried again at the next reset.
/// A stored MAC that has become a host MAC meanwhile counts as taken (by the host) unless it
/// is the VF's admin MAC (VfState::pairs_with: the pairing): kMacInUse, and the VF falls back
/// to its admin MAC, or to none (it picks a new one).
/// Returns whether the MAC is programmed (false too when none is stored).
bool restore_vf_mac(PfCore& c, hal::VfId vf, std::string_view when);

/// After clean_vf() for a VF_RESET request: zeroes the mailbox memory, re-programs the stored
/// MAC (restore_vf_mac), sets QDE drop enable, VFRE/VFTE from link_enable, clear-to-send,
/// VMECM, and zeroes TDWBAL/H. Returns the reply: ACK + MAC only for an admin-set MAC that is
/// programmed, else NACK with a zero MAC (the VF picks its own); filter type 0.
mbx::ResetReply readmit_vf(PfCore& c, hal::VfId vf);

}  // namespace pf
