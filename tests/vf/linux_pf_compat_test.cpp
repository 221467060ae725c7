// Our VF driver under a PF that answers as Linux ixgbe does on an 82599 (linux_ixgbe_policy.hpp
// names each behaviour's source): probe with and without an admin MAC, API negotiation against
// the 6.15 and 6.17 lists, xcast downgrade and refusal, the 82599 jumbo rule of SET_LPE, the
// queues of each pool mode, and the early NACK and bare NACK of a PF that cleared CTS.

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>

#include "link_settle.hpp"
#include "linux_pf_rig.hpp"
#include "vf_driver/random_mac.hpp"
#include "vf_driver/vf_driver.hpp"

using namespace vftest;
using mbx::Api;
using mbx::MsgId;
using mbx::XcastMode;
using vf::ErrorCode;
using vf::State;
using vf::VfDriver;
using vf::VfOptions;

namespace {

const hal::MacAddr kLinuxAdminMac({0x02, 0xAD, 0x00, 0x00, 0x00, 0x07});
const hal::MacAddr kLinuxOtherMac({0x02, 0xBE, 0xEF, 0x00, 0x00, 0x07});

VfOptions linux_vf_options(uint64_t seed = 42, Api max_api = vf::kMaxApi) {
  VfOptions o;
  o.mac_seed = seed;
  o.max_api = max_api;
  return o;
}

/// The last request the PF received with id `id`.
mbx::Message last_received(const LinuxPfRig& rig, MsgId id) {
  for (auto it = rig.received.rbegin(); it != rig.received.rend(); ++it) {
    if (it->id() == static_cast<uint16_t>(id)) return *it;
  }
  return {};
}

/// The words of the first message the PF wrote with id `id`.
std::vector<uint32_t> first_sent(const LinuxPfRig& rig, MsgId id) {
  for (const mbx::Message& m : rig.sent) {
    if (m.id() == static_cast<uint16_t>(id)) return {m.words().begin(), m.words().end()};
  }
  return {};
}

}  // namespace

TEST_CASE("Linux PF without an admin MAC: VF_RESET NACK with a zero MAC, the VF claims a "
          "random locally administered MAC",
          "[vf][linux]") {
  LinuxPfRig rig(2);
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter, linux_vf_options(42));
  REQUIRE(drv.probe().has_value());
  CHECK(drv.state() == State::kUp);
  // ixgbe_vf_reset_msg: 4 words, VF_RESET | NACK without CTS, zero MAC, mc_filter_type 0.
  CHECK(first_sent(rig, MsgId::kReset) ==
        std::vector<uint32_t>{0x01u | mbx::word0::kNack, 0, 0, 0});
  CHECK(rig.ids_since(0) == std::vector{MsgId::kReset, MsgId::kSetMacAddr, MsgId::kApiNegotiate,
                                        MsgId::kGetQueues, MsgId::kSetLpe,
                                        MsgId::kGetLinkState});
  CHECK(drv.mac() == vf::random_laa_mac(42));
  CHECK(drv.mac().is_locally_administered());
  CHECK_FALSE(drv.mac_from_pf());
  CHECK(rig.policy.vf(hal::VfId{0}).mac == drv.mac());  // the PF installed it
  CHECK(drv.api() == Api::k14);
  // 2 VFs + the PF's pool fit 32 pools: 4 queues each, default TC 0, no port VLAN.
  CHECK(drv.tx_queues() == 4);
  CHECK(drv.rx_queues() == 4);
  CHECK(drv.default_queue() == 0);
  CHECK(drv.trans_vlan() == 0);
  CHECK(rig.policy.vf(hal::VfId{0}).vfre);  // SET_LPE 1518 taken: receive on
  CHECK(drv.counters().nacks == 0);
  CHECK(settle_link(drv, rig.clock));
}

TEST_CASE("Linux PF with an admin MAC: VF_RESET ACK carries it, an untrusted VF may not "
          "replace it, a trusted one may after the forced reset",
          "[vf][linux]") {
  LinuxPfRig rig(2);
  const hal::VfId v0{0};
  rig.policy.set_admin_mac(v0, kLinuxAdminMac);
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter, linux_vf_options());
  REQUIRE(drv.probe().has_value());
  std::vector<uint32_t> ack{0x01u | mbx::word0::kAck, 0, 0, 0};
  mbx::put_mac(ack, 1, kLinuxAdminMac);
  CHECK(first_sent(rig, MsgId::kReset) == ack);
  CHECK(drv.mac() == kLinuxAdminMac);
  CHECK(drv.mac_from_pf());
  CHECK(rig.count(MsgId::kSetMacAddr) == 0);

  auto r = drv.set_mac(kLinuxOtherMac);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kRefused);
  CHECK(drv.mac() == kLinuxAdminMac);
  CHECK(drv.state() == State::kUp);

  // ndo_set_vf_trust: CTS cleared and a ping without CTS. The driver resets once, not in a
  // loop, and gets the admin MAC again.
  rig.set_trust(v0, true);
  for (int i = 0; i < 5; ++i) drv.service();
  CHECK(drv.state() == State::kUp);
  CHECK(drv.counters().recoveries == 1);
  CHECK(rig.count(MsgId::kReset) == 2);
  CHECK(drv.mac() == kLinuxAdminMac);
  REQUIRE(drv.set_mac(kLinuxOtherMac).has_value());
  CHECK(drv.mac() == kLinuxOtherMac);
  CHECK(rig.policy.vf(v0).mac == kLinuxOtherMac);
}

TEST_CASE("API negotiation with Linux: 1.4 at the first offer, whatever the kernel's list",
          "[vf][linux][api]") {
  SECTION("6.15: 1.0-1.4") {
    LinuxPfRig rig(1, 1500, linuxpf::Kernel::k6_15);
    VfDriver drv(rig.fn(0), rig.clock, rig.waiter, linux_vf_options());
    REQUIRE(drv.probe().has_value());
    CHECK(drv.api() == Api::k14);
    CHECK(rig.count(MsgId::kApiNegotiate) == 1);
  }
  SECTION("6.17: 1.6 and 1.7 too, which this driver never offers") {
    LinuxPfRig rig(1, 1500, linuxpf::Kernel::k6_17);
    VfDriver drv(rig.fn(0), rig.clock, rig.waiter, linux_vf_options(1, Api::k17));
    REQUIRE(drv.probe().has_value());
    CHECK(drv.api() == Api::k14);
    CHECK(rig.count(MsgId::kApiNegotiate) == 1);
  }
  SECTION("a 1.1 VF: GET_QUEUES yes, GET_LINK_STATE never asked") {
    LinuxPfRig rig(1);
    VfDriver drv(rig.fn(0), rig.clock, rig.waiter, linux_vf_options(1, Api::k11));
    REQUIRE(drv.probe().has_value());
    CHECK(drv.api() == Api::k11);
    CHECK(drv.tx_queues() == 4);
    CHECK(rig.count(MsgId::kGetLinkState) == 0);
    CHECK(drv.set_xcast(XcastMode::kMulti).error().code == ErrorCode::kNotSupported);
    CHECK(rig.count(MsgId::kUpdateXcastMode) == 0);
  }
}

TEST_CASE("Linux PF, untrusted VF: ALLMULTI and PROMISC are ACKed as MULTI, the driver "
          "ends in MULTI, counts the downgrade and asks once",
          "[vf][linux][xcast]") {
  LinuxPfRig rig(2);
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter, linux_vf_options());
  REQUIRE(drv.probe().has_value());
  const XcastMode asked = GENERATE(XcastMode::kAllMulti, XcastMode::kPromisc);
  auto r = drv.set_xcast(asked);
  REQUIRE(r.has_value());
  CHECK(*r == XcastMode::kMulti);
  CHECK(drv.xcast() == XcastMode::kMulti);
  CHECK(drv.counters().xcast_downgrades == 1);
  CHECK(drv.counters().nacks == 0);
  CHECK(rig.policy.vf(hal::VfId{0}).xcast == XcastMode::kMulti);
  // ixgbe_update_vf_xcast_mode's reply: ACK | CTS, word 1 = the mode applied.
  const mbx::Message& reply = rig.sent.back();
  CHECK(reply.w[0] == (0x0Cu | mbx::word0::kAck | mbx::word0::kCts));
  CHECK(reply.w[1] == 1u);
  // Never asked again while nothing changes.
  const size_t before = rig.received.size();
  for (int i = 0; i < 5; ++i) drv.service();
  CHECK(rig.received.size() == before);
}

TEST_CASE("Linux PF, trusted VF on an 82599: ALLMULTI granted, PROMISC refused and the "
          "driver keeps ALLMULTI",
          "[vf][linux][xcast]") {
  LinuxPfRig rig(2);
  const hal::VfId v0{0};
  rig.policy.vf(v0).trusted = true;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter, linux_vf_options());
  REQUIRE(drv.probe().has_value());
  REQUIRE(drv.set_xcast(XcastMode::kAllMulti).value() == XcastMode::kAllMulti);
  CHECK(drv.counters().xcast_downgrades == 0);

  auto r = drv.set_xcast(XcastMode::kPromisc);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kRefused);
  // -EOPNOTSUPP: NACK | CTS with the request's word 1 unchanged.
  CHECK(rig.sent.back().w[0] == (0x0Cu | mbx::word0::kNack | mbx::word0::kCts));
  CHECK(rig.sent.back().w[1] == 3u);
  CHECK(drv.xcast() == XcastMode::kAllMulti);
  CHECK(drv.user_config().xcast == XcastMode::kAllMulti);
  CHECK(rig.policy.vf(v0).xcast == XcastMode::kAllMulti);
  CHECK(drv.state() == State::kUp);
  CHECK(rig.count(MsgId::kUpdateXcastMode) == 2);

  // A forced reset replays ALLMULTI once, not the refused PROMISC.
  rig.set_trust(v0, false);
  rig.set_trust(v0, true);
  for (int i = 0; i < 5; ++i) drv.service();
  CHECK(drv.state() == State::kUp);
  CHECK(rig.count(MsgId::kUpdateXcastMode) == 3);
  CHECK(last_received(rig, MsgId::kUpdateXcastMode).w[1] ==
        static_cast<uint32_t>(XcastMode::kAllMulti));
  CHECK(drv.xcast() == XcastMode::kAllMulti);
}

TEST_CASE("Linux PF at MTU 1500: a jumbo SET_LPE is refused and turns VF receive off, the "
          "driver turns it back on with the size the PF took",
          "[vf][linux][lpe]") {
  LinuxPfRig rig(1, 1500);
  const hal::VfId v0{0};
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter, linux_vf_options());
  REQUIRE(drv.probe().has_value());
  REQUIRE(rig.policy.vf(v0).vfre);
  auto r = drv.set_mtu(9000);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kRefused);
  CHECK_FALSE(drv.user_config().mtu.has_value());
  // The refused 9018 cleared VFRE; the driver asked for 1518 again and got receive back.
  CHECK(rig.received.back().id() == static_cast<uint16_t>(MsgId::kSetLpe));
  CHECK(rig.received.back().w[1] == vf::kStdMtu + vf::kFrameOverhead);
  CHECK(rig.policy.vf(v0).vfre);
  REQUIRE(drv.set_mtu(1400).has_value());
  CHECK(rig.policy.vf(v0).vfre);
}

TEST_CASE("Linux PF at MTU 9000: an API 1.4 VF gets receive on and jumbo frames, an API 1.0 VF "
          "is refused and stays without receive",
          "[vf][linux][lpe]") {
  LinuxPfRig rig(1, 9000);
  const hal::VfId v0{0};
  SECTION("API 1.4") {
    VfDriver drv(rig.fn(0), rig.clock, rig.waiter, linux_vf_options());
    REQUIRE(drv.probe().has_value());
    CHECK(rig.policy.vf(v0).vfre);
    REQUIRE(drv.set_mtu(9000).has_value());
    CHECK(rig.policy.vf(v0).vfre);
  }
  SECTION("API 1.0: the 82599 cannot mix a jumbo PF with a legacy VF") {
    VfDriver drv(rig.fn(0), rig.clock, rig.waiter, linux_vf_options(1, Api::k10));
    REQUIRE(drv.probe().has_value());
    CHECK(drv.state() == State::kUp);
    CHECK(drv.counters().nacks == 1);  // the bring-up's SET_LPE
    CHECK_FALSE(rig.policy.vf(v0).vfre);
    CHECK(drv.set_mtu(9000).error().code == ErrorCode::kNotSupported);
  }
}

TEST_CASE("Linux PF after the user MTU stopped fitting: the bring-up falls back to the "
          "standard frame so receive stays on",
          "[vf][linux][lpe]") {
  LinuxPfRig rig(1, 1500);
  const hal::VfId v0{0};
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter, linux_vf_options());
  // Remembered before the bring-up: a jumbo MTU this PF refuses.
  CHECK(drv.set_mtu(9000).error().code == ErrorCode::kNotUp);
  REQUIRE(drv.probe().has_value());
  CHECK(drv.user_config().mtu == 9000u);
  CHECK(rig.policy.vf(v0).vfre);
  CHECK(last_received(rig, MsgId::kSetLpe).w[1] == vf::kStdMtu + vf::kFrameOverhead);
  CHECK(drv.counters().nacks == 1);  // the 9018 the PF refused
}

TEST_CASE("Linux PF with 40 VFs: 64 pools, 2 queues per VF", "[vf][linux][queues]") {
  LinuxPfRig rig(40);
  VfDriver drv(rig.fn(39), rig.clock, rig.waiter, linux_vf_options(39));
  REQUIRE(drv.probe().has_value());
  CHECK(drv.tx_queues() == 2);
  CHECK(drv.rx_queues() == 2);
}

TEST_CASE("Linux PF with a port VLAN: GET_QUEUES says so and the VF's VLANs are refused",
          "[vf][linux][vlan]") {
  LinuxPfRig rig(1);
  rig.policy.vf(hal::VfId{0}).pf_vlan = 10;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter, linux_vf_options());
  REQUIRE(drv.probe().has_value());
  CHECK(drv.trans_vlan() == 1);
  CHECK(drv.add_vlan(20).error().code == ErrorCode::kRefused);
  CHECK_FALSE(drv.user_config().vlans.test(20));
}

TEST_CASE("Linux PF that cleared CTS: a request gets the 1-word NACK without CTS, the driver "
          "resets once and restores what it was asked",
          "[vf][linux][recovery]") {
  LinuxPfRig rig(1);
  const hal::VfId v0{0};
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter, linux_vf_options());
  REQUIRE(drv.probe().has_value());
  // The PF forgets the VF without telling it (its ping lost): CTS off.
  rig.policy.vf(v0).clear_to_send = false;
  auto r = drv.add_vlan(100);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kNotClearToSend);
  CHECK(rig.sent.back().size == 1);
  CHECK(rig.sent.back().w[0] == (0x04u | (1u << mbx::word0::kMsgInfoShift) | mbx::word0::kNack));
  CHECK(drv.reset_pending());
  drv.service();
  CHECK(drv.state() == State::kUp);
  CHECK(rig.count(MsgId::kReset) == 2);
  CHECK(drv.user_config().vlans.test(100));
  CHECK(rig.received.back().id() == static_cast<uint16_t>(MsgId::kGetLinkState));
  CHECK(rig.ids_since(rig.received.size() - 4) ==
        std::vector{MsgId::kGetQueues, MsgId::kSetVlan, MsgId::kSetLpe, MsgId::kGetLinkState});
  const auto all = rig.ids_since(0);
  CHECK(std::count(all.begin(), all.end(), MsgId::kSetVlan) == 2);  // the NACKed one, the restored one
}

TEST_CASE("Linux PF link disable: CTS cleared and a ping, the VF resets and reports link down",
          "[vf][linux][link]") {
  LinuxPfRig rig(1);
  const hal::VfId v0{0};
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter, linux_vf_options());
  REQUIRE(drv.probe().has_value());
  REQUIRE(settle_link(drv, rig.clock));
  rig.set_link_enable(v0, false);
  for (int i = 0; i < 3; ++i) drv.service();
  CHECK(drv.state() == State::kUp);
  CHECK(drv.get_link_state().value() == false);
  CHECK_FALSE(settle_link(drv, rig.clock));
}

TEST_CASE("Linux PF's bare NACK (its answer to an ACK from a VF it does not clear to send) "
          "makes the driver reset once",
          "[vf][linux][recovery]") {
  LinuxPfRig rig(1);
  const hal::VfId v0{0};
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter, linux_vf_options());
  REQUIRE(drv.probe().has_value());
  // The PF forgot the VF (CTS off) and the VF acked something of the PF's: ixgbe_msg_task
  // answers the ack with word 0 = NACK alone, id 0, no CTS.
  rig.policy.vf(v0).clear_to_send = false;
  const auto bare = rig.policy.on_ack(v0);
  REQUIRE(bare.has_value());
  CHECK(bare->size == 1);
  CHECK(bare->w[0] == mbx::word0::kNack);
  mbx::PfMailbox pfm(rig.dev->pf().bar0());
  REQUIRE(pfm.write(v0, bare->words()).has_value());
  CHECK(drv.service() >= 1);
  CHECK(drv.state() == State::kUp);
  CHECK(drv.counters().recoveries == 1);
  CHECK(rig.count(MsgId::kReset) == 2);
  for (int i = 0; i < 3; ++i) drv.service();
  CHECK(rig.count(MsgId::kReset) == 2);
}
