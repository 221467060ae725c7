// The simulated 82599's frame tap (hal/sim/frame_tap.hpp): which frames each TapPoint sees, with
// which pool and bytes, stepped with poll_once() on the engine rig.

#include <algorithm>
#include <catch2/catch.hpp>
#include <tuple>

#include "hal/sim/frame_tap.hpp"
#include "test_engine_fixture.hpp"

using sim::TapPoint;
using test::Bytes;
using test::EngineRig;
using test::make_frame;
using test::require_accounts;
using test::vf_mac;
namespace ix = hal::ixgbe;
namespace pfr = hal::ixgbe::pf;

namespace {

/// One tap call, copied (the span is valid during the call only).
struct Seen {
  TapPoint point;
  unsigned pool;
  Bytes bytes;
  bool operator==(const Seen&) const = default;
  bool operator<(const Seen& o) const {
    return std::tie(point, pool, bytes) < std::tie(o.point, o.pool, o.bytes);
  }
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  static constexpr const char* kNames[] = {"pool_tx", "pool_rx", "wire_tx", "wire_rx"};
  return os << kNames[static_cast<unsigned>(s.point)] << " pool " << s.pool << " " << s.bytes.size()
            << " B";
}

/// Installs a tap on the rig's device that records every call into `out`.
void record(EngineRig& rig, std::vector<Seen>& out) {
  rig.dev->set_frame_tap([&out](const sim::TapFrame& f) {
    const auto* p = reinterpret_cast<const uint8_t*>(f.bytes.data());
    out.push_back(Seen{f.point, f.pool, Bytes(p, p + f.bytes.size())});
  });
}

/// The calls, in a fixed order: the order across points is the engine's business.
std::vector<Seen> sorted(std::vector<Seen> v) {
  std::sort(v.begin(), v.end());
  return v;
}

/// `f` with an 802.1Q tag `tci` after its addresses, as the switch inserts a port VLAN.
Bytes tagged(const Bytes& f, uint16_t tci) {
  Bytes t(f.begin(), f.begin() + 12);
  t.insert(t.end(), {0x81, 0x00, static_cast<uint8_t>(tci >> 8), static_cast<uint8_t>(tci)});
  t.insert(t.end(), f.begin() + 12, f.end());
  return t;
}

/// VLVF entry `i`: VLAN `vid` with the pools in `pool_bits` as members.
void vlan_members(EngineRig& rig, unsigned i, uint16_t vid, uint64_t pool_bits) {
  rig.pf().write(pfr::VLVFB(2 * i), static_cast<uint32_t>(pool_bits));
  rig.pf().write(pfr::VLVFB(2 * i + 1), static_cast<uint32_t>(pool_bits >> 32));
  rig.pf().write(pfr::VLVF(i), vid | pfr::vlvf::kVien);
}

}  // namespace

TEST_CASE(
    "Frame tap: VF-to-VF unicast is seen at the sender's pool_tx and the receiver's pool_rx only",
    "[engine][tap]") {
  EngineRig rig;
  rig.setup_all();
  std::vector<Seen> seen;
  record(rig, seen);
  const Bytes f = make_frame(vf_mac(1), vf_mac(0), 128, 7);
  rig.send(0, f);
  REQUIRE(rig.run() == 1);
  CHECK(seen == std::vector<Seen>{{TapPoint::kPoolTx, 0, f}, {TapPoint::kPoolRx, 1, f}});
  REQUIRE(rig.receive(1).size() == 1);
  require_accounts(*rig.dev);
}

TEST_CASE(
    "Frame tap: a broadcast is seen once at pool_tx, once at wire_tx and at every receiving pool",
    "[engine][tap]") {
  EngineRig rig;
  rig.setup_all();
  std::vector<Seen> seen;
  record(rig, seen);
  const Bytes f = make_frame(test::kBroadcastMac, vf_mac(2), 60, 1);
  rig.send(2, f);
  rig.run();
  std::vector<Seen> want{{TapPoint::kPoolTx, 2, f}, {TapPoint::kWireTx, 0, f}};
  for (unsigned v = 0; v < rig.n; ++v) {
    if (v != 2) want.push_back({TapPoint::kPoolRx, v, f});
  }
  CHECK(sorted(seen) == sorted(want));
  REQUIRE(rig.wire->sent().size() == 1);
  CHECK(rig.wire->sent()[0] == f);
  require_accounts(*rig.dev);
}

TEST_CASE("Frame tap: a frame from the wire is seen at wire_rx and at the pool it reached",
          "[engine][tap]") {
  EngineRig rig;
  rig.setup_all();
  std::vector<Seen> seen;
  record(rig, seen);
  const Bytes f = make_frame(vf_mac(3), test::kUnknownMac, 200, 3);
  rig.wire->inject(f);
  REQUIRE(rig.run() == 1);
  CHECK(seen == std::vector<Seen>{{TapPoint::kWireRx, 0, f}, {TapPoint::kPoolRx, 3, f}});
  require_accounts(*rig.dev);
}

TEST_CASE("Frame tap: a port VLAN is in the frame at wire_tx and tagged pool_rx, not at pool_tx",
          "[engine][tap]") {
  EngineRig rig;
  rig.setup_all();
  // VFs 0 and 1 under port VLAN 100 (VMVIR as the PF writes it); VF 2 a plain member of VLAN
  // 100, so its copy keeps the tag (no VME); the others are not members.
  constexpr uint16_t kVid = 100, kPcp = 3, kTci = kVid | kPcp << 13;
  for (unsigned pool : {0u, 1u}) {
    rig.pf().write(pfr::VMVIR(pool),
                   kVid | uint32_t{kPcp} << pfr::vmvir::kPrioShift | pfr::vmvir::kVlanaDefault);
  }
  vlan_members(rig, 1, kVid, 0b111);
  std::vector<Seen> seen;
  record(rig, seen);
  const Bytes f = make_frame(test::kBroadcastMac, vf_mac(0), 80, 9);
  rig.send(0, f);
  rig.run();
  const Bytes t = tagged(f, kTci);
  CHECK(sorted(seen) == sorted({{TapPoint::kPoolTx, 0, f},
                                {TapPoint::kWireTx, 0, t},
                                {TapPoint::kPoolRx, 1, f},  // hidden: VF 1 never sees its port tag
                                {TapPoint::kPoolRx, 2, t}}));
  // What the tap saw is exactly what the wire and the rings got.
  REQUIRE(rig.wire->sent().size() == 1);
  CHECK(rig.wire->sent()[0] == t);
  const auto got1 = rig.receive(1);
  REQUIRE(got1.size() == 1);
  CHECK(got1[0].bytes == f);
  const auto got2 = rig.receive(2);
  REQUIRE(got2.size() == 1);
  CHECK(got2[0].bytes == t);
  CHECK((got2[0].status & ix::rxd_stat::kVp) != 0);
  require_accounts(*rig.dev);
}

TEST_CASE("Frame tap: pool_rx shows a copy as the pool receives it, VME-stripped",
          "[engine][tap]") {
  EngineRig rig;
  rig.setup_all(/*vme=*/true);
  vlan_members(rig, 1, 5, 0b11);
  std::vector<Seen> seen;
  record(rig, seen);
  const Bytes t = make_frame(vf_mac(1), vf_mac(0), 90, 4, uint16_t{5});
  rig.send(0, t);
  rig.run();
  Bytes stripped(t.begin(), t.begin() + 12);
  stripped.insert(stripped.end(), t.begin() + 16, t.end());
  CHECK(seen == std::vector<Seen>{{TapPoint::kPoolTx, 0, t}, {TapPoint::kPoolRx, 1, stripped}});
  const auto got = rig.receive(1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].bytes == stripped);
  CHECK(got[0].vlan == 5);
  require_accounts(*rig.dev);
}

TEST_CASE("Frame tap: a frame the switch drops is seen at pool_tx and at no delivery point",
          "[engine][tap]") {
  EngineRig rig;
  rig.setup_all();
  rig.pf().write(pfr::PFVFSPOOF(0), pfr::pfvfspoof::mac_bit(2));
  std::vector<Seen> seen;
  record(rig, seen);
  const Bytes spoofed = make_frame(test::kBroadcastMac, test::kUnknownMac, 60);  // not VF 2's MAC
  rig.send(2, spoofed);
  rig.run();
  CHECK(seen == std::vector<Seen>{{TapPoint::kPoolTx, 2, spoofed}});
  CHECK(rig.dev->accounting().switch_drop(sim::DropReason::kMacSpoof) == 1);
  CHECK(rig.wire->sent().empty());
  require_accounts(*rig.dev);
}

TEST_CASE("Frame tap: copies the engine cannot deliver or send are not seen there",
          "[engine][tap]") {
  EngineRig rig;
  rig.setup_all();
  std::vector<Seen> seen;
  record(rig, seen);

  SECTION("a full RX ring: no pool_rx") {
    rig.setup_rx(1);  // no descriptors posted
    const Bytes f = make_frame(vf_mac(1), vf_mac(0), 64);
    rig.send(0, f);
    rig.run();
    CHECK(seen == std::vector<Seen>{{TapPoint::kPoolTx, 0, f}});
    CHECK(rig.dev->accounting().rx_no_descriptor == 1);
  }
  SECTION("link down: no wire_tx") {
    rig.dev->set_link(false);
    const Bytes f = make_frame(test::kUnknownMac, vf_mac(0), 64);
    rig.send(0, f);
    rig.run();
    CHECK(seen == std::vector<Seen>{{TapPoint::kPoolTx, 0, f}});
    CHECK(rig.dev->accounting().link_down == 1);
  }
  SECTION("an oversize wire frame: seen as it came, then dropped") {
    const Bytes f = make_frame(vf_mac(3), test::kUnknownMac, sim::EngineState::kMaxFrame + 1);
    rig.wire->inject(f);
    rig.run();
    CHECK(seen == std::vector<Seen>{{TapPoint::kWireRx, 0, f}});
    CHECK(rig.dev->accounting().oversize == 1);
  }
  require_accounts(*rig.dev);
}

TEST_CASE("Frame tap: once removed it is not called, and frames still flow", "[engine][tap]") {
  EngineRig rig;
  rig.setup_all();
  std::vector<Seen> seen;
  record(rig, seen);
  rig.send(0, make_frame(vf_mac(1), vf_mac(0), 64));
  rig.run();
  REQUIRE(seen.size() == 2);

  unsigned calls = 0;  // outlives the sections: the replacement tap stays installed after them
  SECTION("with nullptr") { rig.dev->set_frame_tap(nullptr); }
  SECTION("with an empty function") { rig.dev->set_frame_tap(sim::FrameTapFn{}); }
  SECTION("replaced: only the new tap is called") {
    rig.dev->set_frame_tap([&calls](const sim::TapFrame&) { ++calls; });
    rig.send(0, make_frame(vf_mac(1), vf_mac(0), 64));
    rig.run();
    CHECK(calls == 2);
    rig.dev->set_frame_tap(nullptr);
  }
  rig.send(0, make_frame(vf_mac(1), vf_mac(0), 64, 1));
  rig.wire->inject(make_frame(vf_mac(3), test::kUnknownMac, 64));
  rig.run();
  CHECK(seen.size() == 2);
  CHECK(rig.receive(1).size() >= 2);
  CHECK(rig.receive(3).size() == 1);
  require_accounts(*rig.dev);
}
