#include "pf_driver/vf_reset.hpp"

#include "pf_driver/vf_hw.hpp"

namespace pf {

void clean_vf(PfCore& c, hal::VfId vf) {
  VfState& s = c.vf(vf);
  const unsigned pool = vf.value();

  c.vlans.remove_pool(pool);
  add_default_vlan(c, vf);
  write_vmolr_default(c, vf);
  write_vmvir(c, vf);
  s.xcast = mbx::XcastMode::kNone;

  c.mta.clear_vf(vf);
  // The filter goes, the address stays: VF_RESET programs it again (Linux keeps
  // vf_mac_addresses the same way).
  c.rar.set_primary(vf, hal::MacAddr{});
  c.rar.clear_macvlans(vf);
  // SET_MACVLAN may have turned anti-spoof off; with the macvlans gone the admin setting
  // holds again.
  write_spoofchk(c, vf, s.spoofchk);

  s.api = mbx::Api::k10;
  s.max_frame = 0;
  restart_tx_queues(c, vf);
}

mbx::ResetReply readmit_vf(PfCore& c, hal::VfId vf) {
  VfState& s = c.vf(vf);
  if (auto r = c.mbx.clear(vf); !r) {
    c.log(vf, EventCode::kMailboxError, "VF {} mailbox memory not cleared: {}", vf.value(),
          r.error());
  }
  if (!s.mac.is_zero()) c.rar.set_primary(vf, s.mac);
  write_qde(c, vf);
  write_rx_tx_enable(c, vf);
  s.clear_to_send = true;
  enable_spoof_counting(c, vf);
  clear_tx_head_writeback(c, vf);

  mbx::ResetReply reply;
  reply.ack = s.admin_mac && !s.mac.is_zero();
  if (reply.ack) reply.mac = s.mac;
  reply.mc_filter_type = 0;  // MCSTCTRL.MO = 0, as setup_rx_globals() programs
  return reply;
}

}  // namespace pf
