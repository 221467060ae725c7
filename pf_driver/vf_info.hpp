#pragma once
// A snapshot of one VF as the PF sees it: admin configuration, negotiated state, counters.

#include <cstdint>

#include "hal/types.hpp"
#include "mailbox/message.hpp"
#include "pf_driver/options.hpp"

namespace pf {

/// Per-VF mailbox counters since VFs were enabled.
struct VfCounters {
  uint64_t messages = 0;  ///< requests read from the VF (including ignored ones)
  uint64_t acks = 0;      ///< replies sent with ACK
  uint64_t nacks = 0;     ///< replies sent with NACK (including 1-word early NACKs)
  uint64_t resets = 0;    ///< VF_RESET requests processed
  uint64_t flrs = 0;      ///< function-level resets cleaned up
  uint64_t ignored = 0;   ///< requests dropped because they already carried ACK or NACK
  uint64_t pings = 0;     ///< pings (CONTROL_MSG) written, deferred ones when they went out
};

struct VfInfo {
  hal::VfId vf{0};
  bool exists = false;        ///< false when vf >= num_vfs(): every other field is default
  // Administrator's configuration (survives VF and PF resets).
  hal::MacAddr mac;           ///< the VF's primary MAC, set by the admin or by the VF
  bool admin_mac = false;     ///< `mac` was set by the administrator
  /// `mac` is a host MAC (PfDriver::add_host_mac): frames to it go to the default pool, not to
  /// the VF, which may still send from it
  bool rx_to_host = false;
  /// The VF's MAC anti-spoof check (PFVFSPOOF MAC bit) is held off because an entry of it
  /// delivers a host MAC to the default pool: meanwhile it may send from any source MAC,
  /// whatever `spoofchk` says (docs/switch.md "Why the MAC anti-spoof bit is lifted")
  bool mac_antispoof_lifted = false;
  uint16_t vlan = 0;          ///< port VLAN, 0 = none
  uint8_t qos = 0;
  bool spoofchk = true;
  bool trusted = false;
  bool rss_query = false;
  LinkState link_state = LinkState::kAuto;
  bool link_enable = true;    ///< what GET_LINK_STATE reports and VFRE/VFTE follow
  uint32_t max_tx_mbps = 0;   ///< 0 = unlimited
  // Negotiated with the VF (dropped on every VF reset).
  bool clear_to_send = false;
  mbx::Api api = mbx::Api::k10;
  mbx::XcastMode xcast = mbx::XcastMode::kNone;
  uint32_t max_frame = 0;     ///< last accepted SET_LPE, 0 = none
  unsigned num_mc_hashes = 0;
  unsigned num_macvlans = 0;
  unsigned num_vlans = 0;     ///< VLVF entries that include the VF's pool (port VLAN included)
  bool ping_pending = false;  ///< a ping waits for the VF's mailbox (see PfDriver::service_once)
  VfCounters counters;
};

}  // namespace pf
