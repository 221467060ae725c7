// The MAC anti-spoof check of a VF paired with a host MAC (docs/switch.md "Why the MAC
// anti-spoof bit is lifted"): lifted before the VF's entry names the default pool, put back
// only after it names the VF's pool again, every lift reported, and the administrator's
// spoofchk (or a macvlan's "off") remembered underneath and applied once the lift ends.
#include "host_mac_rig.hpp"

using namespace pftest;
using namespace hostmactest;
using mbx::MsgId;
using pf::EventCode;

namespace {
constexpr uint32_t kAsMacvlanIndex1 = 1u << mbx::word0::kMsgInfoShift;

/// VF `vf` of `r` paired with `m`: its admin MAC, its VF_RESET done, then the host MAC added.
void pair_with_host(Rig& r, Vf& vf, const hal::MacAddr& m) {
  REQUIRE(r.pf.set_vf_mac(vf.id(), m).has_value());
  vf.ready();
  REQUIRE(r.pf.add_host_mac(m).has_value());
  REQUIRE(r.pf.vf_info(vf.id()).mac_antispoof_lifted);
  REQUIRE_FALSE(mac_antispoof(r, vf.id().value()));
}
}  // namespace

TEST_CASE("a paired VF's frames from its MAC pass anti-spoof after every write of "
          "add_host_mac and remove_host_mac",
          "[pf][host-mac][antispoof]") {
  const auto run = [](unsigned num_vfs, unsigned vf, unsigned lowest_entry) {
    Rig r;
    r.up(num_vfs);
    Vf v(r, vf);
    const hal::MacAddr m = mac(0x91);
    REQUIRE(r.pf.set_vf_mac(v.id(), m).has_value());
    v.ready();
    REQUIRE(r.rar_is(lowest_entry, m, vf));
    // Sending from its MAC passes, and its MAC is matched, after each RAR/MPSAR/PFVFSPOOF write.
    const auto ok = [vf, &m](const sim::SwitchState& s, const SwitchWatch&) {
      return mac_check_passes(s, vf, m) && pools_of(s, m) != 0;
    };
    {
      SwitchWatch w(r, ok);
      REQUIRE(r.pf.add_host_mac(m).has_value());
      CHECK(w.writes() >= 2);
      CHECK(w.failures() == 0);
    }
    CHECK(r.rar_is(lowest_entry, m, num_vfs));
    {
      SwitchWatch w(r, ok);
      REQUIRE(r.pf.remove_host_mac(m).has_value());
      CHECK(w.writes() >= 2);
      CHECK(w.failures() == 0);
    }
    CHECK(r.rar_is(lowest_entry, m, vf));
    CHECK(mac_antispoof(r, vf));
  };
  SECTION("32 pools: VF 0 and the default pool 2 in MPSAR_LO") { run(2, 0, 127); }
  SECTION("64 pools: VF 3 in MPSAR_LO, the default pool 40 in MPSAR_HI") { run(40, 3, 124); }
}

TEST_CASE("a VF entry written with a host MAC has the VF's check lifted before it names the "
          "default pool",
          "[pf][host-mac][antispoof]") {
  Rig r;
  r.up(2);
  Vf v0(r, 0);
  const hal::MacAddr m = host_mac(0x92);
  const hal::MacAddr a = mac(0x93);
  REQUIRE(r.pf.set_vf_mac(v0.id(), a).has_value());
  v0.ready();
  REQUIRE(r.pf.add_host_mac(m).has_value());
  REQUIRE(r.rar_is(1, m, 2));
  // Whenever VF 0's entry holds M, the VF may send from M.
  const auto ok = [&m](const sim::SwitchState& s, const SwitchWatch& w) {
    return !w.rar_holds(127, m) || mac_check_passes(s, 0, m);
  };
  SECTION("set_vf_mac pairs at once") {
    SwitchWatch w(r, ok);
    REQUIRE(r.pf.set_vf_mac(v0.id(), m).has_value());
    CHECK(w.failures() == 0);
  }
  SECTION("VF_RESET programs the paired admin MAC back after an FLR") {
    REQUIRE(r.pf.set_vf_mac(v0.id(), m).has_value());
    v0.flr();
    r.pf.service_once();
    REQUIRE_FALSE(r.rar_valid(127));
    REQUIRE(mac_antispoof(r, 0));
    SwitchWatch w(r, ok);
    (void)v0.reset();
    CHECK(w.writes() > 0);
    CHECK(w.failures() == 0);
  }
  CHECK(r.rar_is(127, m, 2));
  CHECK_FALSE(mac_antispoof(r, 0));
  const pf::Event* e = r.pf.events().find_last(EventCode::kMacAntispoofLifted, v0.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains(m.to_string()));  // names the MAC its entry delivers to the host
}

TEST_CASE("the administrator moving a paired VF to another MAC hands M to the spare and puts "
          "the check back only once the new MAC is the VF's",
          "[pf][host-mac][antispoof]") {
  Rig r;
  r.up(2);
  Vf v0(r, 0);
  const hal::MacAddr m = mac(0x94);
  const hal::MacAddr b = mac(0x95);
  pair_with_host(r, v0, m);
  {
    SwitchWatch w(r, [&m, &b](const sim::SwitchState& s, const SwitchWatch& sw) {
      return pools_of(s, m) == uint64_t{1} << 2 &&
             (!sw.rar_holds(127, b) || mac_check_passes(s, 0, b));
    });
    REQUIRE(r.pf.set_vf_mac(v0.id(), b).has_value());
    CHECK(w.writes() > 0);
    CHECK(w.failures() == 0);
  }
  CHECK(r.rar_is(127, b, 0));
  CHECK(r.rar_is(1, m, 2));
  CHECK(mac_antispoof(r, 0));
  CHECK_FALSE(r.pf.vf_info(v0.id()).mac_antispoof_lifted);
  CHECK(tx_spoof_dropped(r, 0, m));  // M is no longer the VF's to send from
  CHECK_FALSE(tx_spoof_dropped(r, 0, b));
  CHECK(r.count(EventCode::kMacAntispoofRestored) == 1);
}

TEST_CASE("set_vf_spoofchk while the check is lifted is kept and applies once the lift ends",
          "[pf][host-mac][antispoof]") {
  Rig r;
  r.up(2);
  Vf v0(r, 0);
  const hal::MacAddr m = mac(0x96);
  SECTION("on -> off while lifted: off after remove_host_mac") {
    pair_with_host(r, v0, m);
    REQUIRE(r.pf.set_vf_spoofchk(v0.id(), false).has_value());
    CHECK_FALSE(mac_antispoof(r, 0));
    CHECK_FALSE(vlan_antispoof(r, 0));
    CHECK(r.pf.vf_info(v0.id()).mac_antispoof_lifted);
    REQUIRE(r.pf.remove_host_mac(m).has_value());
    CHECK_FALSE(mac_antispoof(r, 0));
    CHECK_FALSE(vlan_antispoof(r, 0));
    CHECK_FALSE(r.pf.vf_info(v0.id()).spoofchk);
  }
  SECTION("off -> on while lifted: on after remove_host_mac") {
    REQUIRE(r.pf.set_vf_spoofchk(v0.id(), false).has_value());
    pair_with_host(r, v0, m);
    REQUIRE(r.pf.set_vf_spoofchk(v0.id(), true).has_value());
    CHECK_FALSE(mac_antispoof(r, 0));  // still lifted: the entry delivers to the host
    CHECK(vlan_antispoof(r, 0));
    REQUIRE(r.pf.remove_host_mac(m).has_value());
    CHECK(mac_antispoof(r, 0));
    CHECK(vlan_antispoof(r, 0));
    CHECK_FALSE(r.pf.vf_info(v0.id()).mac_antispoof_lifted);
  }
}

TEST_CASE("SET_MACVLAN while the check is lifted, then VF_RESET: lifted while paired, the "
          "spoofchk setting after",
          "[pf][host-mac][antispoof]") {
  Rig r;
  r.up(2);
  REQUIRE(r.pf.set_vf_trust(hal::VfId(0), true).has_value());
  Vf v0(r, 0);
  const hal::MacAddr m = mac(0x97);
  const hal::MacAddr y = mac(0x98);
  pair_with_host(r, v0, m);
  // A VF with macvlans sends from them: its anti-spoof goes off (Linux), lift or not.
  REQUIRE(v0.send(mbx::SetMacvlanReq{.index = 1, .mac = y}.encode()).w[0] ==
          (ack_cts(MsgId::kSetMacvlan) | kAsMacvlanIndex1));
  CHECK_FALSE(mac_antispoof(r, 0));
  CHECK_FALSE(vlan_antispoof(r, 0));
  SECTION("VF_RESET first: the VLAN check back, the MAC check still lifted") {
    (void)v0.reset();
    CHECK(r.rar_is(127, m, 2));
    CHECK(vlan_antispoof(r, 0));
    CHECK_FALSE(mac_antispoof(r, 0));
    CHECK(r.pf.vf_info(v0.id()).mac_antispoof_lifted);
    REQUIRE(r.pf.remove_host_mac(m).has_value());
    CHECK(mac_antispoof(r, 0));
    CHECK(vlan_antispoof(r, 0));
  }
  SECTION("remove_host_mac first: the macvlan's off holds until VF_RESET") {
    REQUIRE(r.pf.remove_host_mac(m).has_value());
    CHECK_FALSE(mac_antispoof(r, 0));
    CHECK_FALSE(r.pf.vf_info(v0.id()).mac_antispoof_lifted);
    (void)v0.reset();
    CHECK(r.rar_is(127, m, 0));
    CHECK(mac_antispoof(r, 0));
    CHECK(vlan_antispoof(r, 0));
  }
}

TEST_CASE("SET_MACVLAN for a host MAC is NACKed, even for the VF paired with it",
          "[pf][host-mac][antispoof]") {
  Rig r;
  r.up(2);
  REQUIRE(r.pf.set_vf_trust(hal::VfId(0), true).has_value());
  Vf v0(r, 0);
  const hal::MacAddr m = mac(0x99);
  const hal::MacAddr b = mac(0x9a);
  pair_with_host(r, v0, m);
  const std::vector<uint32_t> before = filter_regs(r);
  CHECK(v0.send(mbx::SetMacvlanReq{.index = 1, .mac = m}.encode()).w[0] ==
        (nack_cts(MsgId::kSetMacvlan) | kAsMacvlanIndex1));
  const pf::Event* e = r.pf.events().find_last(EventCode::kRequestRefused, v0.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("host MAC"));
  CHECK(filter_regs(r) == before);
  CHECK(r.pf.vf_info(v0.id()).num_macvlans == 0);
  // So moving its primary MAC away ends the pairing, and the lift with it: no filter of the
  // VF keeps M (and a lifted check) behind.
  CHECK(v0.send(mbx::SetMacAddrReq{.mac = b}.encode()).w[0] == ack_cts(MsgId::kSetMacAddr));
  CHECK(r.rar_count(m) == 1);
  CHECK(r.rar_is(1, m, 2));
  CHECK_FALSE(r.pf.vf_info(v0.id()).mac_antispoof_lifted);
  CHECK(mac_antispoof(r, 0));
}

TEST_CASE("remove_host_mac while the paired VF's filter is down gives M back to it at its "
          "VF_RESET with the check on",
          "[pf][host-mac][antispoof]") {
  Rig r;
  r.up(2);
  Vf v0(r, 0);
  const hal::MacAddr m = mac(0x9b);
  pair_with_host(r, v0, m);
  v0.flr();
  r.pf.service_once();
  REQUIRE(r.rar_is(1, m, 2));
  REQUIRE_FALSE(r.rar_valid(127));
  REQUIRE(mac_antispoof(r, 0));
  REQUIRE(r.pf.remove_host_mac(m).has_value());
  CHECK(r.rar_count(m) == 0);  // nobody receives M until the VF is back
  CHECK_FALSE(r.rar_valid(1));
  const mbx::ResetReply reply = v0.reset();
  CHECK(reply.ack);
  CHECK(reply.mac == m);
  CHECK(r.rar_is(127, m, 0));
  CHECK(r.rar_count(m) == 1);
  CHECK(mac_antispoof(r, 0));
  CHECK_FALSE(tx_spoof_dropped(r, 0, m));
  const pf::VfInfo info = r.pf.vf_info(v0.id());
  CHECK_FALSE(info.rx_to_host);
  CHECK_FALSE(info.mac_antispoof_lifted);
}
