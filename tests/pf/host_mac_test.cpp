// Host MACs (PfDriver::add_host_mac / remove_host_mac): the failover pairing of a guest's VF
// with its synthetic port on the default pool. Register-level: RAL/RAH/MPSAR of the VF's entry
// and of the reserved spare, PFVFSPOOF, in each state and through each transition.
#include "host_mac_rig.hpp"

using namespace pftest;
using namespace hostmactest;
using mbx::MsgId;
using pf::ErrorCode;
using pf::EventCode;

namespace {
constexpr uint32_t kMacvlanIndex1 = 1u << mbx::word0::kMsgInfoShift;
}  // namespace

TEST_CASE("add_host_mac moves a VF's primary entry to the default pool and remove gives it back",
          "[pf][host-mac]") {
  Rig r;
  r.up(2);  // default pool 2
  Vf v0(r, 0);
  const hal::MacAddr m = mac(0x31);
  REQUIRE(r.pf.set_vf_mac(v0.id(), m).has_value());  // only an admin MAC is ever paired
  v0.ready();
  REQUIRE(r.rar_is(127, m, 0));
  REQUIRE(mac_antispoof(r, 0));
  REQUIRE_FALSE(r.pf.vf_info(v0.id()).mac_antispoof_lifted);

  REQUIRE(r.pf.add_host_mac(m).has_value());
  CHECK(r.rar_is(127, m, 2));
  CHECK(r.rar_count(m) == 1);  // the spare is reserved, not valid: one entry delivers
  CHECK_FALSE(r.rar_valid(1));
  CHECK(r.pf.host_macs() == std::vector<hal::MacAddr>{m});
  pf::VfInfo info = r.pf.vf_info(v0.id());
  CHECK(info.mac == m);  // the VF keeps its MAC
  CHECK(info.rx_to_host);
  CHECK(info.spoofchk);
  CHECK(info.mac_antispoof_lifted);
  // The VF may still send from it: the MAC check is lifted, the VLAN check is not.
  CHECK_FALSE(mac_antispoof(r, 0));
  CHECK(vlan_antispoof(r, 0));
  CHECK_FALSE(tx_spoof_dropped(r, 0, m));
  const pf::Event* e = r.pf.events().find_last(EventCode::kHostMacAdd, v0.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("VF 0"));
  CHECK(e->reason.contains("default pool 2"));
  CHECK(e->reason.contains("MAC anti-spoof lifted for VF 0"));
  // The lift has an event of its own, as every lift does (whatever caused it).
  e = r.pf.events().find_last(EventCode::kMacAntispoofLifted, v0.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("any source MAC"));
  CHECK(e->reason.contains(m.to_string()));
  CHECK(r.count(EventCode::kMacAntispoofLifted) == 1);
  CHECK(r.count(EventCode::kMacAntispoofRestored) == 0);

  REQUIRE(r.pf.remove_host_mac(m).has_value());
  CHECK(r.rar_is(127, m, 0));
  CHECK_FALSE(r.rar_valid(1));
  CHECK(r.rd(hal::ixgbe::pf::RAL(1)) == 0);
  CHECK(r.pf.host_macs().empty());
  info = r.pf.vf_info(v0.id());
  CHECK(info.mac == m);
  CHECK_FALSE(info.rx_to_host);
  CHECK_FALSE(info.mac_antispoof_lifted);
  CHECK(mac_antispoof(r, 0));
  CHECK_FALSE(tx_spoof_dropped(r, 0, m));
  e = r.pf.events().find_last(EventCode::kHostMacDel, v0.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("given back to VF 0"));
  CHECK(r.count(EventCode::kMacAntispoofRestored) == 1);
}

TEST_CASE("a host MAC moves between MPSAR_LO and MPSAR_HI without ever being unmatched",
          "[pf][host-mac]") {
  Rig r;
  r.up(40);  // 64 pools: VF 3 in MPSAR_LO, the default pool 40 in MPSAR_HI
  Vf v3(r, 3);
  const hal::MacAddr m = mac(0x33);
  REQUIRE(r.pf.set_vf_mac(v3.id(), m).has_value());
  v3.ready();
  REQUIRE(r.rar_is(124, m, 3));
  {
    RarWatch w(r, m, [](uint64_t pools) { return pools != 0; });
    REQUIRE(r.pf.add_host_mac(m).has_value());
    CHECK(w.writes() >= 2);
    CHECK(w.failures() == 0);
  }
  CHECK(r.rar_is(124, m, 40));
  CHECK(r.rd(hal::ixgbe::pf::MPSAR_LO(124)) == 0);
  CHECK(r.rd(hal::ixgbe::pf::MPSAR_HI(124)) == 1u << 8);
  CHECK_FALSE(r.rar_valid(1));
  {
    RarWatch w(r, m, [](uint64_t pools) { return pools != 0; });
    REQUIRE(r.pf.remove_host_mac(m).has_value());
    CHECK(w.failures() == 0);
  }
  CHECK(r.rar_is(124, m, 3));
}

TEST_CASE("a host MAC no VF holds is delivered by a spare entry, adding it again changes nothing",
          "[pf][host-mac]") {
  SECTION("with VFs: the default pool after theirs") {
    Rig r;
    r.up(2);
    const hal::MacAddr m = host_mac(1);
    REQUIRE(r.pf.add_host_mac(m).has_value());
    CHECK(r.rar_is(1, m, 2));
    CHECK(r.rar_count(m) == 1);
    const pf::Event* e = r.pf.events().find_last(EventCode::kHostMacAdd);
    REQUIRE(e != nullptr);
    CHECK_FALSE(e->vf.has_value());
    CHECK(e->reason.contains("spare RAR 1"));

    const std::vector<uint32_t> before = filter_regs(r);
    const uint64_t events = r.pf.events().total();
    REQUIRE(r.pf.add_host_mac(m).has_value());
    CHECK(filter_regs(r) == before);
    CHECK(r.pf.events().total() == events);
    CHECK(r.pf.host_macs() == std::vector<hal::MacAddr>{m});

    REQUIRE(r.pf.remove_host_mac(m).has_value());
    CHECK_FALSE(r.rar_valid(1));
    CHECK(r.rar_count(m) == 0);
    CHECK(r.count(EventCode::kHostMacDel) == 1);
  }
  SECTION("SR-IOV off: the default pool is 0") {
    Rig r;
    REQUIRE(r.pf.init().has_value());
    REQUIRE(r.pf.default_pool() == 0);
    REQUIRE(r.pf.add_host_mac(host_mac(2)).has_value());
    CHECK(r.rar_is(1, host_mac(2), 0));
  }
}

TEST_CASE("a VF's FLR while its MAC is a host MAC hands delivery to the spare without a lapse",
          "[pf][host-mac]") {
  Rig r;
  r.up(2);
  Vf v0(r, 0);
  const hal::MacAddr m = mac(0x41);
  REQUIRE(r.pf.set_vf_mac(v0.id(), m).has_value());
  v0.ready();
  REQUIRE(r.pf.add_host_mac(m).has_value());
  REQUIRE(r.rar_is(127, m, 2));
  const auto to_host = [](uint64_t pools) { return pools == uint64_t{1} << 2; };
  {
    RarWatch w(r, m, to_host);
    v0.flr();
    r.pf.service_once();
    REQUIRE(r.count(EventCode::kVfFlr) == 1);
    CHECK(w.writes() > 0);
    CHECK(w.failures() == 0);
  }
  CHECK_FALSE(r.rar_valid(127));
  CHECK(r.rar_is(1, m, 2));
  CHECK(mac_antispoof(r, 0));  // no entry of the VF delivers to the host now
  CHECK(r.count(EventCode::kMacAntispoofRestored) == 1);
  // Its VF_RESET programs the MAC again, to the host; the spare goes invalid only after.
  {
    RarWatch w(r, m, to_host);
    (void)v0.reset();
    CHECK(w.failures() == 0);
  }
  CHECK(r.rar_is(127, m, 2));
  CHECK_FALSE(r.rar_valid(1));
  CHECK_FALSE(mac_antispoof(r, 0));
  CHECK(r.pf.vf_info(v0.id()).rx_to_host);
  // Lifted again at VF_RESET, and said so.
  CHECK(r.count(EventCode::kMacAntispoofLifted) == 2);
  CHECK(r.pf.vf_info(v0.id()).mac_antispoof_lifted);
}

TEST_CASE("VF_RESET with an admin MAC that is a host MAC programs the VF entry to the default pool",
          "[pf][host-mac]") {
  Rig r;
  r.up(2);
  Vf v0(r, 0);
  const hal::MacAddr m = host_mac(0x10);
  REQUIRE(r.pf.add_host_mac(m).has_value());
  REQUIRE(r.rar_is(1, m, 2));
  // The pairing: the administrator gives the VF the guest's MAC.
  REQUIRE(r.pf.set_vf_mac(v0.id(), m).has_value());
  CHECK(r.rar_is(127, m, 2));
  CHECK_FALSE(r.rar_valid(1));
  v0.flr();
  r.pf.service_once();
  REQUIRE(r.rar_is(1, m, 2));
  REQUIRE_FALSE(r.rar_valid(127));

  const mbx::ResetReply reply = v0.reset();
  CHECK(reply.ack);
  CHECK(reply.mac == m);
  CHECK(r.rar_is(127, m, 2));
  CHECK_FALSE(r.rar_valid(1));
  CHECK(r.rar_count(m) == 1);
  CHECK_FALSE(mac_antispoof(r, 0));
  CHECK_FALSE(tx_spoof_dropped(r, 0, m));
  const pf::VfInfo info = r.pf.vf_info(v0.id());
  CHECK(info.admin_mac);
  CHECK(info.rx_to_host);

  // remove_host_mac gives the frames to the VF; the spare is freed.
  REQUIRE(r.pf.remove_host_mac(m).has_value());
  CHECK(r.rar_is(127, m, 0));
  CHECK_FALSE(r.rar_valid(1));
  CHECK(mac_antispoof(r, 0));
  CHECK_FALSE(r.pf.vf_info(v0.id()).rx_to_host);
  CHECK(r.count(EventCode::kMacInUse) == 0);
}

TEST_CASE("a VF's own request for another guest's host MAC is NACKed and changes nothing",
          "[pf][host-mac]") {
  Rig r;
  r.up(3);  // default pool 3
  REQUIRE(r.pf.set_vf_trust(hal::VfId(2), true).has_value());
  Vf v1(r, 1);
  Vf v2(r, 2);
  v1.ready();
  v2.ready();
  // A guest whose VF is not plugged yet: the host receives its MAC.
  const hal::MacAddr m = host_mac(0x20);
  REQUIRE(r.pf.add_host_mac(m).has_value());
  const std::vector<uint32_t> before = filter_regs(r);

  CHECK(v1.send(mbx::SetMacAddrReq{.mac = m}.encode()).w[0] == nack_cts(MsgId::kSetMacAddr));
  const pf::Event* e = r.pf.events().find_last(EventCode::kRequestRefused, v1.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("host MAC"));
  // A trusted VF may not take it through its macvlan list either.
  CHECK(v2.send(mbx::SetMacvlanReq{.index = 1, .mac = m}.encode()).w[0] ==
        (nack_cts(MsgId::kSetMacvlan) | kMacvlanIndex1));
  e = r.pf.events().find_last(EventCode::kRequestRefused, v2.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("host MAC"));

  CHECK(filter_regs(r) == before);
  CHECK(r.rar_is(1, m, 3));
  CHECK(r.pf.vf_info(v1.id()).mac.is_zero());
  CHECK(r.pf.host_macs() == std::vector<hal::MacAddr>{m});
}

TEST_CASE("the administrator may pair a VF with a host MAC, the VF may then use it as its own",
          "[pf][host-mac]") {
  Rig r;
  r.up(3);
  Vf v1(r, 1);
  const hal::MacAddr m = host_mac(0x21);
  REQUIRE(r.pf.add_host_mac(m).has_value());
  // The host's spare is nobody's: pairing is not a conflict.
  CHECK_FALSE(r.pf.mac_in_use_by_other(m, v1.id()));
  REQUIRE(r.pf.set_vf_mac(v1.id(), m).has_value());
  CHECK(r.rar_is(126, m, 3));
  CHECK_FALSE(r.rar_valid(1));
  // Now it is VF 1's: another VF may not have it.
  CHECK(r.pf.mac_in_use_by_other(m, hal::VfId(2)));
  auto other = r.pf.set_vf_mac(hal::VfId(2), m);
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().code == ErrorCode::kBusy);

  const mbx::ResetReply reply = v1.reset();
  CHECK(reply.ack);
  CHECK(reply.mac == m);
  v1.negotiate(mbx::Api::k13);
  // Its own MAC: granted (ixgbevf sets it again when it comes up).
  CHECK(v1.send(mbx::SetMacAddrReq{.mac = m}.encode()).w[0] == ack_cts(MsgId::kSetMacAddr));
  CHECK(r.rar_is(126, m, 3));
  CHECK_FALSE(r.rar_valid(1));

  // Clearing the admin MAC hands the frames back to the spare, never unmatched.
  {
    RarWatch w(r, m, [](uint64_t pools) { return pools == uint64_t{1} << 3; });
    REQUIRE(r.pf.set_vf_mac(v1.id(), hal::MacAddr{}).has_value());
    CHECK(w.failures() == 0);
  }
  CHECK_FALSE(r.rar_valid(126));
  CHECK(r.rar_is(1, m, 3));
}

TEST_CASE("a trusted VF that changes away from its paired host MAC leaves it to the spare",
          "[pf][host-mac]") {
  Rig r;
  r.up(2);
  REQUIRE(r.pf.set_vf_trust(hal::VfId(0), true).has_value());
  Vf v0(r, 0);
  const hal::MacAddr m = mac(0x51);
  const hal::MacAddr m2 = mac(0x52);
  REQUIRE(r.pf.set_vf_mac(v0.id(), m).has_value());
  v0.ready();
  REQUIRE(r.pf.add_host_mac(m).has_value());
  REQUIRE_FALSE(mac_antispoof(r, 0));
  {
    RarWatch w(r, m, [](uint64_t pools) { return pools == uint64_t{1} << 2; });
    CHECK(v0.send(mbx::SetMacAddrReq{.mac = m2}.encode()).w[0] == ack_cts(MsgId::kSetMacAddr));
    CHECK(w.failures() == 0);
  }
  CHECK(r.rar_is(127, m2, 0));
  CHECK(r.rar_is(1, m, 2));
  CHECK(mac_antispoof(r, 0));
  CHECK_FALSE(r.pf.vf_info(v0.id()).rx_to_host);
  CHECK_FALSE(r.pf.vf_info(v0.id()).mac_antispoof_lifted);
  // Its admin MAC is still the administrator's pairing: going back to it is the pairing again.
  CHECK(v0.send(mbx::SetMacAddrReq{.mac = m}.encode()).w[0] == ack_cts(MsgId::kSetMacAddr));
  CHECK(r.rar_is(127, m, 2));
  CHECK_FALSE(r.rar_valid(1));
  CHECK_FALSE(mac_antispoof(r, 0));
}

TEST_CASE("a macvlan copy of a VF's admin MAC moves to the host with it until the VF's reset "
          "clears it",
          "[pf][host-mac]") {
  Rig r;
  r.up(2);
  REQUIRE(r.pf.set_vf_trust(hal::VfId(0), true).has_value());
  Vf v0(r, 0);
  const hal::MacAddr x = mac(0x61);
  const hal::MacAddr y = mac(0x62);
  REQUIRE(r.pf.set_vf_mac(v0.id(), x).has_value());
  v0.ready();
  const unsigned mv = kFirstMacvlan;
  REQUIRE(v0.send(mbx::SetMacvlanReq{.index = 1, .mac = x}.encode()).w[0] ==
          (ack_cts(MsgId::kSetMacvlan) | kMacvlanIndex1));
  REQUIRE(r.rar_is(mv, x, 0));
  REQUIRE(r.pf.add_host_mac(x).has_value());
  CHECK(r.rar_is(127, x, 2));
  CHECK(r.rar_is(mv, x, 2));
  CHECK_FALSE(r.rar_valid(1));  // reserved for x, not valid
  // The next macvlan takes a shared spare, never the host MACs' block.
  REQUIRE(v0.send(mbx::SetMacvlanReq{.index = 2, .mac = y}.encode()).w[0] ==
          (ack_cts(MsgId::kSetMacvlan) | 2u << mbx::word0::kMsgInfoShift));
  CHECK(r.rar_is(mv + 1, y, 0));
  CHECK_FALSE(r.rar_valid(1));
  {
    RarWatch w(r, x, [](uint64_t pools) { return pools == uint64_t{1} << 2; });
    (void)v0.reset();
    CHECK(w.failures() == 0);
  }
  CHECK_FALSE(r.rar_valid(mv));
  CHECK_FALSE(r.rar_valid(mv + 1));
  CHECK(r.rar_is(127, x, 2));
  CHECK_FALSE(r.rar_valid(1));
  CHECK(r.rar_count(x) == 1);
}

TEST_CASE("host MAC refusals change nothing", "[pf][host-mac]") {
  SECTION("before init(): kNotInitialized") {
    Rig r;
    auto a = r.pf.add_host_mac(host_mac(1));
    REQUIRE_FALSE(a.has_value());
    CHECK(a.error().code == ErrorCode::kNotInitialized);
    auto d = r.pf.remove_host_mac(host_mac(1));
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().code == ErrorCode::kNotInitialized);
    CHECK(r.count(EventCode::kAdminRefused) == 2);
    CHECK(r.pf.host_macs().empty());
  }
  SECTION("not unicast, the PF's own MAC, not a host MAC: kInvalidArgument") {
    Rig r;
    r.up(2);
    const std::vector<uint32_t> before = filter_regs(r);
    for (const hal::MacAddr& bad :
         {hal::MacAddr{}, hal::MacAddr({0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}),
          hal::MacAddr({0xff, 0xff, 0xff, 0xff, 0xff, 0xff}), kPfMac}) {
      auto a = r.pf.add_host_mac(bad);
      REQUIRE_FALSE(a.has_value());
      CHECK(a.error().code == ErrorCode::kInvalidArgument);
    }
    auto d = r.pf.remove_host_mac(host_mac(3));
    REQUIRE_FALSE(d.has_value());
    CHECK(d.error().code == ErrorCode::kInvalidArgument);
    CHECK(filter_regs(r) == before);
    CHECK(r.pf.host_macs().empty());
    CHECK(r.count(EventCode::kAdminRefused) == 5);
    CHECK(r.count(EventCode::kHostMacAdd) == 0);
    const pf::Event* e = r.pf.events().find_last(EventCode::kAdminRefused);
    CHECK(e->reason.contains("not a host MAC"));
  }
  SECTION("no spare entry left: kNoSpace") {
    Rig r;
    r.up(2);  // spares 1..125
    REQUIRE(r.pf.set_vf_trust(hal::VfId(0), true).has_value());
    Vf v0(r, 0);
    v0.ready();
    for (unsigned i = 1; i <= 125; ++i) {
      INFO("host MAC " << i);
      REQUIRE(r.pf.add_host_mac(host_mac(static_cast<uint8_t>(i))).has_value());
    }
    const std::vector<uint32_t> before = filter_regs(r);
    auto a = r.pf.add_host_mac(host_mac(200));
    REQUIRE_FALSE(a.has_value());
    CHECK(a.error().code == ErrorCode::kNoSpace);
    CHECK(filter_regs(r) == before);
    CHECK(r.pf.host_macs().size() == 125);
    // Nor is a reserved entry handed to a macvlan.
    CHECK(v0.send(mbx::SetMacvlanReq{.index = 1, .mac = mac(0x70)}.encode()).w[0] ==
          (nack_cts(MsgId::kSetMacvlan) | kMacvlanIndex1));
    // A host MAC a VF entry holds needs its spare as well.
    REQUIRE(r.pf.set_vf_mac(v0.id(), mac(0x71)).has_value());
    REQUIRE(r.rar_is(127, mac(0x71), 0));
    auto held = r.pf.add_host_mac(mac(0x71));
    REQUIRE_FALSE(held.has_value());
    CHECK(held.error().code == ErrorCode::kNoSpace);
    CHECK(r.rar_is(127, mac(0x71), 0));
  }
}
