// PF reset with VFs up (Linux ixgbe_down/ixgbe_up; spec 3e).
#include "hal/ixgbe/regs_vf.hpp"
#include "hal/sim/device_model.hpp"
#include "pf_rig.hpp"

using namespace pftest;
namespace reg = hal::ixgbe::pf;
using mbx::MsgId;
using pf::EventCode;

TEST_CASE("reset() raises RSTD to every VF and re-applies the admin configuration",
          "[pf][pfreset]") {
  Rig r;
  r.up(2);
  Vf a(r, 0);
  Vf b(r, 1);
  REQUIRE(r.pf.set_vf_mac(a.id(), mac(0xA0)).has_value());
  REQUIRE(r.pf.set_vf_spoofchk(a.id(), false).has_value());
  REQUIRE(r.pf.set_vf_vlan(b.id(), 300, 2).has_value());
  REQUIRE(r.pf.set_vf_rate(b.id(), 2500).has_value());
  a.ready();
  b.ready();
  REQUIRE(a.send(mbx::SetVlanReq{.add = true, .vid = 55}.encode()).w[0] ==
          (ack_cts(MsgId::kSetVlan) | 1u << mbx::word0::kMsgInfoShift));
  REQUIRE(r.pool_bit(reg::VFRE, 0));

  REQUIRE(r.pf.reset().has_value());
  CHECK(r.dev->model().pf_reset_count() == 2);
  CHECK(r.count(EventCode::kPfReset) == 1);
  CHECK((r.rd(reg::CTRL_EXT) & reg::ctrl_ext::kPfrstd) != 0);
  // Every VF sees the PF's reset done and is no longer clear to send.
  for (Vf* vf : {&a, &b}) {
    CHECK((vf->mbx().read_mailbox() & hal::ixgbe::vf::vfmailbox::kRstd) != 0);
    CHECK_FALSE(r.pf.vf_info(vf->id()).clear_to_send);
  }
  // VT mode and the admin configuration are back; VF pools wait for their VF_RESET.
  CHECK(r.pf.num_pools() == 32);
  CHECK((r.rd(reg::VT_CTL) & reg::vt_ctl::kVtEnable) != 0);
  CHECK(r.rar_is(0, kPfMac, 2));
  CHECK(r.rar_is(127, mac(0xA0), 0));
  CHECK((r.rd(reg::PFVFSPOOF(0)) & 0x0101) == 0);
  CHECK((r.rd(reg::PFVFSPOOF(0)) & 0x0202) == 0x0202);
  CHECK(r.rd(reg::VMVIR(1)) == (300u | 2u << reg::vmvir::kPrioShift | reg::vmvir::kVlanaDefault));
  CHECK(r.vlan_has(300, 1));
  CHECK_FALSE(r.vlan_has(55, 0));  // what the VF negotiated is gone until it asks again
  CHECK(r.vlan_has(0, 0));
  CHECK(r.rttbcnrc(4) != 0);
  CHECK_FALSE(r.pool_bit(reg::VFRE, 0));
  CHECK_FALSE(r.pool_bit(reg::VFTE, 1));
  // A request before the VF resets is refused; after VF_RESET all is well again.
  a.mbx().reset_done();
  CHECK(a.send(mbx::GetQueuesReq{}.encode(), 1).w[0] == nack_no_cts(MsgId::kGetQueues));
  const mbx::ResetReply ra = a.reset();
  CHECK(ra.ack);
  CHECK(ra.mac == mac(0xA0));
  CHECK(r.pool_bit(reg::VFRE, 0));
  CHECK(r.pool_bit(reg::VFTE, 0));
  b.mbx().reset_done();
  b.ready(mbx::Api::k11);
  auto q = mbx::GetQueuesReply::decode(b.send(mbx::GetQueuesReq{}.encode(), 5).words());
  REQUIRE(q.has_value());
  CHECK(q->trans_vlan == 1);
}

TEST_CASE("reset() before init() is init()", "[pf][pfreset]") {
  Rig r;
  REQUIRE(r.pf.reset().has_value());
  CHECK(r.count(EventCode::kPfInit) == 1);
  CHECK(r.count(EventCode::kPfReset) == 0);
}
