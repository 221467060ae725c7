// The VF driver's configuration calls: argument checks, API gating, and what is remembered
// when the driver is not up.

#include <catch2/catch.hpp>

#include <vector>

#include "scripted_rig.hpp"

using namespace vftest;
using mbx::Api;
using mbx::MsgId;
using mbx::XcastMode;
using vf::ErrorCode;
using vf::VfDriver;
using vf::VfOptions;

TEST_CASE("configuration calls check their arguments before anything is sent",
          "[vf][requests]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  const size_t before = rig.pf.received.size();
  CHECK(drv.set_mac(hal::MacAddr{}).error().code == ErrorCode::kInvalidArgument);
  CHECK(drv.set_mac(hal::MacAddr({0x01, 0, 0, 0, 0, 1})).error().code ==
        ErrorCode::kInvalidArgument);
  CHECK(drv.add_vlan(4096).error().code == ErrorCode::kInvalidArgument);
  CHECK(drv.remove_vlan(5000).error().code == ErrorCode::kInvalidArgument);
  CHECK(drv.set_mtu(67).error().code == ErrorCode::kInvalidArgument);
  CHECK(drv.set_mtu(vf::kMaxMtu + 1).error().code == ErrorCode::kInvalidArgument);
  CHECK(drv.set_xcast(static_cast<XcastMode>(4)).error().code == ErrorCode::kInvalidArgument);
  const std::vector<hal::MacAddr> unicast{hal::MacAddr({0x02, 0, 0, 0, 0, 1})};
  CHECK(drv.set_multicast(unicast).error().code == ErrorCode::kInvalidArgument);
  const std::vector<hal::MacAddr> too_many(mbx::kMaxMulticast + 1,
                                           hal::MacAddr({0x01, 0, 0x5E, 0, 0, 1}));
  CHECK(drv.set_multicast(too_many).error().code == ErrorCode::kInvalidArgument);
  CHECK(rig.pf.received.size() == before);
  CHECK(drv.user_config().vlans.none());
  CHECK_FALSE(drv.user_config().mtu.has_value());
}

TEST_CASE("30 multicast addresses fit one SET_MULTICAST", "[vf][requests]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  std::vector<hal::MacAddr> macs;
  for (uint8_t i = 0; i < mbx::kMaxMulticast; ++i) {
    macs.push_back(hal::MacAddr({0x01, 0x00, 0x5E, 0x00, i, static_cast<uint8_t>(i * 16)}));
  }
  REQUIRE(drv.set_multicast(macs).has_value());
  const mbx::Message& m = rig.pf.received.back();
  CHECK(m.id() == static_cast<uint16_t>(MsgId::kSetMulticast));
  CHECK(m.msginfo() == mbx::kMaxMulticast);
  CHECK((m.w[15] >> 16) == mbx::mta_hash(macs[29], 0));
}

TEST_CASE("requests that need a newer API than negotiated are not sent", "[vf][requests][api]") {
  ScriptedRig rig;
  VfOptions o;
  SECTION("API 1.0") {
    o.max_api = Api::k10;
    VfDriver drv(rig.fn(0), rig.clock, rig.waiter, o);
    REQUIRE(drv.probe().has_value());
    const size_t before = rig.pf.received.size();
    CHECK(drv.set_xcast(XcastMode::kMulti).error().code == ErrorCode::kNotSupported);
    CHECK(drv.get_link_state().error().code == ErrorCode::kNotSupported);
    CHECK(drv.set_mtu(9000).error().code == ErrorCode::kNotSupported);
    CHECK(drv.set_mtu(1500).has_value());
    CHECK(rig.pf.received.size() == before + 1);
  }
  SECTION("API 1.2: PROMISC needs 1.3") {
    o.max_api = Api::k12;
    VfDriver drv(rig.fn(0), rig.clock, rig.waiter, o);
    REQUIRE(drv.probe().has_value());
    CHECK(drv.set_xcast(XcastMode::kPromisc).error().code == ErrorCode::kNotSupported);
    auto applied = drv.set_xcast(XcastMode::kAllMulti);
    REQUIRE(applied.has_value());
    CHECK(*applied == XcastMode::kAllMulti);
    CHECK(drv.xcast() == XcastMode::kAllMulti);
  }
}

TEST_CASE("settings made before probe are kept and applied by probe", "[vf][requests]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  const hal::MacAddr mine({0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE});
  CHECK(drv.set_mac(mine).error().code == ErrorCode::kNotUp);
  CHECK(drv.add_vlan(12).error().code == ErrorCode::kNotUp);
  CHECK(drv.set_mtu(4000).error().code == ErrorCode::kNotUp);
  CHECK(drv.set_xcast(XcastMode::kMulti).error().code == ErrorCode::kNotUp);
  CHECK(drv.get_link_state().error().code == ErrorCode::kNotUp);
  CHECK(rig.pf.received.empty());
  REQUIRE(drv.probe().has_value());
  CHECK(drv.mac() == mine);  // used instead of a random MAC
  CHECK(ids(rig.pf.received) ==
        std::vector{MsgId::kReset, MsgId::kSetMacAddr, MsgId::kApiNegotiate, MsgId::kGetQueues,
                    MsgId::kSetVlan, MsgId::kSetLpe, MsgId::kUpdateXcastMode,
                    MsgId::kGetLinkState});
  CHECK(mbx::get_mac(rig.pf.received[1].words(), 1) == mine);
  CHECK(rig.pf.received[5].w[1] == 4018);
}

TEST_CASE("remove_vlan forgets the VLAN and sends SET_VLAN remove", "[vf][requests]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  REQUIRE(drv.add_vlan(77).has_value());
  REQUIRE(drv.remove_vlan(77).has_value());
  CHECK_FALSE(drv.user_config().vlans.test(77));
  const mbx::Message& m = rig.pf.received.back();
  CHECK(m.id() == static_cast<uint16_t>(MsgId::kSetVlan));
  CHECK(m.msginfo() == 0);
  CHECK(m.w[1] == 77);
}
