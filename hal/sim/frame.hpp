#pragma once
// A non-owning, parsed view of one Ethernet frame as the simulated 82599's switch sees it:
// destination and source address, the outer 802.1Q tag if there is one, the ethertype after
// it, and the length. Parsing checks every bound; it never allocates and never throws.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <expected>
#include <span>
#include <string_view>

#include <fmt/format.h>

#include "hal/types.hpp"

namespace sim {

/// A 48-bit MAC address packed the way RAL/RAH hold it: byte 0 (first on the wire) in bits 7:0,
/// byte 5 in bits 47:40. Comparing a frame's address with a RAR entry is one integer compare.
class Mac48 {
 public:
  constexpr Mac48() = default;
  constexpr explicit Mac48(uint64_t bits) : bits_(bits & kMask) {}
  static constexpr Mac48 from(const hal::MacAddr& m) {
    uint64_t v = 0;
    for (unsigned i = 0; i < 6; ++i) v |= uint64_t{m[i]} << (8 * i);
    return Mac48(v);
  }
  /// From the two receive-address registers of one RAR entry (RAL, RAH bits 15:0).
  static constexpr Mac48 from_rar(uint32_t ral, uint32_t rah) {
    return Mac48(uint64_t{ral} | uint64_t{rah & 0xFFFFu} << 32);
  }

  constexpr uint64_t bits() const { return bits_; }
  constexpr uint8_t byte(unsigned i) const { return static_cast<uint8_t>(bits_ >> (8 * i)); }
  constexpr bool is_multicast() const { return (bits_ & 1u) != 0; }  // I/G bit of byte 0
  constexpr bool is_broadcast() const { return bits_ == kMask; }
  hal::MacAddr to_mac_addr() const {
    return hal::MacAddr({byte(0), byte(1), byte(2), byte(3), byte(4), byte(5)});
  }
  constexpr bool operator==(const Mac48&) const = default;

 private:
  static constexpr uint64_t kMask = (uint64_t{1} << 48) - 1;
  uint64_t bits_ = 0;
};

/// An 802.1Q tag control word (TCI): PCP b15:13, DEI b12, VID b11:0.
struct VlanTag {
  uint16_t tci = 0;

  static constexpr VlanTag make(uint16_t vid, uint8_t pcp = 0, bool dei = false) {
    return {static_cast<uint16_t>((vid & kVidMask) | (uint16_t{pcp} & 7u) << kPcpShift |
                                  (dei ? kDei : 0u))};
  }
  constexpr uint16_t vid() const { return tci & kVidMask; }
  constexpr uint8_t pcp() const { return static_cast<uint8_t>(tci >> kPcpShift); }
  constexpr bool dei() const { return (tci & kDei) != 0; }
  constexpr bool operator==(const VlanTag&) const = default;

  static constexpr uint16_t kVidMask = 0x0FFF;
  static constexpr uint16_t kDei = 1u << 12;
  static constexpr unsigned kPcpShift = 13;
};

/// Why a byte buffer is not a frame the switch can classify.
enum class FrameError : uint8_t {
  kRunt,          ///< shorter than the 14-byte Ethernet header
  kTruncatedTag,  ///< TPID 0x8100 but fewer than the 18 bytes an 802.1Q header needs
};
std::string_view to_string(FrameError e);

/// The parsed view. It points into the caller's buffer, which must outlive it.
///
/// What counts as a parse error is only what makes the L2 header unreadable: a runt (under 14
/// bytes) or a truncated tag. The 60-byte Ethernet minimum is the MAC's business (TX pads,
/// RX counts undersize), not the parser's. Only the outer tag is decoded; an inner tag (QinQ)
/// is payload. Thread-safe: immutable.
class FrameView {
 public:
  static constexpr size_t kHeaderLen = 14;
  static constexpr size_t kTagLen = 4;
  static constexpr uint16_t kTpid8021Q = 0x8100;

  /// Parses `bytes` (destination address first, no FCS). Never allocates. Inline: the device
  /// engine parses every frame it moves.
  static std::expected<FrameView, FrameError> parse(std::span<const uint8_t> bytes) {
    if (bytes.size() < kHeaderLen) return std::unexpected(FrameError::kRunt);
    FrameView f;
    f.bytes_ = bytes;
    f.dst_ = mac_at(bytes.data());
    f.src_ = mac_at(bytes.data() + 6);
    const uint16_t type = be16(bytes.data() + 12);
    if (type != kTpid8021Q) {
      f.ethertype_ = type;
      return f;
    }
    // The tag is TPID (2 bytes, already read) + TCI (2) and the real ethertype (2) after it.
    if (bytes.size() < kHeaderLen + kTagLen) return std::unexpected(FrameError::kTruncatedTag);
    f.tagged_ = true;
    f.tag_ = VlanTag{be16(bytes.data() + 14)};
    f.ethertype_ = be16(bytes.data() + 16);
    return f;
  }

  Mac48 dst() const { return dst_; }
  Mac48 src() const { return src_; }
  bool is_broadcast() const { return dst_.is_broadcast(); }
  bool is_multicast() const { return dst_.is_multicast(); }  ///< broadcast included
  /// Whether an 802.1Q tag follows the source address.
  bool tagged() const { return tagged_; }
  /// The outer tag; meaningful only when tagged().
  VlanTag tag() const { return tag_; }
  /// The ethertype (or 802.3 length) after the tag, if any.
  uint16_t ethertype() const { return ethertype_; }
  /// Bytes of the L2 header: 14, or 18 with a tag.
  size_t header_len() const { return tagged_ ? kHeaderLen + kTagLen : kHeaderLen; }
  size_t length() const { return bytes_.size(); }
  std::span<const uint8_t> bytes() const { return bytes_; }

 private:
  FrameView() = default;
  static uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(uint16_t{p[0]} << 8 | p[1]); }
  /// Six bytes as Mac48 (byte 0 in bits 7:0): two loads on a little-endian host.
  static Mac48 mac_at(const uint8_t* p) {
    uint32_t lo;
    uint16_t hi;
    std::memcpy(&lo, p, sizeof lo);
    std::memcpy(&hi, p + 4, sizeof hi);
    if constexpr (std::endian::native == std::endian::little) {
      return Mac48(uint64_t{lo} | uint64_t{hi} << 32);
    } else {
      uint64_t v = 0;
      for (unsigned i = 0; i < 6; ++i) v |= uint64_t{p[i]} << (8 * i);
      return Mac48(v);
    }
  }
  std::span<const uint8_t> bytes_;
  Mac48 dst_;
  Mac48 src_;
  VlanTag tag_;
  uint16_t ethertype_ = 0;
  bool tagged_ = false;
};

}  // namespace sim

template <>
struct fmt::formatter<sim::FrameError> : fmt::formatter<std::string_view> {
  auto format(sim::FrameError e, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(sim::to_string(e), ctx);
  }
};
