#pragma once
// Receive-side scaling of the simulated 82599 as a pure component: from the RSS registers the
// PF programmed (MRQC, RSSRK, RETA, PSRTYPE, RXCSUM; datasheet 7.1.2.8, spec 2 and 6) and one
// frame's bytes it computes the RSS type and 32-bit Toeplitz hash the RX descriptor reports
// (spec 5a) and the queue the frame goes to: the queue offset inside its pool in the VMDq+RSS
// modes, the absolute queue without VT. It moves no bytes and reads no register itself.
//
// Cost model: registers are decoded once into an RssState (about 37 KiB, no heap), rebuilt only
// when one of them is written; the 40-byte key is expanded into one 256-entry table per input
// byte, so hashing an IPv4 4-tuple is 12 table loads and XORs. Nothing on the hash/select path
// allocates, throws, locks or logs.
//
// Rules and every assumption: docs/sim-model.md, "RSS".

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "hal/ixgbe/regs_pf.hpp"

namespace sim {

/// The receive queueing mode MRQC.MRQE selects (datasheet 8.2.3.7.12; spec 2 and 6).
enum class MrqMode : uint8_t {
  kNone,       ///< 0x0: one queue, no RSS
  kRss,        ///< 0x1: RSS over 16 queues (no VT)
  kDcb,        ///< 0x2, 0x3: DCB without RSS
  kDcbRss,     ///< 0x4, 0x5: DCB with 16 RSS queues per TC (the model uses TC 0's queues)
  kVmdq,       ///< 0x8: VT, 64 pools, no RSS
  kVmdqRss32,  ///< 0xA: VT, 32 pools x 4 RSS queues
  kVmdqRss64,  ///< 0xB: VT, 64 pools x 2 RSS queues
  kVmdqDcb,    ///< 0xC, 0xD: VT with DCB, no RSS
  kReserved,   ///< 0x6, 0x7, 0x9, 0xE, 0xF: treated as no RSS
};
/// MRQC.MRQE (b3:0) of `mrqc` as a mode.
MrqMode decode_mrqe(uint32_t mrqc);
std::string_view to_string(MrqMode m);
/// RSS queues per pool in `m` (16 without VT), or 0 when `m` does no RSS.
unsigned rss_queues(MrqMode m);
/// Pools in `m`: 32 or 64 in the VMDq modes, else 0.
unsigned rss_pools(MrqMode m);

/// The register values RSS depends on, read without side effects. `psrtype[p]` is pool p's
/// PSRTYPE; for a VF's pool that is the register the VF writes as VFPSRTYPE (the same register
/// seen through the VF BAR), which the device model keeps apart: the caller patches it in.
struct RssRegisters {
  uint32_t mrqc = 0;
  uint32_t rxcsum = 0;
  std::array<uint32_t, hal::ixgbe::pf::kNumRssrk> rssrk{};
  std::array<uint32_t, hal::ixgbe::pf::kNumReta> reta{};
  std::array<uint32_t, hal::ixgbe::pf::kNumPools> psrtype{};

  /// Reads every field through `rd`, any callable `uint32_t(hal::Reg32)` (a sim::RegisterReader
  /// over the device's register file, a test's lambda). PSRTYPE comes from the PF offsets.
  template <class Read>
  static RssRegisters read(const Read& rd) {
    namespace pfr = hal::ixgbe::pf;
    RssRegisters r;
    r.mrqc = rd(pfr::MRQC);
    r.rxcsum = rd(pfr::RXCSUM);
    for (unsigned i = 0; i < r.rssrk.size(); ++i) r.rssrk[i] = rd(pfr::RSSRK(i));
    for (unsigned i = 0; i < r.reta.size(); ++i) r.reta[i] = rd(pfr::RETA(i));
    for (unsigned p = 0; p < r.psrtype.size(); ++p) r.psrtype[p] = rd(pfr::PSRTYPE(p));
    return r;
  }
  /// Whether a PF BAR write at `offset` can change RSS: MRQC, RXCSUM, RSSRK(0..9), RETA(0..31),
  /// PSRTYPE(0..63). (A VF's VFPSRTYPE write changes it too; see the integration note.)
  static bool is_rss_register(uint32_t offset);
};

/// The Toeplitz hash (Microsoft RSS; datasheet 7.1.2.8.1) with a fixed 40-byte key, expanded
/// into a table per input byte: table[i][v] is the XOR of the key windows that byte value v at
/// input position i selects. Inputs are at most 36 bytes (IPv6 addresses and ports).
class Toeplitz {
 public:
  static constexpr size_t kKeyBytes = 40;
  static constexpr size_t kMaxInput = 36;
  using Key = std::array<uint8_t, kKeyBytes>;

  /// The all-zero key, whose table is all zeros: nothing to expand.
  Toeplitz() = default;
  explicit Toeplitz(const Key& key) { set_key(key); }
  /// Expands `key` (K[0] leftmost: its MSB is the first key bit). About 74k operations.
  void set_key(const Key& key);
  /// The hash of `input` (network byte order, at most kMaxInput bytes; longer input is cut).
  uint32_t hash(std::span<const uint8_t> input) const {
    uint32_t h = 0;
    const size_t n = input.size() < kMaxInput ? input.size() : kMaxInput;
    for (size_t i = 0; i < n; ++i) h ^= table_[i][input[i]];
    return h;
  }

 private:
  std::array<std::array<uint32_t, 256>, kMaxInput> table_{};
};

/// What RSS says about one frame.
struct RssHash {
  uint32_t hash = 0;  ///< descriptor dword 1 (when RXCSUM.PCSD is set); 0 when not hashed
  uint8_t type = 0;   ///< descriptor dword 0 b3:0: hal::ixgbe::rss_type::k*, kNone when not hashed
  uint8_t index = 0;  ///< RSS output index: RETA[hash & 0x7F] b3:0; 0 when not hashed
  bool hashed() const { return type != 0; }
};

/// A frame's RSS result and the queue it selects.
struct RssSelection {
  RssHash rss;
  /// VMDq+RSS: the queue offset inside the pool (add pool * queues-per-pool); RSS without VT:
  /// the absolute queue; any other mode: 0.
  unsigned queue_offset = 0;
};

/// The decoded RSS registers. Rebuild with rebuild() whenever one of them was written (the
/// key table only when the key changed); hash()/select() only read it. Not thread-safe against
/// rebuild(); concurrent readers are fine. About 37 KiB: keep it inside a heap-allocated owner.
class RssState {
 public:
  /// RSS off (MRQC = 0) with an all-zero key.
  RssState() = default;

  /// Decodes `r`. Re-expands the key table only if RSSRK changed (the expensive part).
  void rebuild(const RssRegisters& r);

  MrqMode mode() const { return mode_; }
  /// Whether the mode does RSS at all (hash() returns kNone for every frame otherwise).
  bool enabled() const { return rss_queues(mode_) != 0; }
  /// RXCSUM.PCSD: the descriptor's dword 1 carries the hash (else IP id and checksum).
  bool hash_in_descriptor() const { return pcsd_; }
  /// The MRQC hash-field enables (b24:16) in force.
  uint32_t fields() const { return fields_; }

  /// Parses `frame` (destination address first, no FCS, an optional outer 802.1Q tag) and
  /// hashes the fields the enabled function with the highest priority takes. kNone (hash and
  /// index 0) when RSS is off, the frame is not IPv4/IPv6, or no enabled function applies.
  RssHash hash(std::span<const uint8_t> frame) const;
  /// The queue `h` selects for a copy delivered to `pool` (ignored without VT). In the VMDq+RSS
  /// modes the output index is masked to the pool's queues: 1 bit (64 pools) or 2 (32 pools),
  /// further limited by the pool's PSRTYPE.RQPL. A pool the mode does not have gets 0.
  unsigned queue_offset(const RssHash& h, unsigned pool) const {
    if (mode_ == MrqMode::kRss || mode_ == MrqMode::kDcbRss) return h.index;
    return pool < pool_mask_.size() ? (h.index & pool_mask_[pool]) : 0u;
  }
  /// hash() then queue_offset(). A frame replicated to several pools: hash() once, then
  /// queue_offset() per pool.
  RssSelection select(std::span<const uint8_t> frame, unsigned pool) const {
    const RssHash h = hash(frame);
    return {h, queue_offset(h, pool)};
  }

  /// RETA entry i (0..127), its low 4 bits.
  uint8_t reta_entry(unsigned i) const { return reta_[i & (reta_.size() - 1)]; }
  /// How many times the key table was expanded (tests: RETA writes must not re-expand it).
  uint64_t key_expansions() const { return key_expansions_; }

 private:
  Toeplitz toeplitz_;
  Toeplitz::Key key_{};  // the key toeplitz_ was expanded from
  std::array<uint8_t, hal::ixgbe::pf::reta::kNumEntries> reta_{};
  /// Per pool: the mask on the output index (0 when the mode gives pools no RSS queues).
  std::array<uint8_t, hal::ixgbe::pf::kNumPools> pool_mask_{};
  MrqMode mode_ = MrqMode::kNone;
  uint32_t fields_ = 0;
  bool pcsd_ = false;
  uint64_t key_expansions_ = 0;
};

}  // namespace sim
