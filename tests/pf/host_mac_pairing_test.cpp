// Who may be paired with a host MAC (only a VF the administrator gave that MAC), and the RAR
// entries kept for host MACs (PfOptions::host_mac_entries) that no macvlan takes.
#include "host_mac_rig.hpp"

using namespace pftest;
using namespace hostmactest;
using mbx::MsgId;
using pf::ErrorCode;
using pf::EventCode;

namespace {
constexpr uint32_t kPairMacvlanIndex1 = 1u << mbx::word0::kMsgInfoShift;

/// A macvlan MAC for `i` (0..65535), apart from every other MAC in these tests.
hal::MacAddr pairing_macvlan(unsigned i) {
  return hal::MacAddr({0x02, 0x77, 0x00, 0x01, static_cast<uint8_t>(i >> 8),
                       static_cast<uint8_t>(i)});
}
}  // namespace

TEST_CASE("a guest that copies a victim's MAC is not handed the victim's delivery when the "
          "host adds it",
          "[pf][host-mac][pairing]") {
  Rig r;
  r.up(3);  // default pool 3
  Vf attacker(r, 1);
  attacker.ready();
  // The victim's MAC, seen on the wire; the victim is migrating in and will get VF 0.
  const hal::MacAddr victim = mac(0xa1);
  REQUIRE(attacker.send(mbx::SetMacAddrReq{.mac = victim}.encode()).w[0] ==
          ack_cts(MsgId::kSetMacAddr));
  REQUIRE(r.rar_is(126, victim, 1));
  const std::vector<uint32_t> before = filter_regs(r);

  auto added = r.pf.add_host_mac(victim);
  REQUIRE_FALSE(added.has_value());
  CHECK(added.error().code == ErrorCode::kBusy);
  CHECK(added.error().reason.contains("VF 1 uses"));
  CHECK(added.error().reason.contains("set_vf_mac first"));
  CHECK(filter_regs(r) == before);
  CHECK(r.pf.host_macs().empty());
  CHECK(mac_antispoof(r, 1));  // nothing lifted: the attacker sends from its own MAC only
  CHECK_FALSE(r.pf.vf_info(attacker.id()).mac_antispoof_lifted);
  CHECK(r.count(EventCode::kMacAntispoofLifted) == 0);
  CHECK(r.count(EventCode::kHostMacAdd) == 0);
  const pf::Event* e = r.pf.events().find_last(EventCode::kAdminRefused);
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("set_vf_mac first"));
  // The administrator sees the conflict where it is: the victim's VF cannot have the MAC.
  auto victim_vf = r.pf.set_vf_mac(hal::VfId(0), victim);
  REQUIRE_FALSE(victim_vf.has_value());
  CHECK(victim_vf.error().code == ErrorCode::kBusy);
}

TEST_CASE("a VF's own MAC that became a host MAC while its filter was down is not programmed "
          "back at its VF_RESET",
          "[pf][host-mac][pairing]") {
  Rig r;
  r.up(3);
  Vf attacker(r, 1);
  attacker.ready();
  const hal::MacAddr victim = mac(0xa2);
  REQUIRE(attacker.send(mbx::SetMacAddrReq{.mac = victim}.encode()).w[0] ==
          ack_cts(MsgId::kSetMacAddr));
  attacker.flr();
  r.pf.service_once();
  REQUIRE_FALSE(r.rar_valid(126));
  REQUIRE(r.pf.vf_info(attacker.id()).mac == victim);  // remembered while its filter is down
  // Nobody holds it now: the host may take it.
  REQUIRE(r.pf.add_host_mac(victim).has_value());
  REQUIRE(r.rar_is(1, victim, 3));

  const mbx::ResetReply reply = attacker.reset();
  CHECK_FALSE(reply.ack);
  CHECK(reply.mac.is_zero());
  CHECK_FALSE(r.rar_valid(126));
  CHECK(r.rar_is(1, victim, 3));
  CHECK(r.rar_count(victim) == 1);
  CHECK(r.pf.vf_info(attacker.id()).mac.is_zero());
  CHECK_FALSE(r.pf.vf_info(attacker.id()).mac_antispoof_lifted);
  CHECK(mac_antispoof(r, 1));
  const pf::Event* e = r.pf.events().find_last(EventCode::kMacInUse, attacker.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("host MAC"));
  // Nor can it ask for it again; the administrator pairs the victim's VF instead.
  attacker.negotiate(mbx::Api::k13);
  CHECK(attacker.send(mbx::SetMacAddrReq{.mac = victim}.encode()).w[0] ==
        nack_cts(MsgId::kSetMacAddr));
  Vf v0(r, 0);
  REQUIRE(r.pf.set_vf_mac(v0.id(), victim).has_value());
  v0.ready();
  CHECK(r.rar_is(127, victim, 3));
  CHECK_FALSE(r.rar_valid(1));
}

TEST_CASE("a trusted VF's own MAC in place of its admin MAC, or a macvlan, is never paired",
          "[pf][host-mac][pairing]") {
  Rig r;
  r.up(2);
  REQUIRE(r.pf.set_vf_trust(hal::VfId(0), true).has_value());
  Vf v0(r, 0);
  const hal::MacAddr admin = mac(0xa3);
  const hal::MacAddr chosen = mac(0xa4);
  const hal::MacAddr filter = mac(0xa5);
  REQUIRE(r.pf.set_vf_mac(v0.id(), admin).has_value());
  v0.ready();
  REQUIRE(v0.send(mbx::SetMacAddrReq{.mac = chosen}.encode()).w[0] ==
          ack_cts(MsgId::kSetMacAddr));
  REQUIRE(v0.send(mbx::SetMacvlanReq{.index = 1, .mac = filter}.encode()).w[0] ==
          (ack_cts(MsgId::kSetMacvlan) | kPairMacvlanIndex1));
  REQUIRE(r.pf.vf_info(v0.id()).admin_mac);  // as Linux: still "set by the administrator"
  const std::vector<uint32_t> before = filter_regs(r);
  for (const hal::MacAddr& m : {chosen, filter}) {
    auto added = r.pf.add_host_mac(m);
    REQUIRE_FALSE(added.has_value());
    CHECK(added.error().code == ErrorCode::kBusy);
    CHECK(added.error().reason.contains("VF 0 uses"));
  }
  CHECK(filter_regs(r) == before);
  CHECK(r.pf.host_macs().empty());
  CHECK(r.count(EventCode::kMacAntispoofLifted) == 0);
}

TEST_CASE("macvlans leave the entries kept for host MACs free", "[pf][host-mac][pairing]") {
  Rig r;
  r.up(2);  // spares 1..125: 1..15 for host MACs, 16..125 shared
  REQUIRE(r.pf.set_vf_trust(hal::VfId(0), true).has_value());
  Vf v0(r, 0);
  v0.ready();
  // A VF takes every spare entry it can get.
  unsigned taken = 0;
  for (unsigned i = 1; i < 200; ++i) {
    const auto index = static_cast<uint8_t>(taken + 1);
    const uint32_t w0 = v0.send(mbx::SetMacvlanReq{.index = index, .mac = pairing_macvlan(i)}
                                    .encode())
                            .w[0];
    if ((w0 & mbx::word0::kAck) == 0) break;
    ++taken;
  }
  CHECK(taken == 125 - 15);
  for (unsigned i = 1; i <= 15; ++i) CHECK_FALSE(r.rar_valid(i));
  // Guests migrating in still find their entries, in the kept block.
  for (unsigned i = 1; i <= 15; ++i) {
    INFO("host MAC " << i);
    REQUIRE(r.pf.add_host_mac(host_mac(static_cast<uint8_t>(i))).has_value());
    CHECK(r.rar_is(i, host_mac(static_cast<uint8_t>(i)), 2));
  }
  auto full = r.pf.add_host_mac(host_mac(16));
  REQUIRE_FALSE(full.has_value());
  CHECK(full.error().code == ErrorCode::kNoSpace);
  CHECK(full.error().reason.contains("15 kept for host MACs"));
  // The VF's reset frees its macvlans: host MACs beyond the block take shared spares.
  (void)v0.reset();
  REQUIRE(r.pf.add_host_mac(host_mac(16)).has_value());
  CHECK(r.rar_is(16, host_mac(16), 2));
}

TEST_CASE("PfOptions::host_mac_entries: 0 keeps none, above 64 init() refuses",
          "[pf][host-mac][pairing]") {
  SECTION("0: macvlans may take every spare") {
    pf::PfOptions o = options();
    o.host_mac_entries = 0;
    Rig r(o);
    r.up(2);
    REQUIRE(r.pf.set_vf_trust(hal::VfId(0), true).has_value());
    Vf v0(r, 0);
    v0.ready();
    REQUIRE(v0.send(mbx::SetMacvlanReq{.index = 1, .mac = pairing_macvlan(1)}.encode()).w[0] ==
            (ack_cts(MsgId::kSetMacvlan) | kPairMacvlanIndex1));
    CHECK(r.rar_is(1, pairing_macvlan(1), 0));
  }
  SECTION("64: the most 63 VFs leave") {
    pf::PfOptions o = options();
    o.host_mac_entries = 64;
    Rig r(o);
    REQUIRE(r.pf.init().has_value());
    REQUIRE(r.pf.set_num_vfs(63).has_value());
  }
  SECTION("65: kInvalidArgument, nothing touched") {
    pf::PfOptions o = options();
    o.host_mac_entries = 65;
    Rig r(o);
    auto up = r.pf.init();
    REQUIRE_FALSE(up.has_value());
    CHECK(up.error().code == ErrorCode::kInvalidArgument);
    CHECK(up.error().reason.contains("host_mac_entries"));
    CHECK(r.count(EventCode::kPfInitFailed) == 1);
  }
}
