// A rogue guest spoofing on the data path (issue 5, docs/reliability.md): frames from a source
// MAC or with VLAN tags it was not given, sent through a TX queue it set up by hand, while
// well-behaved guests exchange traffic. With spoof checking on, every such frame is dropped by
// the switch, counted once (mac_spoof or vlan_spoof, and SSVPC), and reported by the PF as
// `spoofed-frames`; with it off, the same frames are forwarded like any other.
#include "harness/rogue/raw_tx.hpp"
#include "pf_driver/spoof_watch.hpp"
#include "test_rogue_rig.hpp"

using namespace roguetest;
using harness::rogue::RawTxQueue;
using harness::rogue::RogueVf;
using sim::DropReason;
using sim::TapPoint;

namespace {

constexpr uint16_t kTpid = 0x8100;

/// Guests on VFs 0, 1 and 3 (their drivers' own MACs), the rogue on VF 2 under an
/// administrator's MAC, admitted and with a raw TX queue.
struct Setup {
  explicit Setup(bool spoofchk, std::vector<uint16_t> guest1_vlans = {}, std::vector<uint16_t> guest3_vlans = {}) {
    for (unsigned v : {0u, 1u, 3u}) r.add_guest(v);
    for (uint16_t vid : guest1_vlans) REQUIRE(r.guest(1).driver().add_vlan(vid).has_value());
    for (uint16_t vid : guest3_vlans) REQUIRE(r.guest(3).driver().add_vlan(vid).has_value());
    REQUIRE(r.pf.set_vf_mac(hal::VfId(kRogue), kRogueMac).has_value());
    REQUIRE(r.pf.set_vf_spoofchk(hal::VfId(kRogue), spoofchk).has_value());
    admit(r, rogue);
    auto q = RawTxQueue::create(rogue, 0, hal::Iova(0x100000));
    REQUIRE(q.has_value());
    tx = std::move(*q);
  }
  hal::MacAddr guest_mac(unsigned v) { return r.guest(v).driver().mac(); }
  /// Sends `frames` round-robin, a few per tick, while the guests' traffic runs; then drains.
  /// Returns how many of each were sent.
  std::vector<uint64_t> attack(const std::vector<std::vector<uint8_t>>& frames, uint64_t each,
                               std::vector<std::optional<uint16_t>> vle = {}) {
    std::vector<uint64_t> sent(frames.size(), 0);
    size_t k = 0;
    r.misbehave = [&] {
      for (int i = 0; i < 4 && sent[k % frames.size()] < each; ++i, ++k) {
        const size_t f = k % frames.size();
        if (!tx->send(frames[f], f < vle.size() ? vle[f] : std::nullopt)) break;
        ++sent[f];
      }
    };
    for (int i = 0; i < 4000 && sent.back() < each; ++i) r.step();
    r.misbehave = nullptr;
    return sent;
  }

  RogueRig r{4};
  RogueVf rogue{r.function(kRogue)};
  std::unique_ptr<RawTxQueue> tx;
};

}  // namespace

TEST_CASE(
    "a rogue sending from other stations' MACs: dropped as mac_spoof, counted in SSVPC and "
    "reported with spoof check on, forwarded with it off",
    "[harness][rogue][spoof]") {
  const bool spoofchk = GENERATE(true, false);
  INFO("spoofchk " << spoofchk);
  Setup s(spoofchk);
  RogueRig& r = s.r;
  GuestTraffic traffic(r, {{0, 1}, {3, 1}, {1, 3}}, {0});
  const Snapshot others = snapshot(r, kRogue, /*pointers=*/false);
  const Snapshot own = own_snapshot(r, kRogue);
  const uint64_t drops_before = r.dev->accounting().switch_drop(DropReason::kMacSpoof);
  const uint64_t reported_before = spoofed_frames_reported(r.pf);
  MarkerTap tap(*r.dev);
  // A takeover of guest 0's MAC towards guest 1, and broadcasts from a made-up MAC and from
  // the PF's MAC.
  const std::vector<std::vector<uint8_t>> frames = {
      craft(s.guest_mac(1), s.guest_mac(0)),
      craft(kBroadcast, mac(0x66, 1)),
      craft(kBroadcast, kPfMac),
  };
  constexpr uint64_t kEach = 500;
  const auto sent = s.attack(frames, kEach);
  for (uint64_t n : sent) REQUIRE(n == kEach);
  traffic.finish();  // every guest frame arrived once, in order, while the rogue spoofed
  // Two spoof-check intervals of the PF's clock: SSVPC is read and reported.
  for (int i = 0; i < 2; ++i) {
    r.clock.advance(pf::kSpoofCheckInterval);
    r.tick();
  }
  const sim::Accounting a = r.dev->accounting();
  INFO(a.summary());
  CHECK(tap.at(TapPoint::kPoolTx, kRogue).size() == 3 * kEach);  // all reached the switch
  if (spoofchk) {
    CHECK(a.switch_drop(DropReason::kMacSpoof) - drops_before == 3 * kEach);
    CHECK(tap.received_anywhere() == 0);
    CHECK(tap.at(TapPoint::kWireTx).empty());
    CHECK(spoofed_frames_reported(r.pf) - reported_before == 3 * kEach);
    CHECK(traffic.sink(1).counters().bad == 0);
  } else {
    CHECK(a.switch_drop(DropReason::kMacSpoof) == drops_before);
    CHECK(spoofed_frames_reported(r.pf) == reported_before);
    // The unicast to guest 1's MAC stays inside; broadcasts go to the wire and every guest.
    CHECK(tap.at(TapPoint::kPoolRx, 1).size() == 3 * kEach);
    CHECK(tap.at(TapPoint::kPoolRx, 0).size() == 2 * kEach);
    CHECK(tap.at(TapPoint::kPoolRx, 3).size() == 2 * kEach);
    CHECK(tap.at(TapPoint::kWireTx).size() == 2 * kEach);
    CHECK(traffic.sink(1).counters().bad == 3 * kEach);
  }
  std::string d = diff(others, snapshot(r, kRogue, false)) + diff(own, own_snapshot(r, kRogue));
  INFO(d);
  CHECK(d.empty());
  CHECK(a.check().empty());
}

TEST_CASE(
    "a rogue tagging frames with VLANs it was not given: dropped as vlan_spoof and counted with "
    "spoof check on, forwarded with it off",
    "[harness][rogue][spoof][vlan]") {
  const bool spoofchk = GENERATE(true, false);
  INFO("spoofchk " << spoofchk);
  // Guest 1 is on VLAN 10, guest 3 on VLAN 20; the rogue is given VLAN 10 only.
  Setup s(spoofchk, {10}, {20});
  RogueRig& r = s.r;
  const mbx::Message add10 = mbx::SetVlanReq{.add = true, .vid = 10}.encode();
  const auto reply = ask(r, s.rogue, add10.words());
  REQUIRE(reply.has_value());
  REQUIRE(((*reply)[0] & mbx::word0::kAck) != 0);
  GuestTraffic traffic(r, {{0, 1}, {3, 0}}, {3});
  const Snapshot others = snapshot(r, kRogue, false);
  const uint64_t drops_before = r.dev->accounting().switch_drop(DropReason::kVlanSpoof);
  const uint64_t reported_before = spoofed_frames_reported(r.pf);
  MarkerTap tap(*r.dev);
  const std::vector<std::vector<uint8_t>> frames = {
      craft(s.guest_mac(3), kRogueMac, {{kTpid, 20}}),                 // guest 3's VLAN: not given
      craft(kBroadcast, kRogueMac, {{kTpid, 4095}}),    // nobody's VLAN
      craft(s.guest_mac(1), kRogueMac, {{kTpid, 10}}),                 // given: passes
      craft(s.guest_mac(1), kRogueMac, {{kTpid, 5u << 13}}),           // priority tag, VID 0: every pool has VLAN 0
      craft(s.guest_mac(3), kRogueMac),                                // an untagged frame to guest 3
      craft(s.guest_mac(3), kRogueMac),                                // the same, asking VLE with VLAN 20
  };
  constexpr uint64_t kEach = 200;
  const auto sent = s.attack(frames, kEach, {std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                                             std::nullopt, uint16_t{20}});
  for (uint64_t n : sent) REQUIRE(n == kEach);
  traffic.finish();
  for (int i = 0; i < 2; ++i) {
    r.clock.advance(pf::kSpoofCheckInterval);
    r.tick();
  }
  const sim::Accounting a = r.dev->accounting();
  INFO(a.summary());
  CHECK(tap.at(TapPoint::kPoolRx, 1).size() == 2 * kEach);  // VLAN 10 and the priority tag
  CHECK(tap.at(TapPoint::kPoolRx, 0).empty());
  if (spoofchk) {
    CHECK(a.switch_drop(DropReason::kVlanSpoof) - drops_before == 3 * kEach);
    CHECK(spoofed_frames_reported(r.pf) - reported_before == 3 * kEach);
    // Only the untagged frame reaches guest 3 (AUPE); nothing went to the wire.
    CHECK(tap.at(TapPoint::kPoolRx, 3).size() == kEach);
    CHECK(tap.at(TapPoint::kWireTx).empty());
  } else {
    CHECK(a.switch_drop(DropReason::kVlanSpoof) == drops_before);
    CHECK(spoofed_frames_reported(r.pf) == reported_before);
    // Tag 20 in-band and by VLE reach guest 3 on VLAN 20, the untagged one too; VLAN 4095 has
    // no member: the wire only.
    CHECK(tap.at(TapPoint::kPoolRx, 3).size() == 3 * kEach);
    CHECK(tap.at(TapPoint::kWireTx).size() == kEach);
  }
  const std::string d = diff(others, snapshot(r, kRogue, false));
  INFO(d);
  CHECK(d.empty());
  CHECK(a.check().empty());
}
