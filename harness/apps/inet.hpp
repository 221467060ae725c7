#pragma once
// The few Ethernet, ARP, IPv4, UDP and ICMP fields the guest apps read and write, as byte
// offsets (RFC 826, 791, 768, 792), with big-endian loads and stores through memcpy so a frame
// at any alignment is read without aliasing tricks; and the Internet checksum (RFC 1071) over
// bytes or an mbuf chain.

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

struct rte_mbuf;

namespace harness::apps::inet {

inline constexpr uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeVlan = 0x8100;  // 802.1Q TPID

/// Ethernet header: destination, source, then the ethertype (or the 802.1Q TPID, TCI, type).
namespace eth {
inline constexpr unsigned kDst = 0;
inline constexpr unsigned kSrc = 6;
inline constexpr unsigned kType = 12;
inline constexpr unsigned kHeaderLen = 14;
inline constexpr unsigned kTagLen = 4;
/// Without FCS: 64 bytes on the wire.
inline constexpr unsigned kMinFrameLen = 60;
}  // namespace eth

/// ARP for IPv4 over Ethernet, from the start of the ARP packet.
namespace arp {
inline constexpr unsigned kHtype = 0;  // 1: Ethernet
inline constexpr unsigned kPtype = 2;  // 0x0800
inline constexpr unsigned kHlen = 4;   // 6
inline constexpr unsigned kPlen = 5;   // 4
inline constexpr unsigned kOper = 6;
inline constexpr unsigned kSha = 8;
inline constexpr unsigned kSpa = 14;
inline constexpr unsigned kTha = 18;
inline constexpr unsigned kTpa = 24;
inline constexpr unsigned kLen = 28;
inline constexpr uint16_t kHtypeEthernet = 1;
inline constexpr uint16_t kOperRequest = 1;
inline constexpr uint16_t kOperReply = 2;
}  // namespace arp

/// IPv4 header, from its first byte.
namespace ipv4 {
inline constexpr unsigned kVersionIhl = 0;
inline constexpr unsigned kTotalLen = 2;
inline constexpr unsigned kId = 4;
inline constexpr unsigned kFragment = 6;  // flags (3 bits) and fragment offset (13 bits)
inline constexpr unsigned kTtl = 8;
inline constexpr unsigned kProto = 9;
inline constexpr unsigned kChecksum = 10;
inline constexpr unsigned kSrc = 12;
inline constexpr unsigned kDst = 16;
inline constexpr unsigned kMinLen = 20;
inline constexpr uint8_t kVersionIhl5 = 0x45;  // version 4, 5 words: no options
inline constexpr uint16_t kFlagDf = 0x4000;
inline constexpr uint16_t kFlagMf = 0x2000;
inline constexpr uint16_t kOffsetMask = 0x1FFF;
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kDefaultTtl = 64;
}  // namespace ipv4

namespace udp {
inline constexpr unsigned kSrcPort = 0;
inline constexpr unsigned kDstPort = 2;
inline constexpr unsigned kLen = 4;
inline constexpr unsigned kChecksum = 6;
inline constexpr unsigned kHeaderLen = 8;
}  // namespace udp

namespace icmp {
inline constexpr unsigned kType = 0;
inline constexpr unsigned kCode = 1;
inline constexpr unsigned kChecksum = 2;
inline constexpr unsigned kHeaderLen = 8;  // type, code, checksum, identifier, sequence
inline constexpr uint8_t kEchoReply = 0;
inline constexpr uint8_t kEchoRequest = 8;
}  // namespace icmp

inline uint16_t load16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return std::endian::native == std::endian::little ? std::byteswap(v) : v;
}
inline uint32_t load32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return std::endian::native == std::endian::little ? std::byteswap(v) : v;
}
inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return std::endian::native == std::endian::little ? std::byteswap(v) : v;
}
inline void store16(uint8_t* p, uint16_t v) {
  if constexpr (std::endian::native == std::endian::little) v = std::byteswap(v);
  std::memcpy(p, &v, sizeof v);
}
inline void store32(uint8_t* p, uint32_t v) {
  if constexpr (std::endian::native == std::endian::little) v = std::byteswap(v);
  std::memcpy(p, &v, sizeof v);
}
inline void store64(uint8_t* p, uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) v = std::byteswap(v);
  std::memcpy(p, &v, sizeof v);
}

/// An IPv4 address in network byte order.
class Ipv4Addr {
 public:
  constexpr Ipv4Addr() = default;
  constexpr explicit Ipv4Addr(std::array<uint8_t, 4> b) : b_(b) {}
  constexpr const std::array<uint8_t, 4>& bytes() const { return b_; }
  constexpr auto operator<=>(const Ipv4Addr&) const = default;
  /// The address as a host-order integer (10.0.0.1 is 0x0A000001).
  constexpr uint32_t value() const {
    return uint32_t{b_[0]} << 24 | uint32_t{b_[1]} << 16 | uint32_t{b_[2]} << 8 | b_[3];
  }
  constexpr bool is_zero() const { return value() == 0; }
  /// Dotted quad, "10.0.0.1": four decimal numbers 0..255 without leading '+' or spaces;
  /// nullopt on anything else.
  static std::optional<Ipv4Addr> parse(std::string_view text);
  std::string to_string() const;

 private:
  std::array<uint8_t, 4> b_{};
};

/// The one's complement sum of `len` bytes (RFC 1071), folded to 16 bits and not complemented,
/// big-endian words; an odd last byte is padded with zero. `seed` is a partial sum to add on.
uint16_t ones_sum(const uint8_t* p, size_t len, uint32_t seed = 0);

/// The same over bytes [off, off + len) of an mbuf chain, across segment boundaries (a word
/// may straddle two segments). nullopt when the chain holds fewer than off + len bytes.
std::optional<uint16_t> ones_sum(const rte_mbuf* m, uint32_t off, uint32_t len);

/// A stored checksum after one 16-bit word it covers changed from `old_word` to `new_word`
/// (RFC 1624, eqn. 3): no pass over the data.
inline uint16_t checksum_adjust(uint16_t checksum, uint16_t old_word, uint16_t new_word) {
  uint32_t s =
      uint32_t{static_cast<uint16_t>(~checksum)} + static_cast<uint16_t>(~old_word) + new_word;
  s = (s & 0xFFFF) + (s >> 16);
  s = (s & 0xFFFF) + (s >> 16);
  return static_cast<uint16_t>(~s);
}

}  // namespace harness::apps::inet

template <>
struct fmt::formatter<harness::apps::inet::Ipv4Addr> : fmt::formatter<std::string_view> {
  auto format(const harness::apps::inet::Ipv4Addr& a, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(a.to_string(), ctx);
  }
};
