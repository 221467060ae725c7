// No two functions on one unicast MAC: a VF's stored MAC is re-programmed at VF_RESET and PF
// reset only if nobody took it meanwhile; an administrator's MAC stays reserved for its VF.
#include "pf_rig.hpp"

using namespace pftest;
using mbx::MsgId;
using pf::ErrorCode;
using pf::EventCode;

TEST_CASE("VF_RESET does not re-install a MAC another VF claimed after an FLR", "[pf][mac]") {
  Rig r;
  r.up(2);
  Vf a(r, 0);
  Vf b(r, 1);
  a.ready();
  b.ready();
  REQUIRE(a.send(mbx::SetMacAddrReq{.mac = mac(0x61)}.encode()).w[0] ==
          ack_cts(MsgId::kSetMacAddr));
  a.flr();
  r.pf.service_once();
  REQUIRE_FALSE(r.rar_valid(127));
  // B claims the address A's filter no longer holds.
  REQUIRE(b.send(mbx::SetMacAddrReq{.mac = mac(0x61)}.encode()).w[0] ==
          ack_cts(MsgId::kSetMacAddr));
  REQUIRE(r.rar_is(126, mac(0x61), 1));
  // A's VF_RESET leaves it with B and answers as if A had no MAC.
  const mbx::ResetReply reply = a.reset();
  CHECK_FALSE(reply.ack);
  CHECK(reply.mac.is_zero());
  CHECK_FALSE(r.rar_valid(127));
  CHECK(r.rar_is(126, mac(0x61), 1));
  CHECK(r.rar_count(mac(0x61)) == 1);
  CHECK(r.pf.vf_info(a.id()).mac.is_zero());
  const pf::Event* e = r.pf.events().find_last(EventCode::kMacInUse, a.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("VF_RESET"));
  CHECK(e->reason.contains("VF 1"));
  // A picks another address as usual.
  CHECK(a.send(mbx::SetMacAddrReq{.mac = mac(0x62)}.encode()).w[0] == ack_cts(MsgId::kSetMacAddr));
  CHECK(r.rar_is(127, mac(0x62), 0));
}

TEST_CASE("an administrator's MAC stays reserved for its VF while an FLR has its filter down",
          "[pf][mac]") {
  Rig r;
  r.up(2);
  REQUIRE(r.pf.set_vf_mac(hal::VfId(0), mac(0x71)).has_value());
  Vf a(r, 0);
  Vf b(r, 1);
  a.ready();
  b.ready(mbx::Api::k13);
  a.flr();
  r.pf.service_once();
  REQUIRE_FALSE(r.rar_valid(127));
  CHECK(b.send(mbx::SetMacAddrReq{.mac = mac(0x71)}.encode()).w[0] == nack_cts(MsgId::kSetMacAddr));
  CHECK(b.send(mbx::SetMacvlanReq{.index = 1, .mac = mac(0x71)}.encode()).w[0] ==
        (nack_cts(MsgId::kSetMacvlan) | 1u << mbx::word0::kMsgInfoShift));
  auto admin = r.pf.set_vf_mac(hal::VfId(1), mac(0x71));
  REQUIRE_FALSE(admin.has_value());
  CHECK(admin.error().code == ErrorCode::kBusy);
  // A gets its address back at VF_RESET.
  const mbx::ResetReply reply = a.reset();
  CHECK(reply.ack);
  CHECK(reply.mac == mac(0x71));
  CHECK(r.rar_is(127, mac(0x71), 0));
  CHECK(r.rar_count(mac(0x71)) == 1);
  CHECK(r.count(EventCode::kMacInUse) == 0);
}

TEST_CASE("a PF reset re-programs a MAC only for the function that holds it", "[pf][mac]") {
  Rig r;
  r.up(4);
  Vf v0(r, 0);
  Vf v1(r, 1);
  Vf v2(r, 2);
  Vf v3(r, 3);
  v0.ready();
  v1.ready();
  REQUIRE(v0.send(mbx::SetMacAddrReq{.mac = mac(0x81)}.encode()).w[0] ==
          ack_cts(MsgId::kSetMacAddr));
  REQUIRE(v1.send(mbx::SetMacAddrReq{.mac = mac(0x82)}.encode()).w[0] ==
          ack_cts(MsgId::kSetMacAddr));
  // VF 0 and VF 1 lose their filters and keep their addresses stored. The administrator gives
  // VF 0's address to VF 2 (whose filter an FLR then takes down too); VF 3 takes VF 1's
  // itself. The replay meets VF 0 and VF 1 first: they must not take the addresses back.
  v0.flr();
  v1.flr();
  r.pf.service_once();
  REQUIRE(r.pf.set_vf_mac(hal::VfId(2), mac(0x81)).has_value());
  v2.flr();
  r.pf.service_once();
  REQUIRE_FALSE(r.rar_valid(125));
  v3.ready();
  REQUIRE(v3.send(mbx::SetMacAddrReq{.mac = mac(0x82)}.encode()).w[0] ==
          ack_cts(MsgId::kSetMacAddr));
  REQUIRE(r.pf.reset().has_value());
  CHECK(r.rar_is(125, mac(0x81), 2));
  CHECK(r.rar_is(124, mac(0x82), 3));
  CHECK(r.rar_count(mac(0x81)) == 1);
  CHECK(r.rar_count(mac(0x82)) == 1);
  CHECK_FALSE(r.rar_valid(127));
  CHECK_FALSE(r.rar_valid(126));
  CHECK(r.pf.vf_info(hal::VfId(0)).mac.is_zero());
  CHECK(r.pf.vf_info(hal::VfId(1)).mac.is_zero());
  CHECK(r.pf.events().count(EventCode::kMacInUse, hal::VfId(0)) == 1);
  CHECK(r.pf.events().count(EventCode::kMacInUse, hal::VfId(1)) == 1);
  const pf::Event* e = r.pf.events().find_last(EventCode::kMacInUse, hal::VfId(0));
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("PF reset"));
  CHECK(e->reason.contains("VF 2 (its administrator-set MAC)"));
  e = r.pf.events().find_last(EventCode::kMacInUse, hal::VfId(1));
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("taken meanwhile by VF 3;"));
}
