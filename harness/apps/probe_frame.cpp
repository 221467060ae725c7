#include "harness/apps/probe_frame.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace harness::apps {

using namespace inet;

std::expected<ProbeHeader, std::string> build_probe_header(const ProbeSpec& spec) {
  const unsigned l3 = eth::kHeaderLen + (spec.vlan_tci ? eth::kTagLen : 0);
  const unsigned l4 = l3 + ipv4::kMinLen;
  const unsigned payload = l4 + udp::kHeaderLen;
  const unsigned len = payload + kProbePayloadLen;
  const uint32_t min_len = std::max<uint32_t>(eth::kMinFrameLen, len);
  if (spec.frame_len < min_len || spec.frame_len > kMaxFrameLen) {
    return std::unexpected(fmt::format("frame length {}: want {}..{}{}", spec.frame_len, min_len,
                                       kMaxFrameLen, spec.vlan_tci ? " with a VLAN tag" : ""));
  }
  ProbeHeader h;
  uint8_t* b = h.bytes.data();
  std::copy_n(spec.dst.bytes().data(), 6, b + eth::kDst);
  std::copy_n(spec.src.bytes().data(), 6, b + eth::kSrc);
  if (spec.vlan_tci) {
    store16(b + eth::kType, kEtherTypeVlan);
    store16(b + eth::kType + 2, *spec.vlan_tci);
  }
  store16(b + l3 - 2, kEtherTypeIpv4);

  uint8_t* ip = b + l3;
  const uint32_t ip_len = spec.frame_len - l3;
  ip[ipv4::kVersionIhl] = ipv4::kVersionIhl5;
  store16(ip + ipv4::kTotalLen, static_cast<uint16_t>(ip_len));
  store16(ip + ipv4::kFragment, ipv4::kFlagDf);
  ip[ipv4::kTtl] = ipv4::kDefaultTtl;
  ip[ipv4::kProto] = ipv4::kProtoUdp;
  std::copy_n(spec.src_ip.bytes().data(), 4, ip + ipv4::kSrc);
  std::copy_n(spec.dst_ip.bytes().data(), 4, ip + ipv4::kDst);
  // Every field of the IPv4 header is the same in every frame of the stream: one checksum.
  store16(ip + ipv4::kChecksum, static_cast<uint16_t>(~ones_sum(ip, ipv4::kMinLen)));

  uint8_t* u = b + l4;
  store16(u + udp::kSrcPort, spec.flow);
  store16(u + udp::kDstPort, spec.udp_port);
  store16(u + udp::kLen, static_cast<uint16_t>(ip_len - ipv4::kMinLen));

  h.len = static_cast<uint16_t>(len);
  h.seq_offset = static_cast<uint16_t>(payload);
  return h;
}

std::expected<std::vector<uint8_t>, std::string> probe_frame_bytes(const ProbeSpec& spec,
                                                                   uint64_t seq, uint64_t tsc) {
  auto h = build_probe_header(spec);
  if (!h) return std::unexpected(h.error());
  std::vector<uint8_t> out(spec.frame_len, 0);
  std::copy_n(h->bytes.begin(), h->len, out.begin());
  write_probe_fields(out.data(), *h, seq, tsc);
  return out;
}

std::optional<ProbeFields> parse_probe(std::span<const uint8_t> head, uint32_t frame_len,
                                       uint16_t udp_port) {
  const uint8_t* b = head.data();
  if (head.size() < eth::kHeaderLen) return std::nullopt;
  unsigned l3 = eth::kHeaderLen;
  uint16_t type = load16(b + eth::kType);
  if (type == kEtherTypeVlan) {
    l3 += eth::kTagLen;
    if (head.size() < l3) return std::nullopt;
    type = load16(b + l3 - 2);
  }
  const unsigned payload = l3 + ipv4::kMinLen + udp::kHeaderLen;
  if (type != kEtherTypeIpv4 || head.size() < payload + kProbePayloadLen) return std::nullopt;
  const uint8_t* ip = b + l3;
  const uint8_t* u = ip + ipv4::kMinLen;
  const uint32_t ip_len = load16(ip + ipv4::kTotalLen);
  // Every probe passes all of these; anything else is not ours.
  const bool ok = ip[ipv4::kVersionIhl] == ipv4::kVersionIhl5 &&
                  ip[ipv4::kProto] == ipv4::kProtoUdp &&
                  (load16(ip + ipv4::kFragment) & (ipv4::kFlagMf | ipv4::kOffsetMask)) == 0 &&
                  l3 + ip_len == frame_len && load16(u + udp::kDstPort) == udp_port &&
                  load16(u + udp::kLen) == ip_len - ipv4::kMinLen;
  if (!ok) return std::nullopt;
  return ProbeFields{load16(u + udp::kSrcPort), load64(b + payload), load64(b + payload + 8)};
}

}  // namespace harness::apps
