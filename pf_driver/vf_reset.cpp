#include "pf_driver/vf_reset.hpp"

#include "pf_driver/vf_hw.hpp"

namespace pf {

void clean_vf(PfCore& c, hal::VfId vf) {
  VfState& s = c.vf(vf);
  const unsigned pool = vf.value();

  c.vlans.remove_pool(pool);
  {
    // A port VLAN (or untagged access) lost to a full VLVF is about the administrator's
    // setting and the other pools: never hidden by this VF's event budget.
    const UnchargedScope admin_setting(s.guard);
    add_default_vlan(c, vf);
  }
  write_vmolr_default(c, vf);
  write_vmvir(c, vf);
  s.xcast = mbx::XcastMode::kNone;

  c.mta.clear_vf(vf);
  // The filter goes, the address stays: VF_RESET programs it again unless another function
  // took it meanwhile (restore_vf_mac; Linux keeps vf_mac_addresses the same way).
  c.rar.set_primary(vf, hal::MacAddr{});
  c.rar.clear_macvlans(vf);
  // SET_MACVLAN may have turned anti-spoof off; with the macvlans gone the admin setting
  // holds again.
  write_spoofchk(c, vf, s.spoofchk);

  s.api = mbx::Api::k10;
  s.max_frame = 0;
  restart_tx_queues(c, vf);
}

bool restore_vf_mac(PfCore& c, hal::VfId vf, std::string_view when) {
  VfState& s = c.vf(vf);
  if (s.mac.is_zero()) return false;
  // A MAC the VF chose itself that has become a host MAC meanwhile (while its filter was down)
  // is the host's now: only the administrator pairs a VF with one (VfState::pairs_with).
  if (c.rar.is_host(s.mac) && !s.pairs_with(s.mac)) {
    c.log(vf, EventCode::kMacInUse,
          "VF {} MAC {} not programmed at {}: a host MAC now, and not its admin MAC; {}",
          vf.value(), MacFmt{s.mac}, when,
          s.admin_mac ? "back to its admin MAC" : "the VF picks a new one");
    s.mac = s.admin_set_mac;  // zero without an admin MAC
    if (s.mac.is_zero()) return false;
  }
  const std::optional<MacUser> user = c.mac_user_other_than(s.mac, vf);
  if (!user) {
    c.rar.set_primary(vf, s.mac);
    return true;
  }
  // Never two pools on one unicast MAC: the one who has it keeps it.
  if (s.admin_mac) {
    // The administrator must hear of it, however many events the VF has caused.
    const UnchargedScope admin_setting(s.guard);
    c.log(vf, EventCode::kMacInUse,
          "VF {} admin MAC {} not programmed at {}: used by {}; kept for the next reset",
          vf.value(), MacFmt{s.mac}, when, *user);
    return false;
  }
  c.log(vf, EventCode::kMacInUse,
        "VF {} MAC {} not programmed at {}: taken meanwhile by {}; the VF picks a new one",
        vf.value(), MacFmt{s.mac}, when, *user);
  s.mac = hal::MacAddr{};
  return false;
}

mbx::ResetReply readmit_vf(PfCore& c, hal::VfId vf) {
  VfState& s = c.vf(vf);
  if (auto r = c.mbx.clear(vf); !r) {
    c.log(vf, EventCode::kMailboxError, "VF {} mailbox memory not cleared: {}", vf.value(),
          r.error());
  }
  const bool mac_programmed = restore_vf_mac(c, vf, "VF_RESET");
  write_qde(c, vf);
  write_rx_tx_enable(c, vf);
  s.clear_to_send = true;
  s.guard.own_reset_next = false;  // until an FLR: the PF demands any reset before that
  enable_spoof_counting(c, vf);
  clear_tx_head_writeback(c, vf);

  mbx::ResetReply reply;
  reply.ack = s.admin_mac && mac_programmed;
  if (reply.ack) reply.mac = s.mac;
  reply.mc_filter_type = 0;  // MCSTCTRL.MO = 0, as setup_rx() programs
  return reply;
}

}  // namespace pf
