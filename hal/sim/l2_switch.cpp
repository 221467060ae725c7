// The simulated 82599's embedded switch: register decoding (cold) and classification (per
// frame). The rules and their order are tabled in docs/switch.md; comments here say why.
#include "hal/sim/l2_switch.hpp"

#include <expected>

namespace sim {

namespace {
namespace pfr = hal::ixgbe::pf;

constexpr uint64_t bit(unsigned pool) { return uint64_t{1} << pool; }
constexpr uint64_t pair_mask(uint32_t lo, uint32_t hi) { return uint64_t{lo} | uint64_t{hi} << 32; }

// ---- Register decoding (cold path).

void load_vt(SwitchState& s, const RegisterReader& read) {
  const uint32_t vt = read(pfr::VT_CTL);
  s.vt_enabled = (vt & pfr::vt_ctl::kVtEnable) != 0;
  s.replicate = (vt & pfr::vt_ctl::kReplEn) != 0;
  s.dis_def_pool = (vt & pfr::vt_ctl::kDisDefPl) != 0;
  s.def_pool = static_cast<uint8_t>((vt & pfr::vt_ctl::kDefPlMask) >> pfr::vt_ctl::kDefPlShift);
  s.loopback = (read(pfr::PFDTXGSWC) & pfr::pfdtxgswc::kVtLben) != 0;
  s.rx_enabled = pair_mask(read(pfr::VFRE(0)), read(pfr::VFRE(1)));
  s.tx_enabled = pair_mask(read(pfr::VFTE(0)), read(pfr::VFTE(1)));
  s.mac_antispoof = 0;
  s.vlan_antispoof = 0;
  for (unsigned i = 0; i < pfr::kNumPools / pfr::pfvfspoof::kPoolsPerReg; ++i) {
    const uint32_t v = read(pfr::PFVFSPOOF(i));
    const unsigned first = i * pfr::pfvfspoof::kPoolsPerReg;
    s.mac_antispoof |= uint64_t{v & pfr::pfvfspoof::kMacMask} << first;
    s.vlan_antispoof |= uint64_t{(v >> pfr::pfvfspoof::kVlanShift) & pfr::pfvfspoof::kMacMask}
                        << first;
  }
  const uint32_t mc = read(pfr::MCSTCTRL);
  s.hash_filter = (mc & pfr::mcstctrl::kMfe) != 0;
  s.filter_type = static_cast<uint8_t>(mc & pfr::mcstctrl::kMoMask);
}

void load_pools(SwitchState& s, const RegisterReader& read) {
  s.upe = s.vpe = s.aupe = s.rompe = s.rope = s.bam = s.mpe = 0;
  s.port_vlan = s.never_insert = 0;
  const auto take = [](uint64_t& mask, uint32_t reg, uint32_t field, unsigned pool) {
    if (reg & field) mask |= bit(pool);
  };
  for (unsigned p = 0; p < pfr::kNumPools; ++p) {
    const uint32_t vmolr = read(pfr::VMOLR(p));
    take(s.upe, vmolr, pfr::vmolr::kUpe, p);
    take(s.vpe, vmolr, pfr::vmolr::kVpe, p);
    take(s.aupe, vmolr, pfr::vmolr::kAupe, p);
    take(s.rompe, vmolr, pfr::vmolr::kRompe, p);
    take(s.rope, vmolr, pfr::vmolr::kRope, p);
    take(s.bam, vmolr, pfr::vmolr::kBam, p);
    take(s.mpe, vmolr, pfr::vmolr::kMpe, p);
    const uint32_t vmvir = read(pfr::VMVIR(p));
    const uint32_t vlana = vmvir & pfr::vmvir::kVlanaMask;
    // VLANA 11 is reserved: treated as 00 (use the descriptor), the least surprising choice.
    if (vlana == pfr::vmvir::kVlanaDefault) s.port_vlan |= bit(p);
    if (vlana == pfr::vmvir::kVlanaNever) s.never_insert |= bit(p);
    s.port_tci[p] = static_cast<uint16_t>(vmvir & pfr::vmvir::kTciMask);
  }
}

void load_exact_filters(SwitchState& s, const RegisterReader& read) {
  s.num_rar = 0;
  for (unsigned i = 0; i < pfr::kNumRar; ++i) {
    const uint32_t rah = read(pfr::RAH(i));
    if ((rah & pfr::rah::kAv) == 0) continue;  // the address is used only while AV is set
    s.rar[s.num_rar++] = RarEntry{.mac = Mac48::from_rar(read(pfr::RAL(i)), rah),
                                  .pools = pair_mask(read(pfr::MPSAR_LO(i)), read(pfr::MPSAR_HI(i)))};
  }
  s.num_vlvf = 0;
  for (unsigned i = 0; i < pfr::kNumVlvf; ++i) {
    const uint32_t vlvf = read(pfr::VLVF(i));
    if ((vlvf & pfr::vlvf::kVien) == 0) continue;
    s.vlvf[s.num_vlvf++] =
        VlvfEntry{.vid = static_cast<uint16_t>(vlvf & pfr::vlvf::kVidMask),
                  .pools = pair_mask(read(pfr::VLVFB(2 * i)), read(pfr::VLVFB(2 * i + 1)))};
  }
}

void load_hash_tables(SwitchState& s, const RegisterReader& read) {
  for (unsigned i = 0; i < pfr::kNumMta; ++i) s.mta[i] = read(pfr::MTA(i));
  for (unsigned i = 0; i < pfr::kNumUta; ++i) s.uta[i] = read(pfr::PFUTA(i));
}

// ---- Receive rules (shared by frames from the wire and loopback copies).

/// What the receive rules look at: the destination and the outer tag as the switch sees it
/// (for a loopback copy, after port VLAN or descriptor insertion).
struct RxKey {
  Mac48 dst;
  bool tagged = false;
  uint16_t vid = 0;
};

/// Stage 1, address filters: the pools that accept `dst`.
uint64_t address_stage(const SwitchState& s, Mac48 dst) {
  if (dst.is_broadcast()) return s.bam;
  uint64_t pools = s.rar_pools(dst);
  if (dst.is_multicast()) {
    pools |= s.mpe;
    if (s.hash_hit(s.mta, dst)) pools |= s.rompe;
  } else {
    pools |= s.upe;
    if (s.hash_hit(s.uta, dst)) pools |= s.rope;
  }
  return pools;
}

/// Stage 2, VLAN filters: of `pools`, those that take the frame's tagging.
uint64_t vlan_stage(const SwitchState& s, const RxKey& k, uint64_t pools) {
  // Untagged: AUPE pools, except port-VLAN pools, which take only their own VID.
  if (!k.tagged) return pools & s.aupe & ~s.port_vlan;
  uint64_t ok = pools & (s.vlvf_pools(k.vid) | s.vpe);
  for (uint64_t pv = ok & s.port_vlan; pv != 0; pv &= pv - 1) {
    const unsigned p = static_cast<unsigned>(std::countr_zero(pv));
    if ((s.port_tci[p] & VlanTag::kVidMask) != k.vid) ok &= ~bit(p);
  }
  return ok;
}

/// The receive rules. `exclude` holds the source pool of a loopback copy (never offered back
/// to it); only frames from the wire fall back to the default pool.
Verdict select_pools(const SwitchState& s, const RxKey& k, uint64_t exclude, bool from_wire) {
  const bool unicast = !k.dst.is_multicast();
  uint64_t pools = 0;
  DropReason why = DropReason::kNoPool;
  if (!unicast && !s.replicate) {
    // Replication off: multicast and broadcast go to the default pool alone (assumption).
    pools = s.dis_def_pool ? 0 : bit(s.def_pool) & ~exclude;
  } else {
    pools = address_stage(s, k.dst) & ~exclude;
    if (pools != 0) {
      pools = vlan_stage(s, k, pools);
      why = DropReason::kVlanFilter;
    }
    // A unicast frame that no pool took goes to the default pool, whatever its VLAN.
    if (pools == 0 && unicast && from_wire && !s.dis_def_pool) pools = bit(s.def_pool);
  }
  if (pools == 0) return Verdict::dropped(why);
  pools &= s.rx_enabled;
  if (pools == 0) return Verdict::dropped(DropReason::kRxDisabled);
  return Verdict::delivered(PoolMask(pools), PoolMask(pools & s.port_vlan), false, std::nullopt);
}

// ---- Transmit rules.

/// The tags of a transmitted frame: `outer` is what the switch and the wire see first,
/// `insert` what the device puts in front of the frame's own bytes.
struct Egress {
  std::optional<VlanTag> outer;
  std::optional<VlanTag> insert;
};

/// Port VLAN insertion (VMVIR) and the VLAN anti-spoof check (PFVFSPOOF VLAN bit).
std::expected<Egress, DropReason> egress_tags(const SwitchState& s, unsigned src,
                                              const FrameView& f,
                                              std::optional<VlanTag> offload) {
  const std::optional<VlanTag> in_band = f.tagged() ? std::optional(f.tag()) : std::nullopt;
  const bool antispoof = (s.vlan_antispoof & bit(src)) != 0;
  if (s.port_vlan & bit(src)) {
    // VLANA = 01: the port VLAN always goes in front. A tag of the pool's own making is a tag
    // the PF did not grant: a spoof when the check is on (assumption); else it stays inside.
    if ((in_band || offload) && antispoof) return std::unexpected(DropReason::kVlanSpoof);
    const VlanTag port{s.port_tci[src]};
    return Egress{.outer = port, .insert = port};
  }
  // VLANA = 10 ignores the descriptor's VLE; 00 (and reserved 11) honours it.
  const std::optional<VlanTag> insert = (s.never_insert & bit(src)) ? std::nullopt : offload;
  const std::optional<VlanTag> outer = insert ? insert : in_band;
  if (outer && antispoof && (s.vlvf_pools(outer->vid()) & bit(src)) == 0) {
    return std::unexpected(DropReason::kVlanSpoof);
  }
  return Egress{.outer = outer, .insert = insert};
}

/// VEB loopback: offers the frame to the other local pools by the receive rules.
Verdict switch_locally(const SwitchState& s, unsigned src, Mac48 dst, const Egress& e) {
  const RxKey key{.dst = dst, .tagged = e.outer.has_value(), .vid = e.outer ? e.outer->vid() : uint16_t{0}};
  const uint64_t self = bit(src);
  const Verdict local = select_pools(s, key, self, /*from_wire=*/false);
  if (!dst.is_multicast() && (s.rar_pools(dst) & ~self) != 0) {
    // Unicast to an address of another local pool stays inside, even when that pool's VLAN
    // or VFRE filters then refuse it (the drop reason says which).
    if (local.is_dropped()) return local;
    return Verdict::delivered(local.pools(), local.hide_tag(), false, e.insert);
  }
  // Multicast, broadcast and unknown unicast leave on the wire; accepting pools get copies.
  if (local.is_dropped()) return Verdict::to_wire(e.insert);
  return Verdict::delivered(local.pools(), local.hide_tag(), true, e.insert);
}

}  // namespace

// ---- Public API.

std::string_view to_string(DropReason r) {
  switch (r) {
    case DropReason::kMalformed: return "malformed";
    case DropReason::kTxDisabled: return "tx_disabled";
    case DropReason::kMacSpoof: return "mac_spoof";
    case DropReason::kVlanSpoof: return "vlan_spoof";
    case DropReason::kNoPool: return "no_pool";
    case DropReason::kVlanFilter: return "vlan_filter";
    case DropReason::kRxDisabled: return "rx_disabled";
  }
  return "unknown";
}

std::string_view to_string(Outcome o) {
  switch (o) {
    case Outcome::kDelivered: return "delivered";
    case Outcome::kWire: return "wire";
    case Outcome::kDeliveredAndWire: return "delivered_and_wire";
    case Outcome::kDropped: return "dropped";
  }
  return "unknown";
}

SwitchState SwitchState::load(const RegisterReader& read) {
  SwitchState s;
  load_vt(s, read);
  load_pools(s, read);
  load_exact_filters(s, read);
  load_hash_tables(s, read);
  return s;
}

Verdict classify_transmit(const SwitchState& s, unsigned src_pool, const FrameView& frame,
                          std::optional<VlanTag> offload_tag) {
  // Without VT there are no pools to switch between: everything leaves on the wire.
  if (!s.vt_enabled) return Verdict::to_wire(offload_tag);
  if (src_pool >= SwitchState::kPools || (s.tx_enabled & bit(src_pool)) == 0) {
    return Verdict::dropped(DropReason::kTxDisabled);
  }
  if ((s.mac_antispoof & bit(src_pool)) != 0 && (s.rar_pools(frame.src()) & bit(src_pool)) == 0) {
    return Verdict::dropped(DropReason::kMacSpoof);
  }
  const auto egress = egress_tags(s, src_pool, frame, offload_tag);
  if (!egress) return Verdict::dropped(egress.error());
  if (!s.loopback) return Verdict::to_wire(egress->insert);
  return switch_locally(s, src_pool, frame.dst(), *egress);
}

Verdict classify_receive(const SwitchState& s, const FrameView& frame) {
  // Without VT the pool machinery is off: every frame belongs to pool 0.
  if (!s.vt_enabled) return Verdict::delivered(PoolMask::of(0), PoolMask(), false, std::nullopt);
  const RxKey key{.dst = frame.dst(), .tagged = frame.tagged(), .vid = frame.tag().vid()};
  return select_pools(s, key, 0, /*from_wire=*/true);
}

Verdict L2Switch::transmit(unsigned src_pool, std::span<const uint8_t> bytes,
                           std::optional<VlanTag> offload_tag) {
  const auto frame = FrameView::parse(bytes);
  if (!frame) return Verdict::dropped(DropReason::kMalformed);
  return transmit(src_pool, *frame, offload_tag);
}

Verdict L2Switch::receive(std::span<const uint8_t> bytes) {
  const auto frame = FrameView::parse(bytes);
  if (!frame) return Verdict::dropped(DropReason::kMalformed);
  return receive(*frame);
}

void L2Switch::reload() {
  state_ = SwitchState::load(read_);
  stale_ = false;
  ++reloads_;
}

}  // namespace sim
