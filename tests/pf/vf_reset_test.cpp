// VF_RESET, clear-to-send discipline, FLR and the service order (spec 3b, 3e, 4d, 7).
#include "hal/ixgbe/queue_regs.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "pf_rig.hpp"

using namespace pftest;
namespace reg = hal::ixgbe::pf;
using mbx::MsgId;
using pf::EventCode;

TEST_CASE("VF_RESET without an admin MAC is NACKed with a zero MAC and admits the VF",
          "[pf][reset]") {
  Rig r;
  r.up(2);
  Vf vf(r, 1);
  const mbx::Message m = vf.send(mbx::ResetReq{}.encode(), 4);
  CHECK(m.w[0] == nack_no_cts(MsgId::kReset));  // no CTS on the reset reply (spec 4b)
  auto reply = mbx::ResetReply::decode(m.words());
  REQUIRE(reply.has_value());
  CHECK_FALSE(reply->ack);
  CHECK(reply->mac.is_zero());
  CHECK(reply->mc_filter_type == 0);
  const pf::VfInfo info = r.pf.vf_info(vf.id());
  CHECK(info.clear_to_send);
  CHECK(info.api == mbx::Api::k10);
  CHECK(info.counters.resets == 1);
  // Pool 1 receives and transmits; its queues 4..7 drop when full; spoofed packets counted.
  CHECK(r.pool_bit(reg::VFRE, 1));
  CHECK(r.pool_bit(reg::VFTE, 1));
  CHECK_FALSE(r.pool_bit(reg::VFRE, 0));
  for (unsigned q = 4; q < 8; ++q) CHECK(r.qde(q) == reg::qde::kEnable);
  CHECK(r.qde(0) == 0);
  CHECK(((r.rd(reg::VMECM(0)) >> 1) & 1u) == 1);
  CHECK(r.vlan_has(0, 1));
  CHECK(r.rd(reg::VMOLR(1)) == (reg::vmolr::kBam | reg::vmolr::kAupe));
  CHECK(r.count(EventCode::kVfReset) == 1);
}

TEST_CASE("VF_RESET with an admin MAC is ACKed with it and programs RAR 127 - vf",
          "[pf][reset]") {
  Rig r;
  r.up(3);
  REQUIRE(r.pf.set_vf_mac(hal::VfId(2), mac(0x22)).has_value());
  Vf vf(r, 2);
  const mbx::ResetReply reply = vf.reset();
  CHECK(reply.ack);
  CHECK(reply.mac == mac(0x22));
  CHECK(r.rar_is(125, mac(0x22), 2));
}

TEST_CASE("VF_RESET zeroes head write-back and the mailbox and restarts configured TX queues",
          "[pf][reset]") {
  Rig r;
  r.up(2);
  Vf vf(r, 0);
  vf.ready();
  // The VF configured TX queue 1 with head write-back (VF registers alias PF queue 1).
  hal::RegisterIo& vbar = vf.fn().bar0();
  vbar.write(hal::ixgbe::vf::VFTDWBAL(1), 0x1000 | hal::ixgbe::tdwbal::kHeadWbEnable);
  vbar.write(hal::ixgbe::vf::VFTDWBAH(1), 0x1);
  vbar.write(hal::ixgbe::vf::VFTXDCTL(1), hal::ixgbe::txdctl::kEnable | 0x8);
  REQUIRE(r.rd(reg::TDWBAL(1)) != 0);
  vf.reset();
  CHECK(r.rd(reg::TDWBAL(1)) == 0);
  CHECK(r.rd(reg::TDWBAH(1)) == 0);
  CHECK((r.rd(reg::TXDCTL(1)) & hal::ixgbe::txdctl::kEnable) == 0);
  CHECK((r.rd(reg::TXDCTL(1)) & 0x8) == 0x8);  // the rest of the configuration stays
  for (unsigned w = 1; w < mbx::kMaxWords; ++w) CHECK(r.rd(reg::PFMBMEM(0, w)) == 0);
}

TEST_CASE("a request before VF_RESET gets a 1-word NACK without CTS", "[pf][cts]") {
  Rig r;
  r.up(1);
  Vf vf(r, 0);
  const mbx::Message m = vf.send(mbx::SetMacAddrReq{.mac = mac(5)}.encode(), 1);
  CHECK(m.w[0] == nack_no_cts(MsgId::kSetMacAddr));
  CHECK_FALSE(r.rar_valid(127));
  CHECK(r.count(EventCode::kNotClearToSend) == 1);
  CHECK(r.pf.vf_info(vf.id()).counters.nacks == 1);
}

TEST_CASE("an ack from a VF that is not clear to send is answered with a bare NACK",
          "[pf][cts]") {
  Rig r;
  r.up(1);
  Vf vf(r, 0);
  // The VF consumes the early NACK (raising VFACK); the PF's next pass sees that ack.
  vf.send(mbx::SetMacAddrReq{.mac = mac(5)}.encode(), 1);
  auto m = vf.poll();
  REQUIRE(m.has_value());
  CHECK(m->w[0] == mbx::word0::kNack);
  // Once clear to send, the VF's acks need no answer.
  vf.reset();
  CHECK_FALSE(vf.poll().has_value());
}

TEST_CASE("a message that already carries ACK or NACK is ignored, logged and counted",
          "[pf][cts]") {
  Rig r;
  r.up(1);
  Vf vf(r, 0);
  vf.ready();
  const uint32_t words[] = {static_cast<uint32_t>(MsgId::kSetMacAddr) | mbx::word0::kAck, 0, 0};
  REQUIRE(vf.mbx().write(words).has_value());
  CHECK_FALSE(vf.poll(3).has_value());
  pf::VfInfo info = r.pf.vf_info(vf.id());
  CHECK(info.counters.messages == 3);  // reset, negotiate, this one
  CHECK(info.counters.acks == 1);      // negotiate (the reset reply was a NACK)
  CHECK(info.counters.ignored == 1);
  const pf::Event* e = r.pf.events().find_last(EventCode::kReplyBitsFromVf, vf.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("SET_MAC_ADDR"));
  CHECK(e->reason.contains("ACK"));
  const uint32_t nacked[] = {static_cast<uint32_t>(MsgId::kGetQueues) | mbx::word0::kNack};
  REQUIRE(vf.mbx().write(nacked).has_value());
  CHECK_FALSE(vf.poll(1).has_value());
  info = r.pf.vf_info(vf.id());
  CHECK(info.counters.ignored == 2);
  CHECK(info.counters.nacks == 1);  // still only the VF_RESET reply: nothing was answered
  CHECK(r.count(EventCode::kReplyBitsFromVf) == 2);
  CHECK(r.pf.events().find_last(EventCode::kReplyBitsFromVf)->reason.contains("NACK"));
}

TEST_CASE("VF FLR cleans the VF's filters and requires a new VF_RESET", "[pf][flr]") {
  Rig r;
  r.up(2);
  Vf vf(r, 1);
  vf.ready(mbx::Api::k13);
  REQUIRE(vf.send(mbx::SetMacAddrReq{.mac = mac(0x31)}.encode()).w[0] == ack_cts(MsgId::kSetMacAddr));
  REQUIRE(vf.send(mbx::SetVlanReq{.add = true, .vid = 100}.encode()).w[0] ==
          (ack_cts(MsgId::kSetVlan) | 1u << mbx::word0::kMsgInfoShift));
  REQUIRE(vf.send(mbx::SetMacvlanReq{.index = 1, .mac = mac(0x41)}.encode()).w[0] ==
          (ack_cts(MsgId::kSetMacvlan) | 1u << mbx::word0::kMsgInfoShift));
  mbx::SetMulticastReq mc;
  mc.hashes[0] = 0x123;
  mc.count = 1;
  REQUIRE(vf.send(mc.encode()).w[0] ==
          (ack_cts(MsgId::kSetMulticast) | 1u << mbx::word0::kMsgInfoShift));
  REQUIRE(r.rar_is(126, mac(0x31), 1));
  REQUIRE(r.rar_is(kFirstMacvlan, mac(0x41), 1));
  REQUIRE(r.vlan_has(100, 1));
  REQUIRE(r.rd(reg::MTA(0x123 >> 5)) != 0);

  vf.flr();
  CHECK(r.pf.service_once() >= 1);
  CHECK_FALSE(r.rar_valid(126));
  CHECK_FALSE(r.rar_valid(kFirstMacvlan));
  CHECK_FALSE(r.vlan_has(100, 1));
  CHECK_FALSE(r.vfta_has(100));
  CHECK(r.vlan_has(0, 1));
  CHECK(r.rd(reg::MTA(0x123 >> 5)) == 0);
  const pf::VfInfo info = r.pf.vf_info(vf.id());
  CHECK(info.counters.flrs == 1);
  CHECK_FALSE(info.clear_to_send);
  CHECK(info.api == mbx::Api::k10);
  CHECK(info.mac == mac(0x31));  // the address is remembered, only its filter went
  CHECK(r.count(EventCode::kVfFlr) == 1);
  // The VF must reset before anything else; VF_RESET puts its MAC filter back.
  CHECK(vf.send(mbx::GetQueuesReq{}.encode(), 1).w[0] == nack_no_cts(MsgId::kGetQueues));
  vf.reset();
  CHECK(r.rar_is(126, mac(0x31), 1));
}

TEST_CASE("a VF sending garbage is NACKed and logged while another VF keeps working",
          "[pf][robust]") {
  Rig r;
  r.up(2);
  Vf bad(r, 0);
  Vf good(r, 1);
  bad.ready(mbx::Api::k12);
  good.reset();
  // Unknown id, a request with CTS set, a truncated multicast list, a bad API enum.
  CHECK(bad.send_words({0x0077}).w[0] == nack_cts(static_cast<MsgId>(0x77)));
  CHECK(bad.send_words({static_cast<uint32_t>(MsgId::kSetVlan) | mbx::word0::kCts, 5}).w[0] ==
        nack_cts(MsgId::kSetVlan));
  CHECK(bad.send_words({mbx::word0::make(static_cast<uint16_t>(MsgId::kSetMulticast), 31)}).w[0] ==
        (nack_cts(MsgId::kSetMulticast) | 31u << mbx::word0::kMsgInfoShift));
  CHECK(bad.send_words({static_cast<uint32_t>(MsgId::kApiNegotiate), 0x1234, 0}).w[0] ==
        nack_cts(MsgId::kApiNegotiate));
  CHECK(r.count(EventCode::kUnknownMessage) == 1);
  CHECK(r.pf.events().count(EventCode::kDecodeError, bad.id()) == 3);
  const pf::Event* e = r.pf.events().find_last(EventCode::kDecodeError, bad.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("API_NEGOTIATE"));
  CHECK(e->reason.contains("field out of range"));
  CHECK(r.pf.vf_info(bad.id()).counters.nacks == 5);  // 4 + the VF_RESET reply (no admin MAC)
  CHECK(r.pf.vf_info(bad.id()).clear_to_send);  // garbage does not cost the VF its state
  // Meanwhile the other VF is served normally.
  good.negotiate(mbx::Api::k11);
  CHECK(good.send(mbx::SetMacAddrReq{.mac = mac(0x51)}.encode()).w[0] == ack_cts(MsgId::kSetMacAddr));
  const mbx::Message q = good.send(mbx::GetQueuesReq{}.encode(), 5);
  CHECK(q.w[0] == ack_cts(MsgId::kGetQueues));
  CHECK(q.w[1] == 4);
  CHECK(r.rar_is(126, mac(0x51), 1));
  CHECK(r.pf.events().count(EventCode::kDecodeError, good.id()) == 0);
}
