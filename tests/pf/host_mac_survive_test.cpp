// Host MACs across PF reset, set_num_vfs() and stop()/init(), and a frame a VF sends to show
// where the switch delivers one (the registers are checked in host_mac_test.cpp).
#include "host_mac_rig.hpp"

using namespace pftest;
using namespace hostmactest;
using mbx::MsgId;
using pf::ErrorCode;
using pf::EventCode;

TEST_CASE("a PF reset programs the host MACs again from software", "[pf][host-mac]") {
  Rig r;
  r.up(2);
  Vf v0(r, 0);
  const hal::MacAddr paired = host_mac(0x30);
  const hal::MacAddr alone = host_mac(0x31);
  REQUIRE(r.pf.set_vf_mac(v0.id(), paired).has_value());
  v0.ready();
  REQUIRE(r.pf.add_host_mac(paired).has_value());
  REQUIRE(r.pf.add_host_mac(alone).has_value());
  REQUIRE(r.rar_is(127, paired, 2));
  REQUIRE(r.rar_is(2, alone, 2));

  REQUIRE(r.pf.reset().has_value());
  CHECK(r.pf.host_macs() == std::vector<hal::MacAddr>{paired, alone});
  // Spares 1 and 2 again in the order added; the VF's live filter came back and holds
  // `paired`, so its spare is invalid.
  CHECK(r.rar_is(127, paired, 2));
  CHECK_FALSE(r.rar_valid(1));
  CHECK(r.rar_is(2, alone, 2));
  CHECK_FALSE(mac_antispoof(r, 0));
  // The reset cleared PFVFSPOOF; the lift is applied again, and reported again.
  CHECK(r.pf.vf_info(v0.id()).mac_antispoof_lifted);
  CHECK(r.count(EventCode::kMacAntispoofLifted) == 2);

  REQUIRE(v0.mbx().check_for_rst());  // the VF driver sees RSTD and starts over
  v0.mbx().reset_done();
  const mbx::ResetReply reply = v0.reset();
  CHECK(reply.ack);
  CHECK(reply.mac == paired);
  CHECK(r.rar_is(127, paired, 2));
  CHECK_FALSE(r.rar_valid(1));
  CHECK(r.rar_count(paired) == 1);
  CHECK(r.pf.vf_info(v0.id()).rx_to_host);
}

TEST_CASE("set_num_vfs moves host MACs with the default pool", "[pf][host-mac]") {
  Rig r;
  REQUIRE(r.pf.init().has_value());
  const hal::MacAddr m = host_mac(0x40);
  REQUIRE(r.pf.add_host_mac(m).has_value());
  REQUIRE(r.rar_is(1, m, 0));

  REQUIRE(r.pf.set_num_vfs(2).has_value());
  CHECK(r.rar_is(1, m, 2));
  REQUIRE(r.pf.set_vf_mac(hal::VfId(0), m).has_value());
  CHECK(r.rar_is(127, m, 2));
  CHECK_FALSE(r.rar_valid(1));

  // Disabling the VFs takes VF 0's entry away: the spare holds the MAC before it goes.
  {
    RarWatch w(r, m, [](uint64_t pools) { return pools != 0; });
    REQUIRE(r.pf.set_num_vfs(0).has_value());
    CHECK(w.failures() == 0);
  }
  CHECK(r.rar_is(1, m, 0));
  CHECK_FALSE(r.rar_valid(127));

  REQUIRE(r.pf.set_num_vfs(40).has_value());  // default pool 40: MPSAR_HI
  CHECK(r.rar_is(1, m, 40));
  CHECK(r.pf.host_macs() == std::vector<hal::MacAddr>{m});
}

TEST_CASE("set_num_vfs moves host spares below the new VFs' entries, or refuses when they do not fit",
          "[pf][host-mac]") {
  Rig r;
  REQUIRE(r.pf.init().has_value());
  for (unsigned i = 1; i <= 75; ++i) {
    REQUIRE(r.pf.add_host_mac(host_mac(static_cast<uint8_t>(i))).has_value());
  }
  for (unsigned i = 1; i <= 10; ++i) {
    REQUIRE(r.pf.remove_host_mac(host_mac(static_cast<uint8_t>(i))).has_value());
  }
  // 65 host MACs in entries 11..75; 63 VFs leave spares 1..64.
  const std::vector<uint32_t> before = filter_regs(r);
  auto refused = r.pf.set_num_vfs(63);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kNoSpace);
  CHECK(r.pf.num_vfs() == 0);
  CHECK(filter_regs(r) == before);

  REQUIRE(r.pf.remove_host_mac(host_mac(11)).has_value());
  REQUIRE(r.pf.set_num_vfs(63).has_value());
  for (unsigned i = 12; i <= 75; ++i) {
    INFO("host MAC " << i);
    CHECK(rar_pools(r, host_mac(static_cast<uint8_t>(i))) == uint64_t{1} << 63);
    CHECK(r.rar_count(host_mac(static_cast<uint8_t>(i))) == 1);
  }
  for (unsigned e = 65; e < 128; ++e) {
    INFO("VF entry " << e);
    CHECK_FALSE(r.rar_valid(e));  // the VFs' primary entries are theirs, still empty
  }
  CHECK(r.pf.host_macs().size() == 64);
}

TEST_CASE("host MACs are kept across stop() and programmed again by init()", "[pf][host-mac]") {
  Rig r;
  r.up(2);
  const hal::MacAddr m = host_mac(0x50);
  REQUIRE(r.pf.add_host_mac(m).has_value());
  r.pf.stop();
  CHECK(r.pf.host_macs() == std::vector<hal::MacAddr>{m});
  auto refused = r.pf.add_host_mac(host_mac(0x51));
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == ErrorCode::kNotInitialized);

  REQUIRE(r.pf.init().has_value());
  CHECK(r.rar_is(1, m, 0));
  CHECK(r.rar_count(m) == 1);
  REQUIRE(r.pf.set_num_vfs(2).has_value());
  CHECK(r.rar_is(1, m, 2));
}

TEST_CASE("a frame a VF sends to a host MAC loops back to the default pool's queue, not to "
          "the paired VF nor the wire",
          "[pf][host-mac]") {
  // Loopback copies never fall back to the default pool (switch rule R4 is for the wire
  // only): a frame to M reaches the default pool only through an entry that names it.
  Rig r;
  r.up(2);  // 32 pools x 4 queues: VF 0 owns queues 0-3, the default pool 2 queues 8-11
  auto wire = std::make_shared<sim::MemoryWire>();
  r.dev->set_wire(wire);
  Vf v0(r, 0);
  Vf v1(r, 1);
  const hal::MacAddr m = mac(0x81);
  const hal::MacAddr src = mac(0x82);
  REQUIRE(r.pf.set_vf_mac(v0.id(), m).has_value());
  v0.ready();
  v1.ready();
  REQUIRE(v1.send(mbx::SetMacAddrReq{.mac = src}.encode()).w[0] == ack_cts(MsgId::kSetMacAddr));
  VfTxQueue tx(v1);
  // No ring is set up on either receiving queue: the engine counts the frame at the queue
  // it reached.
  const auto arrived = [&r](unsigned q) {
    return r.dev->queue_counters(hal::QueueId(q)).rx_queue_disabled;
  };
  const auto send_one = [&] {
    tx.send(frame(m, src));
    for (int i = 0; i < 8 && r.dev->poll_once() != 0; ++i) {
    }
  };

  send_one();
  CHECK(arrived(0) == 1);
  CHECK(arrived(8) == 0);

  REQUIRE(r.pf.add_host_mac(m).has_value());
  send_one();
  CHECK(arrived(0) == 1);
  CHECK(arrived(8) == 1);

  REQUIRE(r.pf.remove_host_mac(m).has_value());
  send_one();
  CHECK(arrived(0) == 2);
  CHECK(arrived(8) == 1);
  CHECK(wire->sent().empty());
  CHECK(r.dev->accounting().check().empty());
}

TEST_CASE("set_num_vfs 0 -> n names the new default pool in every host MAC entry before VT "
          "mode turns on",
          "[pf][host-mac]") {
  Rig r;
  REQUIRE(r.pf.init().has_value());
  const hal::MacAddr m = host_mac(0x60);
  REQUIRE(r.pf.add_host_mac(m).has_value());
  REQUIRE(r.rar_is(1, m, 0));
  {
    // Whenever VT is on, M (and the PF's own MAC) reach exactly VT_CTL.DEF_PL: never pool 0,
    // which is VF 0's once VT is on with VFs.
    SwitchWatch w(r, [&m](const sim::SwitchState& s, const SwitchWatch&) {
      if (!s.vt_enabled) return true;
      const uint64_t def = uint64_t{1} << s.def_pool;
      return pools_of(s, m) == def && pools_of(s, kPfMac) == def;
    });
    REQUIRE(r.pf.set_num_vfs(2).has_value());
    CHECK(w.writes() > 0);
    CHECK(w.failures() == 0);
  }
  CHECK(r.rar_is(1, m, 2));
  CHECK(r.rar_is(0, kPfMac, 2));
  CHECK(r.pf.default_pool() == 2);
}

TEST_CASE("disabling the VFs or stopping the PF while a VF holds a host MAC leaves no MAC "
          "check lifted afterwards",
          "[pf][host-mac]") {
  const hal::MacAddr m = host_mac(0x70);
  const auto pair_vf0 = [&m](Rig& r) {
    Vf v0(r, 0);
    REQUIRE(r.pf.set_vf_mac(v0.id(), m).has_value());
    v0.ready();
    REQUIRE(r.pf.add_host_mac(m).has_value());
    REQUIRE_FALSE(mac_antispoof(r, 0));
    REQUIRE(r.pf.vf_info(v0.id()).mac_antispoof_lifted);
  };
  // The VFs that come next start over: spoofchk on, no MAC, nothing lifted.
  const auto check_fresh = [&m](Rig& r) {
    for (unsigned v = 0; v < 2; ++v) {
      INFO("VF " << v);
      CHECK(mac_antispoof(r, v));
      CHECK(vlan_antispoof(r, v));
      CHECK_FALSE(r.pf.vf_info(hal::VfId(v)).mac_antispoof_lifted);
    }
    CHECK(r.rar_is(1, m, 2));
    CHECK(r.rar_count(m) == 1);
    Vf v0(r, 0);
    v0.ready();
    CHECK(mac_antispoof(r, 0));
    CHECK(tx_spoof_dropped(r, 0, m));  // M is not VF 0's now: sending from it is a spoof
  };
  SECTION("set_num_vfs(0) then set_num_vfs(2)") {
    Rig r;
    r.up(2);
    pair_vf0(r);
    REQUIRE(r.pf.set_num_vfs(0).has_value());
    CHECK(r.count(EventCode::kMacAntispoofRestored) == 1);
    REQUIRE(r.pf.set_num_vfs(2).has_value());
    check_fresh(r);
  }
  SECTION("stop() then init() and set_num_vfs(2)") {
    Rig r;
    r.up(2);
    pair_vf0(r);
    r.pf.stop();
    REQUIRE(r.pf.init().has_value());
    REQUIRE(r.pf.set_num_vfs(2).has_value());
    check_fresh(r);
  }
}
