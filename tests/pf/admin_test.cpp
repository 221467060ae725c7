// The administrator's per-VF settings and their register effects (spec 7).
#include "pf_driver/vlan_table.hpp"
#include "pf_rig.hpp"

using namespace pftest;
namespace reg = hal::ixgbe::pf;
using mbx::MsgId;
using pf::ErrorCode;
using pf::EventCode;

TEST_CASE("admin calls are refused for VFs that do not exist and bad values", "[pf][admin]") {
  Rig r;
  REQUIRE(r.pf.set_vf_spoofchk(hal::VfId(0), false).error().code == ErrorCode::kNotInitialized);
  r.up(2);
  CHECK(r.pf.set_vf_trust(hal::VfId(2), true).error().code == ErrorCode::kNoSuchVf);
  CHECK(r.pf.set_vf_mac(hal::VfId(0), hal::MacAddr({0x01, 0, 0, 0, 0, 1})).error().code ==
        ErrorCode::kInvalidArgument);
  CHECK(r.pf.set_vf_mac(hal::VfId(0), kPfMac).error().code == ErrorCode::kBusy);
  CHECK(r.pf.set_vf_vlan(hal::VfId(0), 4096, 0).error().code == ErrorCode::kInvalidArgument);
  CHECK(r.pf.set_vf_vlan(hal::VfId(0), 5, 8).error().code == ErrorCode::kInvalidArgument);
  CHECK(r.count(EventCode::kAdminRefused) == 6);
  CHECK(r.pf.events().latest()->reason.contains("qos"));
}

TEST_CASE("set_vf_mac programs RAR 127 - vf, zero clears the admin MAC", "[pf][admin]") {
  Rig r;
  r.up(2);
  REQUIRE(r.pf.set_vf_mac(hal::VfId(1), mac(0x10)).has_value());
  CHECK(r.rar_is(126, mac(0x10), 1));
  CHECK(r.pf.vf_info(hal::VfId(1)).admin_mac);
  REQUIRE(r.pf.set_vf_mac(hal::VfId(1), hal::MacAddr{}).has_value());
  CHECK_FALSE(r.rar_valid(126));
  CHECK_FALSE(r.pf.vf_info(hal::VfId(1)).admin_mac);
  Vf vf(r, 1);
  CHECK_FALSE(vf.reset().ack);
  CHECK(r.count(EventCode::kAdminMac) == 2);
}

TEST_CASE("set_vf_vlan sets a port VLAN: VMVIR, VLVF, no VLAN 0, no AUPE, and clearing undoes it",
          "[pf][admin]") {
  Rig r;
  r.up(2);
  Vf vf(r, 1);
  vf.ready();
  REQUIRE(r.pf.set_vf_vlan(vf.id(), 100, 5).has_value());
  CHECK(r.rd(reg::VMVIR(1)) == (100u | 5u << reg::vmvir::kPrioShift | reg::vmvir::kVlanaDefault));
  CHECK(r.vlan_has(100, 1));
  CHECK_FALSE(r.vlan_has(0, 1));
  CHECK(r.vlan_has(0, 2));  // the PF keeps VLAN 0
  CHECK((r.rd(reg::VMOLR(1)) & reg::vmolr::kAupe) == 0);
  // At the VF's next reset the port VLAN stays and QDE hides the tag.
  vf.reset();
  CHECK(r.vlan_has(100, 1));
  CHECK_FALSE(r.vlan_has(0, 1));
  CHECK(r.qde(4) == (reg::qde::kEnable | reg::qde::kHideVlan));
  CHECK(r.rd(reg::VMOLR(1)) == reg::vmolr::kBam);
  REQUIRE(r.pf.set_vf_vlan(vf.id(), 0, 0).has_value());
  CHECK(r.rd(reg::VMVIR(1)) == 0);
  CHECK_FALSE(r.vlan_has(100, 1));
  CHECK_FALSE(r.vfta_has(100));
  CHECK(r.vlan_has(0, 1));
  CHECK((r.rd(reg::VMOLR(1)) & reg::vmolr::kAupe) != 0);
  CHECK(r.count(EventCode::kAdminVlan) == 2);
}

TEST_CASE("set_vf_spoofchk toggles MAC and VLAN anti-spoof together", "[pf][admin]") {
  Rig r;
  r.up(10);
  const uint32_t bits = reg::pfvfspoof::mac_bit(9) | reg::pfvfspoof::vlan_bit(9);
  CHECK((r.rd(reg::PFVFSPOOF(1)) & bits) == bits);
  REQUIRE(r.pf.set_vf_spoofchk(hal::VfId(9), false).has_value());
  CHECK((r.rd(reg::PFVFSPOOF(1)) & bits) == 0);
  CHECK((r.rd(reg::PFVFSPOOF(1)) & reg::pfvfspoof::mac_bit(8)) != 0);
  REQUIRE(r.pf.set_vf_spoofchk(hal::VfId(9), true).has_value());
  CHECK((r.rd(reg::PFVFSPOOF(1)) & bits) == bits);
  CHECK_FALSE(r.pf.vf_info(hal::VfId(8)).spoofchk == false);
}

TEST_CASE("a trust change clears clear-to-send and pings the VF without CTS", "[pf][admin]") {
  Rig r;
  r.up(1);
  Vf vf(r, 0);
  vf.ready();
  REQUIRE(r.pf.set_vf_trust(vf.id(), true).has_value());
  CHECK_FALSE(r.pf.vf_info(vf.id()).clear_to_send);
  auto ping = vf.mbx().poll_message(1);
  REQUIRE(ping.has_value());
  CHECK(ping->w[0] == static_cast<uint32_t>(MsgId::kPfControlMsg));
  CHECK(vf.send(mbx::GetQueuesReq{}.encode(), 1).w[0] == nack_no_cts(MsgId::kGetQueues));
  vf.ready();
  CHECK(r.pf.vf_info(vf.id()).trusted);
  CHECK(r.count(EventCode::kAdminTrust) == 1);
  // Setting the same trust again changes nothing.
  REQUIRE(r.pf.set_vf_trust(vf.id(), true).has_value());
  CHECK(r.pf.vf_info(vf.id()).clear_to_send);
}

TEST_CASE("link state disable stops the VF's RX and TX and forces a reset", "[pf][admin]") {
  Rig r;
  r.up(2);
  Vf vf(r, 1);
  vf.ready();
  REQUIRE(r.pool_bit(reg::VFRE, 1));
  REQUIRE(r.pf.set_vf_link_state(vf.id(), pf::LinkState::kDisable).has_value());
  CHECK_FALSE(r.pool_bit(reg::VFRE, 1));
  CHECK_FALSE(r.pool_bit(reg::VFTE, 1));
  auto ping = vf.mbx().poll_message(1);
  REQUIRE(ping.has_value());
  CHECK(ping->w[0] == static_cast<uint32_t>(MsgId::kPfControlMsg));
  vf.reset();
  CHECK_FALSE(r.pool_bit(reg::VFRE, 1));  // a reset does not re-enable a disabled VF
  CHECK_FALSE(r.pool_bit(reg::VFTE, 1));
  REQUIRE(r.pf.set_vf_link_state(vf.id(), pf::LinkState::kAuto).has_value());
  CHECK(r.pool_bit(reg::VFRE, 1));
  CHECK(r.pool_bit(reg::VFTE, 1));
  CHECK(r.count(EventCode::kAdminLinkState) == 2);
}

TEST_CASE("set_vf_rate programs RTTBCNRC on each of the VF's queues", "[pf][admin]") {
  Rig r;
  r.up(2);
  REQUIRE(r.pf.set_vf_rate(hal::VfId(1), 1000).has_value());
  const uint32_t want = reg::rttbcnrc::kRsEna | (10u << reg::rttbcnrc::kRfIntShift);
  for (unsigned q = 4; q < 8; ++q) CHECK(r.rttbcnrc(q) == want);
  CHECK(r.rttbcnrc(0) == 0);
  CHECK(r.rd(reg::RTTBCNRM) == reg::rttbcnrm::kMmwSize82599);
  REQUIRE(r.pf.set_vf_rate(hal::VfId(1), 3000).has_value());
  // 10000/3000 = 3.333: RF_INT 3, RF_DEC 0x1555.
  CHECK(r.rttbcnrc(4) == (reg::rttbcnrc::kRsEna | 3u << reg::rttbcnrc::kRfIntShift | 0x1555u));
  CHECK(r.pf.set_vf_rate(hal::VfId(1), 10).error().code == ErrorCode::kInvalidArgument);
  CHECK(r.pf.set_vf_rate(hal::VfId(1), 10001).error().code == ErrorCode::kInvalidArgument);
  REQUIRE(r.pf.set_vf_rate(hal::VfId(1), 0).has_value());
  CHECK(r.rttbcnrc(4) == 0);
  r.dev->set_link(false);
  CHECK(r.pf.set_vf_rate(hal::VfId(1), 1000).error().code == ErrorCode::kLinkDown);
}

TEST_CASE("a PF link change is logged and pings every VF", "[pf][admin]") {
  Rig r;
  r.up(2);
  Vf a(r, 0);
  Vf b(r, 1);
  a.reset();
  r.dev->set_link(false);
  CHECK(r.pf.interrupt().wait(std::chrono::nanoseconds(0)));
  CHECK(r.pf.service_once() >= 1);
  CHECK_FALSE(r.pf.interrupt().wait(std::chrono::nanoseconds(0)));  // drained by the pass
  CHECK(r.count(EventCode::kLinkChange) == 1);
  auto pa = a.mbx().poll_message(1);
  auto pb = b.mbx().poll_message(1);
  REQUIRE(pa.has_value());
  REQUIRE(pb.has_value());
  CHECK(pa->w[0] == (static_cast<uint32_t>(MsgId::kPfControlMsg) | mbx::word0::kCts));
  CHECK(pb->w[0] == static_cast<uint32_t>(MsgId::kPfControlMsg));  // b never reset
}

namespace {

/// Fills the VLVF table with VLANs of `vf` (from `first` up) until the PF NACKs one.
void fill_vlvf(Vf& vf, uint16_t first) {
  for (uint16_t vid = first; vid < first + pf::VlanTable::kEntries; ++vid) {
    const mbx::Message m = vf.send(mbx::SetVlanReq{.add = true, .vid = vid}.encode());
    if ((m.w[0] & mbx::word0::kNack) != 0) return;
  }
  FAIL("the VLVF table did not fill up");
}

}  // namespace

TEST_CASE("set_vf_vlan refused for a full VLVF leaves a shared port VLAN as it was",
          "[pf][admin]") {
  Rig r;
  r.up(3);
  Vf filler(r, 0);
  filler.ready();
  REQUIRE(r.pf.set_vf_vlan(hal::VfId{1}, 40, 0).has_value());
  REQUIRE(r.pf.set_vf_vlan(hal::VfId{2}, 40, 0).has_value());  // one entry, two pools
  fill_vlvf(filler, 1000);
  const uint32_t vmvir = r.rd(reg::VMVIR(1));
  const size_t refused_before = r.count(EventCode::kAdminRefused);

  auto no = r.pf.set_vf_vlan(hal::VfId{1}, 50, 3);
  REQUIRE_FALSE(no.has_value());
  CHECK(no.error().code == ErrorCode::kNoSpace);
  CHECK(r.count(EventCode::kAdminRefused) == refused_before + 1);
  // Everything as it was: VF 1 still hears its port VLAN, which VMVIR still inserts.
  CHECK(r.pf.vf_info(hal::VfId{1}).vlan == 40);
  CHECK(r.pf.vf_info(hal::VfId{1}).qos == 0);
  CHECK(r.vlan_has(40, 1));
  CHECK(r.vlan_has(40, 2));
  CHECK_FALSE(r.vlan_has(50, 1));
  CHECK_FALSE(r.vfta_has(50));
  CHECK(r.rd(reg::VMVIR(1)) == vmvir);
}

TEST_CASE("set_vf_vlan moves a sole-member port VLAN even with the VLVF table full",
          "[pf][admin]") {
  Rig r;
  r.up(2);
  Vf filler(r, 0);
  filler.ready();
  REQUIRE(r.pf.set_vf_vlan(hal::VfId{1}, 40, 0).has_value());  // VF 1 alone in VLAN 40
  fill_vlvf(filler, 1000);
  // No free entry, but the one VLAN 40 frees is enough: the change is made, not refused.
  REQUIRE(r.pf.set_vf_vlan(hal::VfId{1}, 50, 0).has_value());
  CHECK(r.vlan_has(50, 1));
  CHECK_FALSE(r.vlan_has(40, 1));
  CHECK_FALSE(r.vfta_has(40));
  CHECK(r.pf.vf_info(hal::VfId{1}).vlan == 50);
}
