#pragma once
// A minimal pcapng writer: one Section Header Block, one Interface Description Block, then an
// Enhanced Packet Block per frame, laid out as the pcapng specification
// (draft-ietf-opsawg-pcapng) defines them, in host byte order (the byte-order magic tells
// readers which).
//
// Why our own rather than a library: libpcap 1.10 (Debian 12's) writes only the older pcap
// format, which has no per-packet direction and no interface name; DPDK 22.11's rte_pcapng
// writes interface blocks only for ethdev ports and takes packets only as mbufs copied from an
// ethdev port, while sriovctl's capture points (a simulated VF's rings, the simulated wire,
// seen from another process) are not ethdev ports. What is needed here is about a hundred
// lines of block layout.
//
// Options written: shb_userappl; if_name, if_description, if_tsresol (9: nanoseconds);
// epb_flags carrying the direction (bits 0-1: 1 inbound, 2 outbound).

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ctl/unique_fd.hpp"

namespace sriovctl::pcapng {

inline constexpr uint32_t kSectionHeaderBlock = 0x0A0D0D0A;
inline constexpr uint32_t kInterfaceDescriptionBlock = 0x00000001;
inline constexpr uint32_t kEnhancedPacketBlock = 0x00000006;
inline constexpr uint32_t kByteOrderMagic = 0x1A2B3C4D;
inline constexpr uint16_t kLinkTypeEthernet = 1;

enum class Direction : uint8_t { kUnknown = 0, kInbound = 1, kOutbound = 2 };

struct Interface {
  uint16_t linktype = kLinkTypeEthernet;
  uint32_t snaplen = 65535;
  std::string name;         ///< if_name, e.g. "sim0 vf 3"; left out when empty
  std::string description;  ///< if_description; left out when empty
};

struct Packet {
  uint64_t time_ns = 0;  ///< since the Unix epoch (if_tsresol 9)
  uint32_t orig_len = 0;
  Direction direction = Direction::kUnknown;  ///< kUnknown: no epb_flags option
  std::span<const std::byte> data;            ///< cut to the interface's snaplen when longer
};

/// The blocks' bytes, for the writer and for tests.
std::vector<std::byte> section_header_block(std::string_view user_application);
std::vector<std::byte> interface_description_block(const Interface& itf);
std::vector<std::byte> enhanced_packet_block(uint32_t interface_id, uint32_t snaplen,
                                             const Packet& p);

/// A pcapng file being written: the header blocks at open, then one write(2) per packet, so
/// what is on disk is a valid file after every packet (an interrupted capture stays readable).
/// Move-only; not thread-safe.
class Writer {
 public:
  /// Creates (truncating) `path` with mode 0644, or writes to standard output for "-", and
  /// writes the Section Header Block and `itf`'s Interface Description Block. Errors: one line
  /// naming the path and the errno text.
  static std::expected<Writer, std::string> open(const std::string& path, const Interface& itf,
                                                 std::string_view user_application);
  /// Appends one Enhanced Packet Block on interface 0. Errors: as open().
  std::expected<void, std::string> write(const Packet& p);
  uint64_t packets() const { return packets_; }

 private:
  Writer(ctl::UniqueFd fd, std::string path, uint32_t snaplen)
      : fd_(std::move(fd)), path_(std::move(path)), snaplen_(snaplen) {}
  std::expected<void, std::string> write_all(std::span<const std::byte> bytes);

  ctl::UniqueFd fd_;
  std::string path_;
  uint32_t snaplen_;
  uint64_t packets_ = 0;
};

}  // namespace sriovctl::pcapng
