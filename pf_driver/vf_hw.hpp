#pragma once
// Per-VF register programming: the small steps VF reset, FLR, the admin calls and the PF reset
// share. Each writes the hardware from the VF's software state (spec 2, 7).

#include "hal/types.hpp"
#include "pf_driver/pf_core.hpp"

namespace pf {

/// PFVFSPOOF: MAC and VLAN anti-spoof for the VF's pool, both on or both off (spec 7). The MAC
/// check stays off while the VF's MAC is delivered to the host (RarTable::set_mac_antispoof).
void write_spoofchk(PfCore& c, hal::VfId vf, bool on);
/// VMOLR back to the reset default: broadcast accepted, untagged accepted unless a port VLAN
/// is set, no multicast/unicast promiscuity (spec 7 VF_RESET).
void write_vmolr_default(PfCore& c, hal::VfId vf);
/// VMOLR bits for an xcast mode (spec 7 UPDATE_XCAST_MODE table); AUPE is left as it is.
void write_vmolr_xcast(PfCore& c, hal::VfId vf, mbx::XcastMode mode);
/// VMVIR: always insert the port VLAN/QoS, or nothing when none is set.
void write_vmvir(PfCore& c, hal::VfId vf);
/// QDE: drop enable for all the VF's RX queues, with HIDE_VLAN under a port VLAN. One
/// indirect write per queue (spec 2).
void write_qde(PfCore& c, hal::VfId vf);
/// VFRE/VFTE from link_enable; on the 82599 a jumbo PF also keeps the VF's receive off until
/// an API >= 1.1 VF agrees through SET_LPE (spec 7).
void write_rx_tx_enable(PfCore& c, hal::VfId vf);
/// VFRE bit alone (SET_LPE's verdict). Honours link_enable: a disabled link stays disabled.
void write_rx_enable(PfCore& c, hal::VfId vf, bool on);
/// RTTDQSEL/RTTBCNRC for each of the VF's TX queues from max_tx_mbps (0 = off), and
/// RTTBCNRM; the factor is link / rate in 10.14 fixed point (spec 2, 7).
void write_rate_limit(PfCore& c, hal::VfId vf);
/// VMECM: count the VF's spoofed packets.
void enable_spoof_counting(PfCore& c, hal::VfId vf);
/// TDWBAL/H of the VF's TX queues to zero: FLR does not clear them (spec 3e).
void clear_tx_head_writeback(PfCore& c, hal::VfId vf);
/// Restarts the VF's configured TX queues: TXDCTL.ENABLE set then cleared on each queue whose
/// TXDCTL is non-zero, as Linux does on VF reset; the VF enables them again.
void restart_tx_queues(PfCore& c, hal::VfId vf);
/// The VF's port VLAN (or VLAN 0 for untagged access) in VLVF; removes nothing else.
void add_default_vlan(PfCore& c, hal::VfId vf);
// Pings (CONTROL_MSG) are in outbox.hpp: they must wait for a free mailbox.

}  // namespace pf
