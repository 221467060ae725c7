// One test case per VF request: accepted and refused, with the register effects (spec 4b, 7).
#include "pf_rig.hpp"

using namespace pftest;
namespace reg = hal::ixgbe::pf;
using mbx::Api;
using mbx::MsgId;
using pf::EventCode;

namespace {
constexpr uint32_t info(uint8_t v) { return uint32_t{v} << mbx::word0::kMsgInfoShift; }

mbx::Message vlan(Vf& vf, bool add, uint16_t vid) {
  return vf.send(mbx::SetVlanReq{.add = add, .vid = vid}.encode());
}
mbx::Message lpe(Vf& vf, uint32_t frame) {
  return vf.send(mbx::SetLpeReq{.max_frame = frame}.encode());
}
mbx::Message xcast(Vf& vf, mbx::XcastMode m) {
  return vf.send(mbx::UpdateXcastModeReq{.mode = m}.encode(), 2);
}
mbx::Message macvlan(Vf& vf, uint8_t index, hal::MacAddr m) {
  return vf.send(mbx::SetMacvlanReq{.index = index, .mac = m}.encode());
}
}  // namespace

TEST_CASE("API_NEGOTIATE accepts 1.0 to 1.4 and refuses 1.5, 1.6, 1.7 and 2.0", "[pf][msg]") {
  Rig r;
  r.up(1);
  Vf vf(r, 0);
  vf.reset();
  for (Api a : {Api::k10, Api::k11, Api::k12, Api::k13, Api::k14}) {
    vf.negotiate(a);
    CHECK(r.pf.vf_info(vf.id()).api == a);
  }
  for (Api a : {Api::k15, Api::k16, Api::k17, Api::k20}) {
    CHECK(vf.send(mbx::ApiNegotiateReq{.api = a}.encode(), 3).w[0] == nack_cts(MsgId::kApiNegotiate));
    CHECK(r.pf.vf_info(vf.id()).api == Api::k14);  // unchanged
  }
  CHECK(r.count(EventCode::kApiNegotiated) == 5);
  CHECK(r.count(EventCode::kRequestRefused) == 4);
}

TEST_CASE("SET_MAC_ADDR programs the VF's RAR and enforces the admin MAC policy", "[pf][msg]") {
  Rig r;
  r.up(2);
  Vf vf(r, 0);
  vf.ready();
  SECTION("a valid MAC replaces the VF's filter in RAR 127") {
    CHECK(vf.send(mbx::SetMacAddrReq{.mac = mac(1)}.encode()).w[0] == ack_cts(MsgId::kSetMacAddr));
    CHECK(r.rar_is(127, mac(1), 0));
    CHECK(vf.send(mbx::SetMacAddrReq{.mac = mac(2)}.encode()).w[0] == ack_cts(MsgId::kSetMacAddr));
    CHECK(r.rar_is(127, mac(2), 0));
    CHECK(r.pf.vf_info(vf.id()).mac == mac(2));
  }
  SECTION("a multicast MAC is a decode error") {
    hal::MacAddr m({0x01, 0x00, 0x5e, 0x00, 0x00, 0x01});
    CHECK(vf.send(mbx::SetMacAddrReq{.mac = m}.encode()).w[0] == nack_cts(MsgId::kSetMacAddr));
    CHECK_FALSE(r.rar_valid(127));
    CHECK(r.count(EventCode::kDecodeError) == 1);
  }
  SECTION("the PF's or another VF's MAC is refused") {
    CHECK(vf.send(mbx::SetMacAddrReq{.mac = kPfMac}.encode()).w[0] == nack_cts(MsgId::kSetMacAddr));
    REQUIRE(r.pf.set_vf_mac(hal::VfId(1), mac(9)).has_value());
    CHECK(vf.send(mbx::SetMacAddrReq{.mac = mac(9)}.encode()).w[0] == nack_cts(MsgId::kSetMacAddr));
  }
  SECTION("an untrusted VF cannot override an admin MAC, but may set it again") {
    REQUIRE(r.pf.set_vf_mac(vf.id(), mac(7)).has_value());
    vf.ready();
    CHECK(vf.send(mbx::SetMacAddrReq{.mac = mac(8)}.encode()).w[0] == nack_cts(MsgId::kSetMacAddr));
    CHECK(r.rar_is(127, mac(7), 0));
    const pf::Event* e = r.pf.events().find_last(EventCode::kRequestRefused, vf.id());
    REQUIRE(e != nullptr);
    CHECK(e->reason.contains("administratively set MAC"));
    CHECK(vf.send(mbx::SetMacAddrReq{.mac = mac(7)}.encode()).w[0] == ack_cts(MsgId::kSetMacAddr));
  }
  SECTION("a trusted VF may override an admin MAC") {
    REQUIRE(r.pf.set_vf_mac(vf.id(), mac(7)).has_value());
    REQUIRE(r.pf.set_vf_trust(vf.id(), true).has_value());
    vf.ready();
    CHECK(vf.send(mbx::SetMacAddrReq{.mac = mac(8)}.encode()).w[0] == ack_cts(MsgId::kSetMacAddr));
    CHECK(r.rar_is(127, mac(8), 0));
  }
}

TEST_CASE("SET_MULTICAST sets the VF's hashes in the shared MTA and rebuilds it", "[pf][msg]") {
  Rig r;
  r.up(2);
  Vf a(r, 0);
  Vf b(r, 1);
  a.ready();
  b.ready();
  mbx::SetMulticastReq m;
  m.hashes = {0x010, 0xFFF};
  m.count = 2;
  CHECK(a.send(m.encode()).w[0] == (ack_cts(MsgId::kSetMulticast) | info(2)));
  CHECK(r.rd(reg::MTA(0)) == 1u << 0x10);
  CHECK(r.rd(reg::MTA(0x7F)) == 1u << 0x1F);
  CHECK((r.rd(reg::VMOLR(0)) & reg::vmolr::kRompe) != 0);
  // VF 1 shares hash 0x010; VF 0's new list drops 0xFFF but 0x010 stays for VF 1.
  mbx::SetMulticastReq m2;
  m2.hashes[0] = 0x010;
  m2.count = 1;
  CHECK(b.send(m2.encode()).w[0] == (ack_cts(MsgId::kSetMulticast) | info(1)));
  mbx::SetMulticastReq m3;
  m3.hashes[0] = 0x020;
  m3.count = 1;
  CHECK(a.send(m3.encode()).w[0] == (ack_cts(MsgId::kSetMulticast) | info(1)));
  CHECK(r.rd(reg::MTA(0x7F)) == 0);
  CHECK(r.rd(reg::MTA(0)) == (1u << 0x10));
  CHECK(r.rd(reg::MTA(1)) == 1u << 0x00);
  // More than 30 hashes is refused; a VF reset drops the VF's hashes.
  CHECK(a.send_words({mbx::word0::make(static_cast<uint16_t>(MsgId::kSetMulticast), 31)}).w[0] ==
        (nack_cts(MsgId::kSetMulticast) | info(31)));
  a.reset();
  CHECK(r.rd(reg::MTA(1)) == 0);
  CHECK(r.rd(reg::MTA(0)) == (1u << 0x10));  // VF 1's hash is still wanted
  CHECK(r.pf.vf_info(b.id()).num_mc_hashes == 1);
}

TEST_CASE("SET_VLAN manages VLVF, VLVFB and VFTA for the VF's pool", "[pf][msg]") {
  Rig r;
  r.up(2);
  Vf vf(r, 1);
  vf.ready();
  CHECK(vlan(vf, true, 100).w[0] == (ack_cts(MsgId::kSetVlan) | info(1)));
  CHECK(r.vlan_has(100, 1));
  CHECK(r.vfta_has(100));
  CHECK(r.pf.vf_info(vf.id()).num_vlans == 2);  // VLAN 0 and 100
  CHECK(vlan(vf, false, 100).w[0] == ack_cts(MsgId::kSetVlan));
  CHECK_FALSE(r.vlan_has(100, 1));
  CHECK_FALSE(r.vfta_has(100));
  SECTION("removing VLAN 0 is ACKed and ignored") {
    CHECK(vlan(vf, false, 0).w[0] == ack_cts(MsgId::kSetVlan));
    CHECK(r.vlan_has(0, 1));
  }
  SECTION("a VID above 4095 is a decode error") {
    CHECK(vf.send_words({static_cast<uint32_t>(MsgId::kSetVlan) | info(1), 4096}).w[0] ==
          (nack_cts(MsgId::kSetVlan) | info(1)));
    CHECK(r.count(EventCode::kDecodeError) == 1);
  }
  SECTION("refused under a port VLAN") {
    REQUIRE(r.pf.set_vf_vlan(vf.id(), 200, 0).has_value());
    CHECK(vlan(vf, true, 300).w[0] == (nack_cts(MsgId::kSetVlan) | info(1)));
    CHECK_FALSE(r.vlan_has(300, 1));
  }
  SECTION("the 64-entry VLVF table running out is refused") {
    // VLAN 0 holds one entry; 63 more fit.
    for (uint16_t vid = 1; vid <= 63; ++vid) {
      REQUIRE(vlan(vf, true, vid).w[0] == (ack_cts(MsgId::kSetVlan) | info(1)));
    }
    CHECK(vlan(vf, true, 64).w[0] == (nack_cts(MsgId::kSetVlan) | info(1)));
    CHECK(r.pf.events().find_last(EventCode::kRequestRefused)->reason.contains("VLVF table full"));
  }
}

TEST_CASE("SET_LPE follows the 82599 jumbo rules", "[pf][msg]") {
  SECTION("standard PF: a standard frame is accepted, a jumbo one refused with VFRE cleared") {
    Rig r;
    r.up(1);
    Vf vf(r, 0);
    vf.ready(Api::k11);
    CHECK(lpe(vf, 1518).w[0] == ack_cts(MsgId::kSetLpe));
    CHECK(r.pool_bit(reg::VFRE, 0));
    CHECK(lpe(vf, 9000).w[0] == nack_cts(MsgId::kSetLpe));
    CHECK_FALSE(r.pool_bit(reg::VFRE, 0));
    CHECK(r.pool_bit(reg::VFTE, 0));
    CHECK(r.rd(reg::MAXFRS) >> reg::maxfrs::kMfsShift == 1518);
    CHECK(lpe(vf, 67).w[0] == nack_cts(MsgId::kSetLpe));
    CHECK(lpe(vf, 9729).w[0] == nack_cts(MsgId::kSetLpe));
  }
  SECTION("jumbo PF: API 1.0 refused, API 1.1 accepted; MAXFRS only grows") {
    Rig r(options(9000));
    r.up(2);
    Vf old(r, 0);
    Vf modern(r, 1);
    old.reset();
    modern.ready(Api::k11);
    // With a jumbo PF a VF's receive stays off after reset until SET_LPE agrees.
    CHECK_FALSE(r.pool_bit(reg::VFRE, 1));
    CHECK(r.pool_bit(reg::VFTE, 1));
    CHECK(lpe(old, 1518).w[0] == nack_cts(MsgId::kSetLpe));
    CHECK_FALSE(r.pool_bit(reg::VFRE, 0));
    CHECK(r.rd(reg::MAXFRS) >> reg::maxfrs::kMfsShift == 9018);
    CHECK(lpe(modern, 9728).w[0] == ack_cts(MsgId::kSetLpe));
    CHECK(r.pool_bit(reg::VFRE, 1));
    CHECK(r.rd(reg::MAXFRS) >> reg::maxfrs::kMfsShift == 9728);
    CHECK(lpe(modern, 1518).w[0] == ack_cts(MsgId::kSetLpe));
    CHECK(r.rd(reg::MAXFRS) >> reg::maxfrs::kMfsShift == 9728);
    CHECK(r.pf.vf_info(modern.id()).max_frame == 1518);
  }
}

TEST_CASE("SET_MACVLAN uses spare RARs and turns anti-spoof off", "[pf][msg]") {
  Rig r;
  r.up(2);
  Vf vf(r, 1);
  vf.ready();
  CHECK((r.rd(reg::PFVFSPOOF(0)) & 0x0202) == 0x0202);
  // Spares below kFirstMacvlan are kept for host MACs (PfOptions::host_mac_entries).
  const unsigned first = kFirstMacvlan;
  CHECK(macvlan(vf, 1, mac(0x61)).w[0] == (ack_cts(MsgId::kSetMacvlan) | info(1)));
  CHECK(macvlan(vf, 2, mac(0x62)).w[0] == (ack_cts(MsgId::kSetMacvlan) | info(2)));
  CHECK(r.rar_is(first, mac(0x61), 1));
  CHECK(r.rar_is(first + 1, mac(0x62), 1));
  for (unsigned i = 1; i < first; ++i) CHECK_FALSE(r.rar_valid(i));
  CHECK((r.rd(reg::PFVFSPOOF(0)) & 0x0202) == 0);
  CHECK(r.pf.vf_info(vf.id()).num_macvlans == 2);
  SECTION("index 1 starts a new list") {
    CHECK(macvlan(vf, 1, mac(0x63)).w[0] == (ack_cts(MsgId::kSetMacvlan) | info(1)));
    CHECK(r.rar_is(first, mac(0x63), 1));
    CHECK_FALSE(r.rar_valid(first + 1));
  }
  SECTION("index 0 clears the list") {
    CHECK(macvlan(vf, 0, hal::MacAddr{}).w[0] == ack_cts(MsgId::kSetMacvlan));
    CHECK_FALSE(r.rar_valid(first));
    CHECK_FALSE(r.rar_valid(first + 1));
  }
  SECTION("a VF reset frees the entries and restores anti-spoof") {
    vf.reset();
    CHECK_FALSE(r.rar_valid(first));
    CHECK((r.rd(reg::PFVFSPOOF(0)) & 0x0202) == 0x0202);
  }
  SECTION("refused with an admin MAC for an untrusted VF") {
    REQUIRE(r.pf.set_vf_mac(vf.id(), mac(0x70)).has_value());
    vf.ready();
    CHECK(macvlan(vf, 1, mac(0x64)).w[0] == (nack_cts(MsgId::kSetMacvlan) | info(1)));
    CHECK_FALSE(r.rar_valid(first));
  }
  SECTION("refused when no spare entry is left") {
    // 128 entries - PF - 2 VF primaries - the host MACs' block = 110 spare; 2 are taken.
    for (unsigned i = 0; i < 125 - (first - 1) - 2; ++i) {
      REQUIRE(macvlan(vf, 2, hal::MacAddr({0x02, 0x77, 0, 0, static_cast<uint8_t>(i >> 8),
                                           static_cast<uint8_t>(i)}))
                  .w[0] == (ack_cts(MsgId::kSetMacvlan) | info(2)));
    }
    CHECK(macvlan(vf, 2, mac(0x65)).w[0] == (nack_cts(MsgId::kSetMacvlan) | info(2)));
    CHECK_FALSE(r.rar_valid(127));  // VF 0's primary entry was not handed out
    for (unsigned i = 1; i < first; ++i) CHECK_FALSE(r.rar_valid(i));  // nor the host MACs'
  }
}

TEST_CASE("GET_QUEUES needs API 1.1 and reports the pool's queues", "[pf][msg]") {
  Rig r;
  r.up(2);
  Vf vf(r, 0);
  vf.ready(Api::k10);
  CHECK(vf.send(mbx::GetQueuesReq{}.encode(), 5).w[0] == nack_cts(MsgId::kGetQueues));
  CHECK(r.count(EventCode::kApiTooOld) == 1);
  vf.negotiate(Api::k11);
  auto q = mbx::GetQueuesReply::decode(vf.send(mbx::GetQueuesReq{}.encode(), 5).words());
  REQUIRE(q.has_value());
  CHECK(q->tx_queues == 4);
  CHECK(q->rx_queues == 4);
  CHECK(q->trans_vlan == 0);
  CHECK(q->default_queue == 0);
  REQUIRE(r.pf.set_vf_vlan(vf.id(), 10, 3).has_value());
  q = mbx::GetQueuesReply::decode(vf.send(mbx::GetQueuesReq{}.encode(), 5).words());
  REQUIRE(q.has_value());
  CHECK(q->trans_vlan == 1);
}

TEST_CASE("GET_RETA and GET_RSS_KEY need API 1.2 and the admin's RSS query permission",
          "[pf][msg]") {
  Rig r;
  r.up(1);
  Vf vf(r, 0);
  vf.ready(Api::k12);
  CHECK(vf.send(mbx::GetRetaReq{}.encode(), 9).w[0] == nack_cts(MsgId::kGetReta));
  CHECK(vf.send(mbx::GetRssKeyReq{}.encode(), 11).w[0] == nack_cts(MsgId::kGetRssKey));
  REQUIRE(r.pf.set_vf_rss_query(vf.id(), true).has_value());
  auto reta = mbx::GetRetaReply::decode(vf.send(mbx::GetRetaReq{}.encode(), 9).words());
  REQUIRE(reta.has_value());
  for (unsigned i = 0; i < mbx::kRetaEntries; ++i) CHECK(reta->reta[i] == i % 4);
  auto key = mbx::GetRssKeyReply::decode(vf.send(mbx::GetRssKeyReq{}.encode(), 11).words());
  REQUIRE(key.has_value());
  // The key the VF learns is the one the hardware hashes with.
  for (unsigned i = 0; i < hal::ixgbe::pf::kNumRssrk; ++i) {
    const uint32_t w = r.rd(reg::RSSRK(i));
    for (unsigned b = 0; b < 4; ++b) CHECK(key->key[4 * i + b] == static_cast<uint8_t>(w >> (8 * b)));
  }
  CHECK(r.rd(reg::RETA(0)) == 0x03020100u);
  vf.negotiate(Api::k11);
  CHECK(vf.send(mbx::GetRetaReq{}.encode(), 9).w[0] == nack_cts(MsgId::kGetReta));
}

TEST_CASE("UPDATE_XCAST_MODE programs VMOLR, downgrades untrusted VFs, refuses promisc",
          "[pf][msg]") {
  Rig r;
  r.up(1);
  Vf vf(r, 0);
  const uint32_t bam_rompe = reg::vmolr::kBam | reg::vmolr::kRompe;
  SECTION("API 1.1 is too old") {
    vf.ready(Api::k11);
    CHECK(xcast(vf, mbx::XcastMode::kMulti).w[0] == nack_cts(MsgId::kUpdateXcastMode));
  }
  SECTION("untrusted: MULTI as asked, ALLMULTI downgraded to MULTI with an event") {
    vf.ready(Api::k12);
    mbx::Message m = xcast(vf, mbx::XcastMode::kMulti);
    CHECK(m.w[0] == ack_cts(MsgId::kUpdateXcastMode));
    CHECK(m.w[1] == 1);
    CHECK((r.rd(reg::VMOLR(0)) & bam_rompe) == bam_rompe);
    m = xcast(vf, mbx::XcastMode::kAllMulti);
    CHECK(m.w[0] == ack_cts(MsgId::kUpdateXcastMode));
    CHECK(m.w[1] == 1);
    CHECK((r.rd(reg::VMOLR(0)) & reg::vmolr::kMpe) == 0);
    CHECK(r.count(EventCode::kXcastDowngraded) == 1);
    m = xcast(vf, mbx::XcastMode::kNone);
    CHECK(m.w[1] == 0);
    CHECK((r.rd(reg::VMOLR(0)) & (reg::vmolr::kRompe | reg::vmolr::kMpe)) == 0);
    CHECK((r.rd(reg::VMOLR(0)) & reg::vmolr::kBam) != 0);
  }
  SECTION("PROMISC needs API 1.3; untrusted with 1.3 it is downgraded") {
    vf.ready(Api::k12);
    CHECK(xcast(vf, mbx::XcastMode::kPromisc).w[0] == nack_cts(MsgId::kUpdateXcastMode));
    vf.negotiate(Api::k13);
    const mbx::Message m = xcast(vf, mbx::XcastMode::kPromisc);
    CHECK(m.w[0] == ack_cts(MsgId::kUpdateXcastMode));
    CHECK(m.w[1] == 1);
  }
  SECTION("trusted: ALLMULTI granted, PROMISC refused on the 82599") {
    REQUIRE(r.pf.set_vf_trust(vf.id(), true).has_value());
    vf.ready(Api::k13);
    mbx::Message m = xcast(vf, mbx::XcastMode::kAllMulti);
    CHECK(m.w[0] == ack_cts(MsgId::kUpdateXcastMode));
    CHECK(m.w[1] == 2);
    CHECK((r.rd(reg::VMOLR(0)) & (bam_rompe | reg::vmolr::kMpe)) == (bam_rompe | reg::vmolr::kMpe));
    CHECK(xcast(vf, mbx::XcastMode::kPromisc).w[0] == nack_cts(MsgId::kUpdateXcastMode));
    CHECK((r.rd(reg::VMOLR(0)) & reg::vmolr::kUpe) == 0);
    CHECK(r.pf.vf_info(vf.id()).xcast == mbx::XcastMode::kAllMulti);
  }
}

TEST_CASE("GET_LINK_STATE reports the admin link enable from API 1.2", "[pf][msg]") {
  Rig r;
  r.up(1);
  Vf vf(r, 0);
  vf.ready(Api::k11);
  CHECK(vf.send(mbx::GetLinkStateReq{}.encode(), 2).w[0] == nack_cts(MsgId::kGetLinkState));
  vf.negotiate(Api::k12);
  mbx::Message m = vf.send(mbx::GetLinkStateReq{}.encode(), 2);
  CHECK(m.w[0] == ack_cts(MsgId::kGetLinkState));
  CHECK(m.w[1] == 1);
  REQUIRE(r.pf.set_vf_link_state(vf.id(), pf::LinkState::kDisable).has_value());
  vf.ready(Api::k12);
  m = vf.send(mbx::GetLinkStateReq{}.encode(), 2);
  CHECK(m.w[0] == ack_cts(MsgId::kGetLinkState));
  CHECK(m.w[1] == 0);
}

TEST_CASE("IPSEC_ADD is refused: API 1.3 is too old, with 1.4 there is no offload", "[pf][msg]") {
  Rig r;
  r.up(1);
  Vf vf(r, 0);
  vf.ready(Api::k13);
  const mbx::Message add = mbx::IpsecAddReq{}.encode();
  CHECK(vf.send(add).w[0] == nack_cts(MsgId::kIpsecAdd));
  CHECK(r.count(EventCode::kApiTooOld) == 1);
  vf.negotiate(Api::k14);
  CHECK(vf.send(add).w[0] == nack_cts(MsgId::kIpsecAdd));
  const pf::Event* e = r.pf.events().find_last(EventCode::kRequestRefused, vf.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("IPsec"));
  CHECK(vf.send(mbx::IpsecDelReq{.pf_sa = 1}.encode()).w[0] == nack_cts(MsgId::kIpsecDel));
}
