// VLAN escape (issue 5, docs/reliability.md): a rogue under an administrator's port VLAN
// (`ip link set PF vf 2 vlan 100`: VMVIR VLANA=01 with VID 100, VLAN 100 its only VLVF entry,
// AUPE clear) crafts frames tagged with other VLANs, double-tagged, 802.1ad-looking and
// priority-tagged. Whatever it sends leaves with VLAN 100 outermost or not at all: no copy
// reaches a VF on another VLAN, every wire copy carries VLAN 100 first. Rules: docs/switch.md
// T3-T5 and A7.
#include "harness/rogue/raw_tx.hpp"
#include "test_rogue_rig.hpp"

using namespace roguetest;
using harness::rogue::RawTxQueue;
using harness::rogue::RogueVf;
using sim::DropReason;
using sim::TapPoint;

namespace {

constexpr uint16_t kPortVlan = 100;
constexpr uint16_t kQ = 0x8100, kAd = 0x88A8;

/// The outer tag of a frame on the wire, if it starts with TPID 0x8100.
std::optional<uint16_t> outer_vid(const std::vector<uint8_t>& f) {
  if (f.size() < 16 || f[12] != 0x81 || f[13] != 0x00) return std::nullopt;
  return static_cast<uint16_t>((f[14] << 8 | f[15]) & 0x0FFF);
}

}  // namespace

TEST_CASE(
    "a rogue under a port VLAN cannot reach another VLAN: other tags, QinQ, 802.1ad and "
    "priority tags leave with VLAN 100 outermost or not at all",
    "[harness][rogue][vlan]") {
  const bool spoofchk = GENERATE(true, false);
  INFO("spoofchk " << spoofchk);
  RogueRig r(4);
  // Guest 0 shares the rogue's port VLAN; guest 1 is on VLAN 200; guest 3 untagged.
  REQUIRE(r.pf.set_vf_vlan(hal::VfId(0), kPortVlan, 0).has_value());
  REQUIRE(r.pf.set_vf_vlan(hal::VfId(kRogue), kPortVlan, 3).has_value());
  for (unsigned v : {0u, 1u, 3u}) r.add_guest(v);
  REQUIRE(r.guest(1).driver().add_vlan(200).has_value());
  REQUIRE(r.pf.set_vf_mac(hal::VfId(kRogue), kRogueMac).has_value());
  REQUIRE(r.pf.set_vf_spoofchk(hal::VfId(kRogue), spoofchk).has_value());
  RogueVf rogue(r.function(kRogue));
  admit(r, rogue);
  // The PF's port-VLAN programming, as spec 7 describes it.
  hal::RegisterIo& pfb = r.dev->pf().bar0();
  namespace reg = hal::ixgbe::pf;
  REQUIRE(pfb.read(reg::VMVIR(kRogue)) == (reg::vmvir::kVlanaDefault | kPortVlan | 3u << 13));
  REQUIRE((pfb.read(reg::VMOLR(kRogue)) & reg::vmolr::kAupe) == 0);
  auto q = RawTxQueue::create(rogue, 0, hal::Iova(0x100000));
  REQUIRE(q.has_value());
  RawTxQueue& tx = **q;
  // A SET_VLAN under a port VLAN is refused (spec 7): the rogue cannot add VLAN 200 either.
  const mbx::Message add = mbx::SetVlanReq{.add = true, .vid = 200}.encode();
  const auto reply = ask(r, rogue, add.words());
  REQUIRE(reply.has_value());
  CHECK(((*reply)[0] & mbx::word0::kNack) != 0);

  GuestTraffic traffic(r, {{3, 1}, {1, 3}}, {0});
  const std::vector<uint64_t> pools_before = all_pool_rx_copies(r);
  const Snapshot others = snapshot(r, kRogue, false);
  const sim::Accounting before = r.dev->accounting();
  MarkerTap tap(*r.dev);
  const hal::MacAddr g0 = r.guest(0).driver().mac(), g1 = r.guest(1).driver().mac(),
                     g3 = r.guest(3).driver().mac();
  struct Attack {
    std::vector<uint8_t> bytes;
    std::optional<uint16_t> vle;
  };
  const std::vector<Attack> attacks = {
      {craft(g0, kRogueMac), {}},                                     // 0 its own VLAN's peer
      {craft(kBroadcast, kRogueMac), {}},                             // 1
      {craft(g1, kRogueMac, {{kQ, 200}}), {}},                        // 2 guest 1's VLAN
      {craft(kBroadcast, kRogueMac, {{kQ, 200}}), {}},                // 3
      {craft(kBroadcast, kRogueMac, {{kQ, 200}, {kQ, 300}}), {}},     // 4 double 802.1Q
      {craft(kBroadcast, kRogueMac, {{kAd, 200}, {kQ, 200}}), {}},    // 5 802.1ad S-tag outside
      {craft(g3, kRogueMac, {{kQ, 5u << 13}}), {}},                   // 6 priority tag, VID 0
      {craft(kBroadcast, kRogueMac, {{kQ, kPortVlan}}), {}},          // 7 its own VID, in-band
      {craft(g3, kRogueMac), {}},                                     // 8 untagged to guest 3
      {craft(g1, kRogueMac), uint16_t{200}},                          // 9 VLE asking for VLAN 200
  };
  constexpr uint64_t kEach = 100;
  std::vector<uint64_t> sent(attacks.size(), 0);
  size_t k = 0;
  r.misbehave = [&] {
    for (int i = 0; i < 4 && sent.back() < kEach; ++i, ++k) {
      const Attack& a = attacks[k % attacks.size()];
      if (!tx.send(a.bytes, a.vle)) break;
      ++sent[k % attacks.size()];
    }
  };
  for (int i = 0; i < 4000 && sent.back() < kEach; ++i) r.step();
  r.misbehave = nullptr;
  for (uint64_t n : sent) REQUIRE(n == kEach);
  traffic.finish();

  const sim::Accounting a = r.dev->accounting();
  INFO(a.summary());
  // Never to a VF on another VLAN, nor to the PF's pool or any other: no ring but guest 0's
  // got a copy, and no pool was even given one (written or dropped there) beyond what the
  // guests' own flows sent it; every wire copy has VLAN 100 outermost.
  CHECK(tap.received_outside(0) == 0);
  const std::vector<uint64_t> pools_after = all_pool_rx_copies(r);
  REQUIRE(pools_after.size() == pools_before.size());
  REQUIRE(pools_after.size() > 4);  // the PF's pool follows the VFs'
  for (unsigned p = 0; p < pools_after.size(); ++p) {
    const uint64_t expected = p == 0 ? tap.at(TapPoint::kPoolRx, 0).size() : traffic.sent_to(p);
    INFO("pool " << p);
    CHECK(pools_after[p] - pools_before[p] == expected);
  }
  CHECK(a.rx_no_queue == before.rx_no_queue);
  for (const auto& f : tap.at(TapPoint::kWireTx)) CHECK(outer_vid(f) == kPortVlan);
  const auto spoofed = a.switch_drop(DropReason::kVlanSpoof) - before.switch_drop(DropReason::kVlanSpoof);
  const auto filtered = a.switch_drop(DropReason::kVlanFilter) - before.switch_drop(DropReason::kVlanFilter);
  if (spoofchk) {
    // Any tag of its own making (2, 3, 4, 6, 7, and the VLE request 9) is a VLAN spoof (A7).
    CHECK(spoofed == 6 * kEach);
    CHECK(filtered == kEach);  // 8: VLAN 100 to an untagged guest's MAC
    CHECK(tap.at(TapPoint::kPoolRx, 0).size() == 3 * kEach);  // 0, 1, 5
    CHECK(tap.at(TapPoint::kWireTx).size() == 2 * kEach);     // 1, 5
  } else {
    // Its tags stay inside the port VLAN's (QinQ); VLE is replaced by the port VLAN.
    CHECK(spoofed == 0);
    CHECK(filtered == 4 * kEach);  // 2, 6, 8, 9: unicast to another VLAN's guest
    CHECK(tap.at(TapPoint::kPoolRx, 0).size() == 6 * kEach);  // 0, 1, 3, 4, 5, 7
    CHECK(tap.at(TapPoint::kWireTx).size() == 5 * kEach);     // 1, 3, 4, 5, 7
  }
  // Guest 0 (port VLAN 100 too) gets them with the outer tag hidden: VLAN 100 shows only as
  // the rogue's own inner tag of attack 7 (with the check off).
  size_t shows_100 = 0;
  for (const auto& f : tap.at(TapPoint::kPoolRx, 0)) shows_100 += outer_vid(f) == kPortVlan;
  CHECK(shows_100 == (spoofchk ? 0 : kEach));

  // From the wire: frames on VLAN 200 (to its MAC, broadcast) and untagged never reach its
  // pool; the same frame on VLAN 100 does (counted against its disabled RX queue).
  // Counted over all of the pool's queues (any of them might take a copy), however it ended.
  auto wire = std::static_pointer_cast<sim::MemoryWire>(r.dev->wire());
  REQUIRE(wire != nullptr);
  const auto rx_refused = [&] { return pool_rx_copies(r, kRogue); };
  const uint64_t refused_before = rx_refused();
  for (const auto& f : {craft(kRogueMac, mac(0x77, 1), {{kQ, 200}}), craft(kBroadcast, mac(0x77, 1), {{kQ, 200}}),
                        craft(kRogueMac, mac(0x77, 1)), craft(kRogueMac, mac(0x77, 1), {{kAd, 100}})}) {
    wire->inject(f);
  }
  r.run(1ms);
  CHECK(rx_refused() == refused_before);
  wire->inject(craft(kRogueMac, mac(0x77, 1), {{kQ, kPortVlan}}));
  r.run(1ms);
  CHECK(rx_refused() == refused_before + 1);

  const std::string d = diff(others, snapshot(r, kRogue, false));
  INFO(d);
  CHECK(d.empty());
  check_accounting(r);
}
