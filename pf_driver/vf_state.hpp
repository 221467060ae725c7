#pragma once
// What the PF remembers about one VF: the administrator's settings (kept across VF and PF
// resets), what the VF negotiated (dropped on every VF reset) and counters.

#include <cstdint>

#include "hal/clock.hpp"
#include "hal/types.hpp"
#include "mailbox/message.hpp"
#include "pf_driver/mailbox_guard.hpp"
#include "pf_driver/options.hpp"
#include "pf_driver/vf_info.hpp"

namespace pf {

struct VfState {
  // ---- Administrator (ip link set ... vf N ...).
  hal::MacAddr mac;          ///< primary MAC (admin or VF-set); re-programmed at VF reset
  bool admin_mac = false;    ///< `mac` came from set_vf_mac (Linux pf_set_mac)
  /// What set_vf_mac last set (zero: none). `mac` differs once a trusted VF replaced it with
  /// SET_MAC_ADDR (admin_mac stays set, as Linux's pf_set_mac does). Only this MAC may be
  /// paired with the VF as a host MAC (pairs_with()).
  hal::MacAddr admin_set_mac;
  uint16_t vlan = 0;         ///< port VLAN
  uint8_t qos = 0;
  bool spoofchk = true;
  bool trusted = false;
  bool rss_query = false;
  LinkState link_state = LinkState::kAuto;  ///< the administrator's setting, only theirs
  /// What GET_LINK_STATE reports and VFRE/VFTE follow: link_allowed(), i.e. link_state is not
  /// disable and the flood guard has not disabled the VF (guard.disabled).
  bool link_enable = true;
  uint32_t max_tx_mbps = 0;
  // ---- Negotiated with the VF.
  bool clear_to_send = false;  ///< the VF completed VF_RESET since the PF last lost its state
  mbx::Api api = mbx::Api::k10;
  mbx::XcastMode xcast = mbx::XcastMode::kNone;
  uint32_t max_frame = 0;
  // ---- The mailbox as the PF last left it (forgotten on FLR and PF reset; see outbox.hpp).
  bool ping_pending = false;  ///< a ping is owed and waits for the mailbox to be free
  bool unread_msg = false;    ///< the PF's last message has not been acked by the VF yet
  hal::Nanos msg_posted_at{};  ///< when that message was written
  // ---- The mailbox flood guard's memory of this VF (mailbox_guard.hpp).
  MailboxGuardState guard;
  // ---- Counters.
  VfCounters counters;

  bool port_vlan() const { return vlan != 0 || qos != 0; }
  /// Whether host MAC `m` may be delivered through this VF's entries (the failover pairing):
  /// only when the administrator gave the VF that MAC. A MAC the VF chose itself never pairs:
  /// a guest could otherwise claim a victim's MAC seen on the wire and be handed its frames
  /// (and a lifted MAC anti-spoof check) once the host adds it.
  bool pairs_with(const hal::MacAddr& m) const {
    return admin_mac && !m.is_zero() && m == admin_set_mac;
  }
};

}  // namespace pf
