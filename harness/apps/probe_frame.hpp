#pragma once
// The frames TrafficGen sends and Sink checks: UDP over IPv4 over Ethernet (optionally with an
// in-band 802.1Q tag), so tshark and a Linux stack see an ordinary datagram. What makes it a
// probe:
//   UDP destination port  the probe port (kProbeUdpPort unless configured)
//   UDP source port       the flow id: flows are distinct 5-tuples, as RSS would see them
//   payload bytes 0..7    sequence number, per flow, from 0 (big-endian)
//   payload bytes 8..15   the sender's TSC when the burst was built (big-endian)
// The flow id rides in the UDP port instead of the payload so that the headers fit a 60-byte
// frame untagged (14 + 20 + 8 + 16 = 58). The rest of the payload is whatever the mbuf held:
// the generator never writes it (that would cost a pass over every jumbo frame). The IPv4
// header is complete (checksum included; DF set, ID 0, TTL 64); the UDP checksum is 0 ("none",
// allowed for IPv4), since the payload is not written.

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hal/types.hpp"
#include "harness/apps/inet.hpp"

namespace harness::apps {

/// In the dynamic range (49152..65535): nobody's service, so nothing else is taken for a probe.
inline constexpr uint16_t kProbeUdpPort = 0xC0DE;  // 49374
/// The payload's probe fields: sequence number and timestamp.
inline constexpr unsigned kProbePayloadLen = 16;
/// Longest frame without FCS: a 9000-byte MTU, the Ethernet header and one tag.
inline constexpr uint32_t kMaxFrameLen = 9000 + inet::eth::kHeaderLen + inet::eth::kTagLen;

/// What a probe frame carries besides its sequence number and timestamp.
struct ProbeSpec {
  hal::MacAddr dst;
  hal::MacAddr src;
  /// An in-band 802.1Q tag (TPID 0x8100, this TCI) after the source address.
  std::optional<uint16_t> vlan_tci;
  inet::Ipv4Addr src_ip{{10, 0, 0, 1}};
  inet::Ipv4Addr dst_ip{{10, 0, 0, 2}};
  uint16_t flow = 0;
  uint16_t udp_port = kProbeUdpPort;
  /// L2 length without FCS: max(60, header length) .. kMaxFrameLen.
  uint32_t frame_len = inet::eth::kMinFrameLen;
};

/// A probe's headers, built once: a sender copies `bytes[0, len)` into each frame and then
/// writes the sequence number and timestamp at `seq_offset`.
struct ProbeHeader {
  static constexpr unsigned kMaxLen = 64;
  std::array<uint8_t, kMaxLen> bytes{};
  uint16_t len = 0;         ///< headers plus the probe fields
  uint16_t seq_offset = 0;  ///< the sequence number; the timestamp follows it
};

/// Builds the headers of `spec`'s frames. Errors: a frame length out of range (one line).
std::expected<ProbeHeader, std::string> build_probe_header(const ProbeSpec& spec);

/// Writes sequence number and timestamp into a frame that starts with the header's bytes.
inline void write_probe_fields(uint8_t* frame, const ProbeHeader& h, uint64_t seq, uint64_t tsc) {
  inet::store64(frame + h.seq_offset, seq);
  inet::store64(frame + h.seq_offset + 8, tsc);
}

/// A whole probe frame as bytes (the payload past the probe fields zeroed): for tests and for
/// crafting frames by hand. Errors as build_probe_header.
std::expected<std::vector<uint8_t>, std::string> probe_frame_bytes(const ProbeSpec& spec,
                                                                   uint64_t seq, uint64_t tsc);

/// What a received probe says.
struct ProbeFields {
  uint16_t flow;
  uint64_t seq;
  uint64_t tsc;
};

/// Reads a probe out of a frame whose first `head` bytes are contiguous (the first segment) and
/// whose whole length is `frame_len`. nullopt unless it is one: IPv4 without options (after at
/// most one in-band 802.1Q tag), not a fragment, UDP to `udp_port`, IPv4 total length and UDP
/// length both matching `frame_len`, and the probe fields within `head`.
std::optional<ProbeFields> parse_probe(std::span<const uint8_t> head, uint32_t frame_len,
                                       uint16_t udp_port = kProbeUdpPort);

}  // namespace harness::apps
