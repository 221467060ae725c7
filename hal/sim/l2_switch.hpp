#pragma once
// The embedded L2 switch (VEB) of the simulated 82599 as a pure classifier: given the switch
// registers the PF programmed (RAR/MPSAR, VLVF/VLVFB, VMOLR, VMVIR, PFVFSPOOF, PFDTXGSWC,
// VFRE/VFTE, VT_CTL, MTA/PFUTA, MCSTCTRL; spec 2, 6, 7) it decides where one frame goes.
// It moves no bytes: the device engine copies the frame where the Verdict says.
//
// Rules, their order and every assumption: docs/switch.md.
//
// Cost model: registers are decoded once into a SwitchState snapshot (a few KiB, no heap);
// classifying a frame reads only the snapshot: bit operations on 64-bit pool masks plus a scan
// of the valid RAR and VLVF entries. Nothing on the classify path allocates, throws, locks or
// logs.

#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/register_io.hpp"
#include "hal/sim/frame.hpp"

namespace sim {

/// Where the switch reads registers from, without owning anything and without a virtual call:
/// either a register file indexed by offset / 4 (what DeviceModel keeps in `regs_`), or any
/// callable `uint32_t(hal::Reg32)` (a test reading through a PF BAR, a mock).
///
/// Non-owning: the file or the callable must outlive the reader. Reads must have no side
/// effects; the switch reads none of the read-to-clear registers.
class RegisterReader {
 public:
  /// Reads `file[offset / 4]`; offsets past the end read 0.
  explicit RegisterReader(std::span<const uint32_t> file) : file_(file) {}
  /// Calls `fn(reg)` for each read. `fn` is referenced, not copied.
  template <class Fn>
    requires(std::is_invocable_r_v<uint32_t, const Fn&, hal::Reg32> &&
             !std::is_same_v<std::remove_cvref_t<Fn>, RegisterReader>)
  explicit RegisterReader(const Fn& fn)
      : obj_(&fn), call_([](const void* o, hal::Reg32 r) -> uint32_t {
          return (*static_cast<const Fn*>(o))(r);
        }) {}
  /// A temporary callable would dangle.
  template <class Fn>
    requires(!std::is_lvalue_reference_v<Fn> &&
             std::is_invocable_r_v<uint32_t, const Fn&, hal::Reg32> &&
             !std::is_same_v<std::remove_cvref_t<Fn>, RegisterReader>)
  explicit RegisterReader(Fn&&) = delete;

  uint32_t operator()(hal::Reg32 r) const {
    if (call_ != nullptr) return call_(obj_, r);
    const size_t i = r.offset / 4;
    return i < file_.size() ? file_[i] : 0;
  }

 private:
  std::span<const uint32_t> file_;
  const void* obj_ = nullptr;
  uint32_t (*call_)(const void*, hal::Reg32) = nullptr;
};

/// A set of pools, bit p = pool p (0..63).
class PoolMask {
 public:
  constexpr PoolMask() = default;
  constexpr explicit PoolMask(uint64_t bits) : bits_(bits) {}
  static constexpr PoolMask of(unsigned pool) { return PoolMask(uint64_t{1} << (pool & 63)); }

  constexpr uint64_t bits() const { return bits_; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr unsigned count() const { return static_cast<unsigned>(std::popcount(bits_)); }
  constexpr bool has(unsigned pool) const { return pool < 64 && ((bits_ >> pool) & 1u) != 0; }
  constexpr bool operator==(const PoolMask&) const = default;

 private:
  uint64_t bits_ = 0;
};

/// Why the switch dropped a frame. Exactly one per dropped frame; the names (to_string) are
/// stable counter names and only ever get appended to.
enum class DropReason : uint8_t {
  kMalformed,   ///< "malformed": not a parseable Ethernet frame (FrameView::parse failed)
  kTxDisabled,  ///< "tx_disabled": the source pool's VFTE bit is clear (or no such pool)
  kMacSpoof,    ///< "mac_spoof": PFVFSPOOF MAC check, source MAC not a RAR entry of the pool
  kVlanSpoof,   ///< "vlan_spoof": PFVFSPOOF VLAN check, VID not granted to the pool in VLVF
  kNoPool,      ///< "no_pool": no pool's address filters accept it and no default pool
  kVlanFilter,  ///< "vlan_filter": address filters matched, but no such pool takes its VLAN
  kRxDisabled,  ///< "rx_disabled": every selected pool has its VFRE bit clear
};
inline constexpr size_t kNumDropReasons = 7;
inline constexpr std::array<DropReason, kNumDropReasons> kAllDropReasons = {
    DropReason::kMalformed, DropReason::kTxDisabled, DropReason::kMacSpoof,
    DropReason::kVlanSpoof, DropReason::kNoPool,     DropReason::kVlanFilter,
    DropReason::kRxDisabled};
std::string_view to_string(DropReason r);

/// Where a frame ends: exactly one of these.
enum class Outcome : uint8_t {
  kDelivered,         ///< to local pools only
  kWire,              ///< to the wire only
  kDeliveredAndWire,  ///< to local pools and the wire (multicast, broadcast, promiscuous copies)
  kDropped,           ///< nowhere; drop_reason() says why
};
std::string_view to_string(Outcome o);

/// The switch's decision for one frame. Invariants (checked by consistent()): dropped <=> no
/// pool and not the wire; delivered outcomes have a non-empty pool set; hide_tag() is a subset
/// of pools(). Packet accounting counts either pools().count() deliveries plus one wire frame
/// when wire(), or one drop under drop_reason().
class Verdict {
 public:
  static constexpr Verdict dropped(DropReason r) {
    Verdict v;
    v.outcome_ = Outcome::kDropped;
    v.drop_ = r;
    return v;
  }
  /// To the wire only; `insert` is the tag the device inserts in front of the frame's bytes.
  static constexpr Verdict to_wire(std::optional<VlanTag> insert) {
    Verdict v;
    v.outcome_ = Outcome::kWire;
    v.insert_ = insert;
    return v;
  }
  /// To `pools` (non-empty), and also to the wire when `wire`.
  static constexpr Verdict delivered(PoolMask pools, PoolMask hide_tag, bool wire,
                                     std::optional<VlanTag> insert) {
    Verdict v;
    v.outcome_ = wire ? Outcome::kDeliveredAndWire : Outcome::kDelivered;
    v.pools_ = pools;
    v.hide_ = PoolMask(hide_tag.bits() & pools.bits());
    v.insert_ = insert;
    return v;
  }

  constexpr Outcome outcome() const { return outcome_; }
  constexpr bool is_dropped() const { return outcome_ == Outcome::kDropped; }
  constexpr std::optional<DropReason> drop_reason() const {
    return is_dropped() ? std::optional<DropReason>(drop_) : std::nullopt;
  }
  /// Local destination pools (empty unless delivered).
  constexpr PoolMask pools() const { return pools_; }
  /// Local copies: the replication count.
  constexpr unsigned replicas() const { return pools_.count(); }
  /// Pools (a subset of pools()) that get the frame with its outer 802.1Q tag hidden: port-VLAN
  /// pools (VMVIR.VLANA = 01). The engine removes the tag and does not report it (no VP).
  constexpr PoolMask hide_tag() const { return hide_; }
  /// Whether one copy leaves on the wire.
  constexpr bool wire() const {
    return outcome_ == Outcome::kWire || outcome_ == Outcome::kDeliveredAndWire;
  }
  /// Transmit only: the tag the device inserts in front of the frame's own bytes (port VLAN
  /// from VMVIR, or the descriptor's VLE tag). Local copies and the wire copy both carry it.
  constexpr std::optional<VlanTag> inserted_tag() const { return insert_; }
  /// The invariants above; for tests and the accounting check.
  constexpr bool consistent() const {
    const bool hide_ok = (hide_.bits() & ~pools_.bits()) == 0;
    switch (outcome_) {
      case Outcome::kDropped: return pools_.empty() && hide_.empty();
      case Outcome::kWire: return pools_.empty() && hide_.empty();
      case Outcome::kDelivered:
      case Outcome::kDeliveredAndWire: return !pools_.empty() && hide_ok;
    }
    return false;
  }

 private:
  constexpr Verdict() = default;
  PoolMask pools_;
  PoolMask hide_;
  std::optional<VlanTag> insert_;
  Outcome outcome_ = Outcome::kDropped;
  DropReason drop_ = DropReason::kNoPool;
};

/// One valid receive-address entry (RAH.AV set): the address and its MPSAR pools.
struct RarEntry {
  Mac48 mac;
  uint64_t pools = 0;
};
/// One enabled VLAN pool filter (VLVF.VIEN set): the VID and its VLVFB pools.
struct VlvfEntry {
  uint16_t vid = 0;
  uint64_t pools = 0;
};

/// The switch registers, decoded. Pool sets are 64-bit masks, bit p = pool p. Plain data: it
/// can be copied, compared in tests, and built from any RegisterReader.
struct SwitchState {
  static constexpr unsigned kPools = hal::ixgbe::pf::kNumPools;

  // VT_CTL, PFDTXGSWC
  bool vt_enabled = false;    ///< VT_CTL.VT_ENABLE
  bool replicate = false;     ///< VT_CTL.REPLEN
  bool dis_def_pool = false;  ///< VT_CTL.DIS_DEFPL
  uint8_t def_pool = 0;       ///< VT_CTL.DEF_PL
  bool loopback = false;      ///< PFDTXGSWC.VT_LBEN
  // Per-pool gates and anti-spoof
  uint64_t rx_enabled = 0;      ///< VFRE
  uint64_t tx_enabled = 0;      ///< VFTE
  uint64_t mac_antispoof = 0;   ///< PFVFSPOOF b7:0
  uint64_t vlan_antispoof = 0;  ///< PFVFSPOOF b15:8
  // VMOLR accept modes
  uint64_t upe = 0, vpe = 0, aupe = 0, rompe = 0, rope = 0, bam = 0, mpe = 0;
  // VMVIR
  uint64_t port_vlan = 0;     ///< VLANA = 01: always insert port_tci[p]
  uint64_t never_insert = 0;  ///< VLANA = 10: never insert, not even the descriptor's tag
  std::array<uint16_t, kPools> port_tci{};
  // Hash filters
  bool hash_filter = false;  ///< MCSTCTRL.MFE: MTA and PFUTA take part
  uint8_t filter_type = 0;   ///< MCSTCTRL.MO
  std::array<uint32_t, hal::ixgbe::pf::kNumMta> mta{};  ///< multicast hash table
  std::array<uint32_t, hal::ixgbe::pf::kNumUta> uta{};  ///< unicast hash table (PFUTA)
  // Exact filters, only the valid entries, in register order
  std::array<RarEntry, hal::ixgbe::pf::kNumRar> rar{};
  unsigned num_rar = 0;
  std::array<VlvfEntry, hal::ixgbe::pf::kNumVlvf> vlvf{};
  unsigned num_vlvf = 0;

  /// Decodes every switch register through `read`. Cold path (one read per register).
  static SwitchState load(const RegisterReader& read);

  /// Union of the MPSAR pools of every valid RAR entry holding `mac`.
  uint64_t rar_pools(Mac48 mac) const {
    uint64_t pools = 0;
    for (unsigned i = 0; i < num_rar; ++i) pools |= rar[i].mac == mac ? rar[i].pools : 0;
    return pools;
  }
  /// Union of the VLVFB pools of every enabled VLVF entry for `vid`.
  uint64_t vlvf_pools(uint16_t vid) const {
    uint64_t pools = 0;
    for (unsigned i = 0; i < num_vlvf; ++i) pools |= vlvf[i].vid == vid ? vlvf[i].pools : 0;
    return pools;
  }
  using HashTable = std::array<uint32_t, hal::ixgbe::pf::kNumMta>;
  static_assert(hal::ixgbe::pf::kNumUta == hal::ixgbe::pf::kNumMta);
  /// Whether `mac`'s hash bit is set in `table` (MTA or PFUTA) and the hash filter is on.
  bool hash_hit(const HashTable& table, Mac48 mac) const {
    if (!hash_filter) return false;
    const uint16_t h = hal::ixgbe::pf::mta::hash(mac.byte(4), mac.byte(5), filter_type);
    return (table[hal::ixgbe::pf::mta::reg_index(h)] & hal::ixgbe::pf::mta::bit(h)) != 0;
  }
};

/// Transmit from `src_pool` (VF n = pool n; the PF transmits from VT_CTL.DEF_PL). `offload_tag`
/// is the tag a data descriptor asks to insert (DCMD.VLE with the context's VLAN), if any.
/// Pure: reads only `s`. Never allocates.
Verdict classify_transmit(const SwitchState& s, unsigned src_pool, const FrameView& frame,
                          std::optional<VlanTag> offload_tag = std::nullopt);
/// A frame arriving from the wire. Pure: reads only `s`. Never allocates.
Verdict classify_receive(const SwitchState& s, const FrameView& frame);

/// Verdicts of recent transmits, keyed by everything classify_transmit() reads from a frame
/// (source pool, both addresses, the in-band tag, the offload tag), valid for one snapshot.
/// A stream of frames between the same endpoints is classified once per snapshot: the device
/// engine classifies every frame it moves.
class TransmitCache {
 public:
  static constexpr unsigned kEntries = 256;  // a power of two
  struct Key {
    uint64_t a = 0, b = 0;  // a: dst | pool << 48 | flags; b: src | in-band TCI << 48
    uint16_t offload = 0;
    bool operator==(const Key&) const = default;
  };
  /// The offload tag as two plain values: a std::optional<VlanTag> built on the stack and read
  /// back as one word stalls store forwarding (it showed per frame in the engine's profile).
  static Key key(unsigned src_pool, const FrameView& f, bool has_offload, uint16_t offload_tci) {
    return Key{f.dst().bits() | uint64_t{src_pool & 0x7Fu} << 48 | uint64_t{f.tagged()} << 55 |
                   uint64_t{has_offload} << 56,
               f.src().bits() | uint64_t{f.tagged() ? f.tag().tci : 0u} << 48,
               has_offload ? offload_tci : uint16_t{0}};
  }
  /// The cached verdict for `k` under snapshot generation `gen`, or null.
  const Verdict* find(const Key& k, uint64_t gen) const {
    const Entry& e = entries_[slot(k)];
    return e.gen == gen && e.key == k ? &e.verdict : nullptr;
  }
  void put(const Key& k, uint64_t gen, const Verdict& v) { entries_[slot(k)] = Entry{k, gen, v}; }

 private:
  struct Entry {
    Key key;
    uint64_t gen = 0;  // 0: never filled (generations start at 1)
    Verdict verdict = Verdict::dropped(DropReason::kNoPool);
  };
  static unsigned slot(const Key& k) {
    // Multiplicative mixing of both words; the top bits index the table.
    const uint64_t h = (k.a * 0x9E3779B97F4A7C15ull) ^ (k.b * 0xC2B2AE3D27D4EB4Full) ^ k.offload;
    return static_cast<unsigned>(h >> 56) & (kEntries - 1);
  }
  std::array<Entry, kEntries> entries_{};
};

/// The switch with its cached snapshot.
///
/// Invalidation: the snapshot is rebuilt on the first classification after invalidate().
/// The owner must call invalidate() (or note_write()) whenever a register the switch reads
/// may have changed: on every PF BAR write for which is_switch_register(offset) holds, on a
/// device reset that clears the register file, and when the model itself changes one of these
/// registers (a VF FLR clearing the VF's VFRE/VFTE bits).
///
/// Thread safety: none; the device model calls it under its device lock.
class L2Switch {
 public:
  explicit L2Switch(RegisterReader read) : read_(read) {}

  /// Whether `offset` (PF BAR0) is a register the switch reads.
  static constexpr bool is_switch_register(uint32_t offset);

  /// The next classification rebuilds the snapshot.
  void invalidate() { stale_ = true; }
  /// invalidate() when `offset` is a switch register; what a PF write handler calls.
  void note_write(uint32_t offset) {
    if (is_switch_register(offset)) stale_ = true;
  }
  /// The current snapshot, rebuilt first if stale.
  const SwitchState& state() {
    if (stale_) reload();
    return state_;
  }
  /// How many times the snapshot was built (tests, benchmarks).
  uint64_t reloads() const { return reloads_; }

  /// classify_transmit() on the current snapshot (through the transmit cache).
  Verdict transmit(unsigned src_pool, const FrameView& frame,
                   std::optional<VlanTag> offload_tag = std::nullopt) {
    return transmit(src_pool, frame, offload_tag.has_value(), offload_tag ? offload_tag->tci : uint16_t{0});
  }
  /// The same with the offload tag as plain values (the device engine's per-frame call).
  Verdict transmit(unsigned src_pool, const FrameView& frame, bool has_offload, uint16_t offload_tci) {
    const SwitchState& s = state();
    const TransmitCache::Key k = TransmitCache::key(src_pool, frame, has_offload, offload_tci);
    if (const Verdict* hit = cache_->find(k, reloads_)) return *hit;
    const Verdict v = classify_transmit(s, src_pool, frame,
                                        has_offload ? std::optional<VlanTag>(VlanTag{offload_tci}) : std::nullopt);
    cache_->put(k, reloads_, v);
    return v;
  }
  /// Parses `bytes` first: a parse error is a kMalformed drop.
  Verdict transmit(unsigned src_pool, std::span<const uint8_t> bytes,
                   std::optional<VlanTag> offload_tag = std::nullopt);
  /// classify_receive() on the current snapshot.
  Verdict receive(const FrameView& frame) { return classify_receive(state(), frame); }
  /// Parses `bytes` first: a parse error is a kMalformed drop.
  Verdict receive(std::span<const uint8_t> bytes);

 private:
  void reload();

  RegisterReader read_;
  SwitchState state_;
  bool stale_ = true;
  uint64_t reloads_ = 0;  // also the transmit cache's generation: a reload invalidates it
  std::unique_ptr<TransmitCache> cache_ = std::make_unique<TransmitCache>();
};

constexpr bool L2Switch::is_switch_register(uint32_t off) {
  namespace r = hal::ixgbe::pf;
  const auto in = [off](hal::Reg32 first, hal::Reg32 last) {
    return off >= first.offset && off <= last.offset;
  };
  constexpr unsigned kLastPool = r::kNumPools - 1;
  return off == r::VT_CTL.offset || off == r::PFDTXGSWC.offset || off == r::MCSTCTRL.offset ||
         in(r::VFRE(0), r::VFRE(1)) || in(r::VFTE(0), r::VFTE(1)) ||
         in(r::PFVFSPOOF(0), r::PFVFSPOOF(r::kNumPools / r::pfvfspoof::kPoolsPerReg - 1)) ||
         in(r::VMOLR(0), r::VMOLR(kLastPool)) || in(r::VMVIR(0), r::VMVIR(kLastPool)) ||
         in(r::VLVF(0), r::VLVF(r::kNumVlvf - 1)) || in(r::VLVFB(0), r::VLVFB(2 * r::kNumVlvf - 1)) ||
         in(r::RAL(0), r::RAH(15)) || in(r::RAL(16), r::RAH(r::kNumRar - 1)) ||
         in(r::MPSAR_LO(0), r::MPSAR_HI(r::kNumRar - 1)) || in(r::MTA(0), r::MTA(r::kNumMta - 1)) ||
         in(r::PFUTA(0), r::PFUTA(r::kNumUta - 1));
}

}  // namespace sim

template <>
struct fmt::formatter<sim::DropReason> : fmt::formatter<std::string_view> {
  auto format(sim::DropReason r, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(sim::to_string(r), ctx);
  }
};
template <>
struct fmt::formatter<sim::Outcome> : fmt::formatter<std::string_view> {
  auto format(sim::Outcome o, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(sim::to_string(o), ctx);
  }
};
