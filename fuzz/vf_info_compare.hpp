#pragma once
// Field-by-field comparison of pf::VfInfo snapshots (the struct has no operator==, and the
// fuzzer needs two strengths of "unchanged").

#include "pf_driver/vf_info.hpp"

namespace fuzz {

/// The administrator's settings: what no VF message may change.
inline bool same_admin(const pf::VfInfo& a, const pf::VfInfo& b) {
  return a.exists == b.exists && a.admin_mac == b.admin_mac && a.vlan == b.vlan &&
         a.qos == b.qos && a.spoofchk == b.spoofchk && a.trusted == b.trusted &&
         a.rss_query == b.rss_query && a.link_state == b.link_state &&
         a.link_enable == b.link_enable && a.max_tx_mbps == b.max_tx_mbps;
}

/// same_admin() but for whether the link is on (link_enable), which the PF's flood guard turns
/// off for a flooding VF; the administrator's link state (link_state) must stay as it was
/// (pf_driver/mailbox_guard.hpp).
inline bool same_admin_but_link(const pf::VfInfo& a, pf::VfInfo b) {
  b.link_enable = a.link_enable;
  return same_admin(a, b);
}

inline bool same_counters(const pf::VfCounters& a, const pf::VfCounters& b) {
  return a.messages == b.messages && a.acks == b.acks && a.nacks == b.nacks &&
         a.resets == b.resets && a.flrs == b.flrs && a.ignored == b.ignored && a.pings == b.pings;
}

/// Everything the PF knows about the VF: what another VF's messages must leave alone.
inline bool same_vf(const pf::VfInfo& a, const pf::VfInfo& b) {
  return same_admin(a, b) && a.mac == b.mac && a.clear_to_send == b.clear_to_send &&
         a.api == b.api && a.xcast == b.xcast && a.max_frame == b.max_frame &&
         a.num_mc_hashes == b.num_mc_hashes && a.num_macvlans == b.num_macvlans &&
         a.num_vlans == b.num_vlans && a.ping_pending == b.ping_pending &&
         same_counters(a.counters, b.counters);
}

}  // namespace fuzz
