// The simulated 82599's embedded switch (VEB): one test per rule, each failing when its rule is
// broken. Registers are written raw into a register file, as a PF driver would write them, and
// read through the switch's RegisterReader. Rules: docs/switch.md.

#include <optional>
#include <span>
#include <vector>

#include <catch2/catch.hpp>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/sim/device.hpp"
#include "hal/sim/frame.hpp"
#include "hal/sim/l2_switch.hpp"
#include "test_frames.hpp"

namespace pfr = hal::ixgbe::pf;
using sim::DropReason;
using sim::Outcome;
using sim::PoolMask;
using sim::Verdict;
using sim::VlanTag;
using test::Bytes;

namespace {

constexpr unsigned kNumVfs = 8;
constexpr unsigned kPfPool = kNumVfs;  // the PF's default pool comes after the VF pools (spec 6)

hal::MacAddr mac(uint8_t n) { return hal::MacAddr({0x02, 0x00, 0x00, 0x00, 0x00, n}); }
const hal::MacAddr kBroadcast({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
const hal::MacAddr kGroup({0x01, 0x00, 0x5E, 0x7F, 0xFF, 0xFA});   // MTA hash type 0: 0xFAF
const hal::MacAddr kGroup2({0x01, 0x00, 0x5E, 0x00, 0x00, 0x01});  // MTA hash type 0: 0x010
const hal::MacAddr kStranger({0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE});  // in no RAR entry

PoolMask pools(std::initializer_list<unsigned> ps) {
  uint64_t b = 0;
  for (unsigned p : ps) b |= uint64_t{1} << p;
  return PoolMask(b);
}

/// A 60-byte frame (IPv4 ethertype), with an 802.1Q tag when `tci` is given.
Bytes frame(const hal::MacAddr& dst, const hal::MacAddr& src, std::optional<uint16_t> tci = {}) {
  return test::make_frame(dst, src, 60, 0, tci);
}

/// A register file and the switch reading it. Helpers write registers the way the PF driver
/// programs them (pf_driver/: rar_table, vlan_table, vf_hw, vt_mode).
struct Rig {
  std::vector<uint32_t> regs = std::vector<uint32_t>(pfr::kBarSize / 4);
  sim::L2Switch sw{sim::RegisterReader(std::span<const uint32_t>(regs))};

  void write(hal::Reg32 r, uint32_t v) {
    regs[r.offset / 4] = v;
    sw.note_write(r.offset);
  }
  uint32_t read(hal::Reg32 r) const { return regs[r.offset / 4]; }
  void set_bits(hal::Reg32 r, uint32_t b) { write(r, read(r) | b); }
  void clear_bits(hal::Reg32 r, uint32_t b) { write(r, read(r) & ~b); }

  void rar(unsigned i, const hal::MacAddr& m, uint64_t pool_bits) {
    write(pfr::MPSAR_LO(i), static_cast<uint32_t>(pool_bits));
    write(pfr::MPSAR_HI(i), static_cast<uint32_t>(pool_bits >> 32));
    write(pfr::RAL(i), uint32_t{m[0]} | uint32_t{m[1]} << 8 | uint32_t{m[2]} << 16 | uint32_t{m[3]} << 24);
    write(pfr::RAH(i), uint32_t{m[4]} | uint32_t{m[5]} << 8 | pfr::rah::kAv);
  }
  void vlvf(unsigned i, uint16_t vid, uint64_t pool_bits) {
    write(pfr::VLVFB(2 * i), static_cast<uint32_t>(pool_bits));
    write(pfr::VLVFB(2 * i + 1), static_cast<uint32_t>(pool_bits >> 32));
    write(pfr::VLVF(i), vid | pfr::vlvf::kVien);
  }
  void gate(hal::Reg32 (*r)(unsigned), unsigned pool, bool on) {
    if (on) set_bits(r(pfr::pool_reg_index(pool)), pfr::pool_bit(pool));
    else clear_bits(r(pfr::pool_reg_index(pool)), pfr::pool_bit(pool));
  }
  void spoofchk(unsigned pool, bool mac_check, bool vlan_check) {
    const hal::Reg32 r = pfr::PFVFSPOOF(pfr::pfvfspoof::reg_index(pool));
    clear_bits(r, pfr::pfvfspoof::mac_bit(pool) | pfr::pfvfspoof::vlan_bit(pool));
    set_bits(r, (mac_check ? pfr::pfvfspoof::mac_bit(pool) : 0) |
                    (vlan_check ? pfr::pfvfspoof::vlan_bit(pool) : 0));
  }
  void port_vlan(unsigned pool, uint16_t vid, uint8_t pcp) {
    write(pfr::VMVIR(pool), vid | uint32_t{pcp} << pfr::vmvir::kPrioShift | pfr::vmvir::kVlanaDefault);
  }
  void mta(const hal::MacAddr& m) {
    const uint16_t h = pfr::mta::hash(m[4], m[5], read(pfr::MCSTCTRL) & pfr::mcstctrl::kMoMask);
    set_bits(pfr::MTA(pfr::mta::reg_index(h)), pfr::mta::bit(h));
  }

  /// 8 VFs and the PF's pool 8, as the PF driver leaves them after every VF_RESET: VF v owns
  /// mac(v + 1) in RAR v + 1, the PF mac(100) in RAR 0; VFs BAM|AUPE, the PF also ROMPE and
  /// VLAN 0; VEB loopback, replication and the multicast filter on; every pool enabled.
  Rig() {
    write(pfr::VT_CTL, pfr::vt_ctl::kVtEnable | pfr::vt_ctl::kReplEn | kPfPool << pfr::vt_ctl::kDefPlShift);
    write(pfr::PFDTXGSWC, pfr::pfdtxgswc::kVtLben);
    write(pfr::MCSTCTRL, pfr::mcstctrl::kMfe);
    rar(0, mac(100), uint64_t{1} << kPfPool);
    for (unsigned v = 0; v < kNumVfs; ++v) {
      rar(v + 1, mac(static_cast<uint8_t>(v + 1)), uint64_t{1} << v);
      write(pfr::VMOLR(v), pfr::vmolr::kBam | pfr::vmolr::kAupe);
    }
    write(pfr::VMOLR(kPfPool), pfr::vmolr::kBam | pfr::vmolr::kAupe | pfr::vmolr::kRompe);
    vlvf(0, 0, uint64_t{1} << kPfPool);
    for (unsigned p = 0; p <= kPfPool; ++p) {
      gate(pfr::VFRE, p, true);
      gate(pfr::VFTE, p, true);
    }
  }

  Verdict rx(const Bytes& b) { return check(sw.receive(std::span<const uint8_t>(b))); }
  Verdict tx(unsigned pool, const Bytes& b, std::optional<VlanTag> offload = {}) {
    return check(sw.transmit(pool, std::span<const uint8_t>(b), offload));
  }
  static Verdict check(Verdict v) {
    REQUIRE(v.consistent());
    return v;
  }
};

void require_delivered(const Verdict& v, PoolMask to, bool wire = false) {
  INFO("outcome " << sim::to_string(v.outcome()) << " pools " << v.pools().bits());
  REQUIRE(v.outcome() == (wire ? Outcome::kDeliveredAndWire : Outcome::kDelivered));
  CHECK(v.pools() == to);
  CHECK(v.replicas() == to.count());
}
void require_dropped(const Verdict& v, DropReason why) {
  INFO("outcome " << sim::to_string(v.outcome()) << " pools " << v.pools().bits());
  REQUIRE(v.is_dropped());
  CHECK(v.drop_reason() == why);
}

}  // namespace

// ---- Frames.

TEST_CASE("Frame parsing rejects runts and truncated tags and reads the 802.1Q tag",
          "[switch][frame]") {
  const Bytes short_hdr(13, 0);
  CHECK(sim::FrameView::parse(short_hdr).error() == sim::FrameError::kRunt);
  Bytes cut = frame(mac(1), mac(2), 0x2064);
  cut.resize(17);  // TPID and TCI, but the inner ethertype is cut off
  CHECK(sim::FrameView::parse(cut).error() == sim::FrameError::kTruncatedTag);

  const Bytes tagged = frame(mac(1), mac(2), VlanTag::make(100, 5).tci);
  const auto f = sim::FrameView::parse(tagged);
  REQUIRE(f);
  CHECK(f->dst() == sim::Mac48::from(mac(1)));
  CHECK(f->src().to_mac_addr() == mac(2));
  CHECK(f->tagged());
  CHECK(f->tag().vid() == 100);
  CHECK(f->tag().pcp() == 5);
  CHECK(f->ethertype() == 0x0800);
  CHECK(f->header_len() == 18);
  CHECK(f->length() == 60);
  const auto u = sim::FrameView::parse(frame(kBroadcast, mac(2)));
  REQUIRE(u);
  CHECK(!u->tagged());
  CHECK(u->is_broadcast());
  CHECK(u->is_multicast());
}

TEST_CASE("A malformed frame is dropped as malformed in both directions", "[switch]") {
  Rig r;
  const Bytes runt(10, 0xFF);
  require_dropped(r.rx(runt), DropReason::kMalformed);
  require_dropped(r.tx(0, runt), DropReason::kMalformed);
}

TEST_CASE("Drop reasons and outcomes have stable names", "[switch]") {
  const char* names[] = {"malformed", "tx_disabled", "mac_spoof", "vlan_spoof",
                         "no_pool",   "vlan_filter", "rx_disabled"};
  for (size_t i = 0; i < sim::kNumDropReasons; ++i) {
    CHECK(sim::to_string(sim::kAllDropReasons[i]) == names[i]);
  }
  CHECK(sim::to_string(Outcome::kDeliveredAndWire) == "delivered_and_wire");
  CHECK(fmt::format("{}", DropReason::kVlanSpoof) == "vlan_spoof");
}

// ---- Receive rules (frames from the wire).

TEST_CASE("Without VT every frame from the wire goes to pool 0", "[switch]") {
  Rig r;
  r.clear_bits(pfr::VT_CTL, pfr::vt_ctl::kVtEnable);
  require_delivered(r.rx(frame(mac(3), kStranger)), pools({0}));
  require_delivered(r.rx(frame(kBroadcast, kStranger, 42)), pools({0}));
}

TEST_CASE("Unicast goes to the MPSAR pools of every valid RAR entry for the address",
          "[switch]") {
  Rig r;
  require_delivered(r.rx(frame(mac(3), kStranger)), pools({2}));
  r.rar(20, mac(3), uint64_t{1} << 40 | uint64_t{1} << 5);  // a second entry, pools 5 and 40
  r.write(pfr::VMOLR(40), pfr::vmolr::kAupe);
  r.gate(pfr::VFRE, 40, true);
  require_delivered(r.rx(frame(mac(3), kStranger)), pools({2, 5, 40}));
}

TEST_CASE("A RAR entry without AV matches nothing", "[switch]") {
  Rig r;
  r.clear_bits(pfr::RAH(3), pfr::rah::kAv);  // VF 2's entry
  require_delivered(r.rx(frame(mac(3), kStranger)), pools({kPfPool}));  // default pool instead
}

TEST_CASE("Unknown unicast from the wire goes to the default pool", "[switch]") {
  Rig r;
  require_delivered(r.rx(frame(kStranger, mac(50))), pools({kPfPool}));
  r.write(pfr::VT_CTL, (r.read(pfr::VT_CTL) & ~pfr::vt_ctl::kDefPlMask) | 3u << pfr::vt_ctl::kDefPlShift);
  require_delivered(r.rx(frame(kStranger, mac(50))), pools({3}));
}

TEST_CASE("DIS_DEFPL drops unicast that no pool takes as no_pool", "[switch]") {
  Rig r;
  r.set_bits(pfr::VT_CTL, pfr::vt_ctl::kDisDefPl);
  require_dropped(r.rx(frame(kStranger, mac(50))), DropReason::kNoPool);
  require_delivered(r.rx(frame(mac(1), mac(50))), pools({0}));  // exact matches still work
}

TEST_CASE("UPE pools also receive unicast for addresses that are not theirs", "[switch]") {
  Rig r;
  r.set_bits(pfr::VMOLR(4), pfr::vmolr::kUpe);
  require_delivered(r.rx(frame(mac(1), mac(50))), pools({0, 4}));
  require_delivered(r.rx(frame(kStranger, mac(50))), pools({4}));  // no default pool needed
}

TEST_CASE("ROPE pools receive unicast whose PFUTA hash bit is set", "[switch]") {
  Rig r;
  r.set_bits(pfr::VMOLR(6), pfr::vmolr::kRope);
  require_delivered(r.rx(frame(kStranger, mac(50))), pools({kPfPool}));
  const uint16_t h = pfr::mta::hash(kStranger[4], kStranger[5], 0);
  r.set_bits(pfr::PFUTA(pfr::mta::reg_index(h)), pfr::mta::bit(h));
  require_delivered(r.rx(frame(kStranger, mac(50))), pools({6}));
}

TEST_CASE("Broadcast is replicated to every BAM pool", "[switch]") {
  Rig r;
  require_delivered(r.rx(frame(kBroadcast, kStranger)), pools({0, 1, 2, 3, 4, 5, 6, 7, kPfPool}));
  r.clear_bits(pfr::VMOLR(2), pfr::vmolr::kBam);
  r.set_bits(pfr::VMOLR(2), pfr::vmolr::kMpe | pfr::vmolr::kUpe);  // neither takes broadcast
  const Verdict v = r.rx(frame(kBroadcast, kStranger));
  require_delivered(v, pools({0, 1, 3, 4, 5, 6, 7, kPfPool}));
  CHECK(v.replicas() == 8);
}

TEST_CASE("Multicast goes to ROMPE pools whose MTA hash bit is set, MPE pools and RAR matches",
          "[switch]") {
  Rig r;
  r.set_bits(pfr::VMOLR(1), pfr::vmolr::kRompe);
  r.set_bits(pfr::VMOLR(2), pfr::vmolr::kRompe);
  // No MTA bit yet: no ROMPE pool (the PF's included) takes it, and no default pool.
  require_dropped(r.rx(frame(kGroup, kStranger)), DropReason::kNoPool);
  r.mta(kGroup);
  require_delivered(r.rx(frame(kGroup, kStranger)), pools({1, 2, kPfPool}));
  require_dropped(r.rx(frame(kGroup2, kStranger)), DropReason::kNoPool);  // other hash
  r.set_bits(pfr::VMOLR(5), pfr::vmolr::kMpe);
  require_delivered(r.rx(frame(kGroup2, kStranger)), pools({5}));
  r.rar(30, kGroup2, uint64_t{1} << 7);
  require_delivered(r.rx(frame(kGroup2, kStranger)), pools({5, 7}));
}

TEST_CASE("The MTA hash follows MCSTCTRL.MO and needs MCSTCTRL.MFE", "[switch]") {
  Rig r;
  r.write(pfr::MCSTCTRL, pfr::mcstctrl::kMfe | 3u);  // filter type 3: bits 43:32
  r.mta(kGroup);                                     // sets hash 0xAFF, not 0xFAF
  CHECK((r.read(pfr::MTA(pfr::mta::reg_index(0xAFF))) & pfr::mta::bit(0xAFF)) != 0);
  require_delivered(r.rx(frame(kGroup, kStranger)), pools({kPfPool}));
  r.write(pfr::MCSTCTRL, 3u);  // MFE off: hash tables out of play
  require_dropped(r.rx(frame(kGroup, kStranger)), DropReason::kNoPool);
}

TEST_CASE("A tagged frame reaches a pool only through an enabled VLVF entry that includes it",
          "[switch]") {
  Rig r;
  const Bytes to_vf1 = frame(mac(2), kStranger, 100);
  // VF 1 has no VLAN 100: refused, so the unicast falls to the default pool.
  require_delivered(r.rx(to_vf1), pools({kPfPool}));
  r.vlvf(5, 100, uint64_t{1} << 1);
  require_delivered(r.rx(to_vf1), pools({1}));
  r.clear_bits(pfr::VLVF(5), pfr::vlvf::kVien);
  require_delivered(r.rx(to_vf1), pools({kPfPool}));
  r.set_bits(pfr::VMOLR(1), pfr::vmolr::kVpe);  // VLAN promiscuous takes any VID
  require_delivered(r.rx(to_vf1), pools({1}));
}

TEST_CASE("An untagged frame reaches only AUPE pools", "[switch]") {
  Rig r;
  r.clear_bits(pfr::VMOLR(3), pfr::vmolr::kAupe);
  const Verdict b = r.rx(frame(kBroadcast, kStranger));
  require_delivered(b, pools({0, 1, 2, 4, 5, 6, 7, kPfPool}));
  // Tagged VID 0 (priority tag) follows VLVF instead: only the PF has VLAN 0.
  require_delivered(r.rx(frame(kBroadcast, kStranger, 0)), pools({kPfPool}));
}

TEST_CASE("Multicast whose matched pools all refuse its VLAN is dropped as vlan_filter",
          "[switch]") {
  Rig r;
  require_dropped(r.rx(frame(kBroadcast, kStranger, 77)), DropReason::kVlanFilter);
  r.vlvf(3, 77, uint64_t{1} << 6);
  require_delivered(r.rx(frame(kBroadcast, kStranger, 77)), pools({6}));
}

TEST_CASE("VFRE gate removes pools whose receive is disabled", "[switch]") {
  Rig r;
  r.gate(pfr::VFRE, 0, false);
  r.gate(pfr::VFRE, 5, false);
  require_delivered(r.rx(frame(kBroadcast, kStranger)), pools({1, 2, 3, 4, 6, 7, kPfPool}));
  require_dropped(r.rx(frame(mac(1), kStranger)), DropReason::kRxDisabled);
  r.gate(pfr::VFRE, kPfPool, false);
  require_dropped(r.rx(frame(kStranger, mac(50))), DropReason::kRxDisabled);  // default pool off
}

TEST_CASE("Replication off sends broadcast to the default pool only", "[switch]") {
  Rig r;
  r.clear_bits(pfr::VT_CTL, pfr::vt_ctl::kReplEn);
  require_delivered(r.rx(frame(kBroadcast, kStranger)), pools({kPfPool}));
}

TEST_CASE("A port-VLAN pool gets only frames tagged with its VID, with the tag hidden",
          "[switch]") {
  Rig r;
  // What the PF does for `ip link set ... vf 2 vlan 300 qos 4` (spec 7).
  r.port_vlan(2, 300, 4);
  r.vlvf(1, 300, uint64_t{1} << 2);
  r.clear_bits(pfr::VMOLR(2), pfr::vmolr::kAupe);
  const Verdict v = r.rx(frame(mac(3), kStranger, VlanTag::make(300, 1).tci));
  require_delivered(v, pools({2}));
  CHECK(v.hide_tag() == pools({2}));
  // Untagged: refused even with AUPE back on; the default pool takes it.
  r.set_bits(pfr::VMOLR(2), pfr::vmolr::kAupe);
  require_delivered(r.rx(frame(mac(3), kStranger)), pools({kPfPool}));
  // Another VID: refused even with VLAN promiscuous on.
  r.set_bits(pfr::VMOLR(2), pfr::vmolr::kVpe);
  require_delivered(r.rx(frame(mac(3), kStranger, 301)), pools({kPfPool}));
  // Broadcast on VLAN 300: VF 2 sees it untagged; nobody else has VLAN 300.
  const Verdict b = r.rx(frame(kBroadcast, kStranger, 300));
  require_delivered(b, pools({2}));
  CHECK(b.hide_tag() == pools({2}));
}

// ---- Transmit rules (frames from a pool).

TEST_CASE("VFTE gate drops frames of a pool whose transmit is disabled", "[switch]") {
  Rig r;
  r.gate(pfr::VFTE, 3, false);
  require_dropped(r.tx(3, frame(kStranger, mac(4))), DropReason::kTxDisabled);
  require_dropped(r.tx(64, frame(kStranger, mac(4))), DropReason::kTxDisabled);  // no pool 64
  CHECK(r.tx(4, frame(kStranger, mac(5))).outcome() == Outcome::kWire);
}

TEST_CASE("MAC anti-spoof drops a VF frame whose source MAC is not its RAR entry", "[switch]") {
  Rig r;
  r.spoofchk(3, true, false);
  CHECK(r.tx(3, frame(kStranger, mac(4))).outcome() == Outcome::kWire);  // its own MAC
  require_dropped(r.tx(3, frame(kStranger, mac(5))), DropReason::kMacSpoof);  // VF 4's MAC
  require_dropped(r.tx(3, frame(kStranger, kStranger)), DropReason::kMacSpoof);
  r.spoofchk(3, false, false);
  CHECK(r.tx(3, frame(kStranger, mac(5))).outcome() == Outcome::kWire);
}

TEST_CASE("VLAN anti-spoof drops a tagged VF frame whose VID is not in a VLVF entry of its pool",
          "[switch]") {
  Rig r;
  r.spoofchk(1, true, true);
  r.vlvf(2, 10, uint64_t{1} << 1);
  r.vlvf(3, 20, uint64_t{1} << 2);  // VLAN 20 belongs to VF 2, not VF 1
  CHECK(r.tx(1, frame(kStranger, mac(2))).outcome() == Outcome::kWire);      // untagged
  CHECK(r.tx(1, frame(kStranger, mac(2), 10)).outcome() == Outcome::kWire);  // granted
  require_dropped(r.tx(1, frame(kStranger, mac(2), 20)), DropReason::kVlanSpoof);
  // The descriptor's VLE tag is checked like an in-band one.
  require_dropped(r.tx(1, frame(kStranger, mac(2)), VlanTag::make(20)), DropReason::kVlanSpoof);
  r.spoofchk(1, true, false);
  CHECK(r.tx(1, frame(kStranger, mac(2), 20)).outcome() == Outcome::kWire);
}

TEST_CASE("Port VLAN insertion: a VF frame leaves with VMVIR's VID and PCP", "[switch]") {
  Rig r;
  r.port_vlan(2, 300, 4);
  r.vlvf(1, 300, uint64_t{1} << 2);
  r.spoofchk(2, true, true);
  const Verdict v = r.tx(2, frame(kStranger, mac(3)));
  REQUIRE(v.outcome() == Outcome::kWire);
  REQUIRE(v.inserted_tag().has_value());
  CHECK(v.inserted_tag()->vid() == 300);
  CHECK(v.inserted_tag()->pcp() == 4);
}

TEST_CASE("Port VLAN: a frame the VF tagged itself is a VLAN spoof when VLAN anti-spoof is on",
          "[switch]") {
  Rig r;
  r.port_vlan(2, 300, 4);
  r.vlvf(1, 300, uint64_t{1} << 2);
  r.spoofchk(2, true, true);
  require_dropped(r.tx(2, frame(kStranger, mac(3), 300)), DropReason::kVlanSpoof);
  require_dropped(r.tx(2, frame(kStranger, mac(3)), VlanTag::make(5)), DropReason::kVlanSpoof);
  // Check off: the port VLAN still goes in front; the VF's tag stays inside (QinQ).
  r.spoofchk(2, true, false);
  const Verdict v = r.tx(2, frame(kStranger, mac(3), 7));
  REQUIRE(v.outcome() == Outcome::kWire);
  CHECK(v.inserted_tag() == VlanTag::make(300, 4));
}

TEST_CASE("VLANA 00 inserts the descriptor's tag, VLANA 10 never inserts", "[switch]") {
  Rig r;
  r.vlvf(2, 55, uint64_t{1} << 1 | uint64_t{1} << 4);
  const Verdict v = r.tx(1, frame(kBroadcast, mac(2)), VlanTag::make(55));
  CHECK(v.inserted_tag() == VlanTag::make(55));
  require_delivered(v, pools({4}), /*wire=*/true);  // loopback filtered on the inserted VID
  r.write(pfr::VMVIR(1), pfr::vmvir::kVlanaNever | 55);
  const Verdict n = r.tx(1, frame(kBroadcast, mac(2)), VlanTag::make(55));
  CHECK(!n.inserted_tag().has_value());
  require_delivered(n, pools({0, 2, 3, 4, 5, 6, 7, kPfPool}), true);  // untagged: AUPE pools
}

// ---- VEB loopback.

TEST_CASE("VT_LBEN off sends VF-to-VF unicast to the wire", "[switch]") {
  Rig r;
  r.write(pfr::PFDTXGSWC, 0);
  const Verdict v = r.tx(0, frame(mac(2), mac(1)));
  CHECK(v.outcome() == Outcome::kWire);
  CHECK(v.pools().empty());
  CHECK(r.tx(0, frame(kBroadcast, mac(1))).outcome() == Outcome::kWire);
}

TEST_CASE("VT_LBEN on keeps VF-to-VF unicast local", "[switch]") {
  Rig r;
  require_delivered(r.tx(0, frame(mac(2), mac(1))), pools({1}));
  require_delivered(r.tx(kPfPool, frame(mac(5), mac(100))), pools({4}));  // PF to VF
  require_delivered(r.tx(3, frame(mac(100), mac(4))), pools({kPfPool}));  // VF to PF
}

TEST_CASE("Unknown unicast from a VF leaves on the wire", "[switch]") {
  Rig r;
  const Verdict v = r.tx(0, frame(kStranger, mac(1)));
  CHECK(v.outcome() == Outcome::kWire);
  // A unicast-promiscuous pool also gets a copy; the frame still leaves.
  r.set_bits(pfr::VMOLR(6), pfr::vmolr::kUpe);
  require_delivered(r.tx(0, frame(kStranger, mac(1))), pools({6}), /*wire=*/true);
}

TEST_CASE("Broadcast from a VF goes to every BAM pool but the source, and the wire", "[switch]") {
  Rig r;
  const Verdict v = r.tx(3, frame(kBroadcast, mac(4)));
  require_delivered(v, pools({0, 1, 2, 4, 5, 6, 7, kPfPool}), /*wire=*/true);
  CHECK(v.replicas() == kNumVfs);
  // Multicast: MTA + ROMPE pools but the source, and the wire.
  r.set_bits(pfr::VMOLR(3), pfr::vmolr::kRompe);
  r.set_bits(pfr::VMOLR(5), pfr::vmolr::kRompe);
  r.mta(kGroup);
  require_delivered(r.tx(3, frame(kGroup, mac(4))), pools({5, kPfPool}), true);
  // Nobody local accepts: the wire alone.
  CHECK(r.tx(3, frame(kGroup2, mac(4))).outcome() == Outcome::kWire);
}

TEST_CASE("Loopback never returns a frame to its source pool", "[switch]") {
  Rig r;
  // A VF's frame to its own address is unknown to the other pools: it leaves on the wire.
  CHECK(r.tx(2, frame(mac(3), mac(3))).outcome() == Outcome::kWire);
  r.set_bits(pfr::VMOLR(2), pfr::vmolr::kUpe | pfr::vmolr::kMpe);
  CHECK(!r.tx(2, frame(kBroadcast, mac(3))).pools().has(2));
}

TEST_CASE("Loopback unicast to a pool that refuses it is dropped, not sent to the wire",
          "[switch]") {
  Rig r;
  require_dropped(r.tx(0, frame(mac(2), mac(1), 42)), DropReason::kVlanFilter);
  r.gate(pfr::VFRE, 1, false);
  require_dropped(r.tx(0, frame(mac(2), mac(1))), DropReason::kRxDisabled);
}

TEST_CASE("Loopback copies carry the inserted port VLAN through the receive filters",
          "[switch]") {
  Rig r;
  r.port_vlan(2, 300, 0);
  r.vlvf(1, 300, uint64_t{1} << 2 | uint64_t{1} << 5);
  r.port_vlan(5, 300, 0);
  r.vlvf(2, 300, uint64_t{1} << 6);  // a second entry for the same VID: VF 6, trunk mode
  const Verdict v = r.tx(2, frame(kBroadcast, mac(3)));
  require_delivered(v, pools({5, 6}), /*wire=*/true);
  CHECK(v.hide_tag() == pools({5}));  // VF 5 has the port VLAN; VF 6 sees the tag
  CHECK(v.inserted_tag() == VlanTag::make(300));
}

// ---- The snapshot and its reader.

TEST_CASE("The snapshot is rebuilt only after a switch register changes", "[switch]") {
  std::vector<uint32_t> regs(pfr::kBarSize / 4);
  sim::L2Switch sw{sim::RegisterReader(std::span<const uint32_t>(regs))};
  const Bytes b = frame(kBroadcast, kStranger);
  CHECK(sw.receive(std::span<const uint8_t>(b)).pools() == pools({0}));  // VT off
  CHECK(sw.reloads() == 1);
  regs[pfr::VT_CTL.offset / 4] = pfr::vt_ctl::kVtEnable | pfr::vt_ctl::kReplEn;
  // Stale until told: the register changed behind the switch's back.
  CHECK(sw.receive(std::span<const uint8_t>(b)).pools() == pools({0}));
  sw.note_write(pfr::CTRL.offset);  // not a switch register
  CHECK(sw.reloads() == 1);
  sw.note_write(pfr::VT_CTL.offset);
  require_dropped(sw.receive(std::span<const uint8_t>(b)), DropReason::kNoPool);  // no BAM pool
  CHECK(sw.reloads() == 2);
}

TEST_CASE("is_switch_register covers every register the switch reads", "[switch]") {
  using sim::L2Switch;
  for (unsigned i = 0; i < pfr::kNumRar; ++i) {
    CHECK(L2Switch::is_switch_register(pfr::RAL(i).offset));
    CHECK(L2Switch::is_switch_register(pfr::RAH(i).offset));
    CHECK(L2Switch::is_switch_register(pfr::MPSAR_LO(i).offset));
    CHECK(L2Switch::is_switch_register(pfr::MPSAR_HI(i).offset));
    CHECK(L2Switch::is_switch_register(pfr::MTA(i).offset));
    CHECK(L2Switch::is_switch_register(pfr::PFUTA(i).offset));
    CHECK(L2Switch::is_switch_register(pfr::VLVFB(i).offset));
  }
  for (unsigned p = 0; p < pfr::kNumPools; ++p) {
    CHECK(L2Switch::is_switch_register(pfr::VMOLR(p).offset));
    CHECK(L2Switch::is_switch_register(pfr::VMVIR(p).offset));
    CHECK(L2Switch::is_switch_register(pfr::VLVF(p).offset));
    CHECK(L2Switch::is_switch_register(pfr::VFRE(p / 32).offset));
    CHECK(L2Switch::is_switch_register(pfr::VFTE(p / 32).offset));
    CHECK(L2Switch::is_switch_register(pfr::PFVFSPOOF(p / 8).offset));
  }
  CHECK(L2Switch::is_switch_register(pfr::VT_CTL.offset));
  CHECK(L2Switch::is_switch_register(pfr::PFDTXGSWC.offset));
  CHECK(L2Switch::is_switch_register(pfr::MCSTCTRL.offset));
  for (hal::Reg32 other : {pfr::CTRL, pfr::EICR, pfr::FCTRL, pfr::VMECM(0), pfr::MRQC,
                           pfr::PFMAILBOX(0), pfr::RDT(0), pfr::TDT(0), pfr::VFTA(0)}) {
    CHECK(!L2Switch::is_switch_register(other.offset));
  }
}

TEST_CASE("Registers written through a Device82599 PF BAR classify like a raw register file",
          "[switch]") {
  auto dev = sim::Device82599::create();
  hal::RegisterIo& bar = dev->pf().bar0();
  const auto read = [&bar](hal::Reg32 r) { return bar.read(r); };
  sim::L2Switch sw{sim::RegisterReader(read)};
  bar.write(pfr::VT_CTL, pfr::vt_ctl::kVtEnable | pfr::vt_ctl::kReplEn | 2u << pfr::vt_ctl::kDefPlShift);
  bar.write(pfr::PFDTXGSWC, pfr::pfdtxgswc::kVtLben);
  bar.write(pfr::VFRE(0), 0x7);
  bar.write(pfr::VFTE(0), 0x7);
  bar.write(pfr::RAL(1), 0x00000002);  // 02:00:00:00:00:01
  bar.write(pfr::RAH(1), 0x0100 | pfr::rah::kAv);
  bar.write(pfr::MPSAR_LO(1), 1u << 1);
  for (unsigned p = 0; p < 3; ++p) bar.write(pfr::VMOLR(p), pfr::vmolr::kAupe | pfr::vmolr::kBam);
  bar.write(pfr::PFVFSPOOF(0), pfr::pfvfspoof::mac_bit(0));
  sw.invalidate();
  const Bytes uc = frame(mac(1), kStranger);
  require_delivered(Rig::check(sw.receive(std::span<const uint8_t>(uc))), pools({1}));
  const Bytes spoofed = frame(mac(1), kStranger);
  require_dropped(sw.transmit(0, std::span<const uint8_t>(spoofed)), DropReason::kMacSpoof);
  const Bytes bc = frame(kBroadcast, mac(1));
  require_delivered(sw.transmit(1, std::span<const uint8_t>(bc)), pools({0, 2}), true);
}
