// Receive-side scaling of the simulated 82599: MRQC decoding, the Toeplitz table, the header
// parse that picks the hash function, and the queue choice. Rules and assumptions:
// docs/sim-model.md, "RSS".
#include "hal/sim/rss.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "hal/ixgbe/descriptors.hpp"

namespace sim {

namespace pfr = hal::ixgbe::pf;
namespace rt = hal::ixgbe::rss_type;

namespace {

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86DD;
constexpr uint16_t kTpid8021Q = 0x8100;
constexpr size_t kEtherHeader = 14;
constexpr size_t kTagLen = 4;
constexpr size_t kIpv4MinHeader = 20;
constexpr size_t kIpv6Header = 40;
constexpr size_t kPorts = 4;  // source port, destination port: the first 4 bytes of TCP and UDP
constexpr size_t kIpv4AddrOffset = 12;  // source then destination, 4 bytes each
constexpr size_t kIpv6SrcOffset = 8;
constexpr size_t kIpv6DstOffset = 24;
constexpr size_t kIpv6Addr = 16;
constexpr uint16_t kIpv4MoreFragments = 0x2000;
constexpr uint16_t kIpv4FragOffsetMask = 0x1FFF;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
// IPv6 extension headers walked on the way to TCP/UDP (RFC 8200), and the two that carry the
// addresses the "Ex" hash functions use instead of the fixed header's (RFC 6275).
constexpr uint8_t kNhHopByHop = 0;
constexpr uint8_t kNhRouting = 43;
constexpr uint8_t kNhFragment = 44;
constexpr uint8_t kNhDestOpts = 60;
constexpr uint8_t kOptPad1 = 0;
constexpr uint8_t kOptHomeAddress = 0xC9;
constexpr uint8_t kRoutingType2 = 2;
constexpr size_t kRoutingType2Len = 24;  // 8-byte header + one address
constexpr size_t kRoutingType2Addr = 8;
/// Extension headers walked before giving up on finding L4 (a bound on hostile frames).
constexpr unsigned kMaxExtHeaders = 8;

uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(uint16_t{p[0]} << 8 | p[1]); }

/// The bytes one hash function takes, in order, and the RSS type it reports.
struct HashInput {
  std::array<uint8_t, Toeplitz::kMaxInput> bytes{};
  size_t len = 0;
  uint8_t type = rt::kNone;
  void put(const uint8_t* p, size_t n) {
    std::memcpy(bytes.data() + len, p, n);
    len += n;
  }
};

/// IPv4 at `l3`: TcpIPv4, then UdpIPv4, then IPv4, the first one enabled that applies.
void ipv4_input(std::span<const uint8_t> f, size_t l3, uint32_t fields, HashInput& in) {
  if (f.size() < l3 + kIpv4MinHeader) return;
  const uint8_t* ip = f.data() + l3;
  const size_t ihl = size_t{ip[0] & 0xFu} * 4;
  if ((ip[0] >> 4) != 4 || ihl < kIpv4MinHeader || f.size() < l3 + ihl) return;
  // A fragment's L4 header is never used, not even in the first fragment that holds it.
  const bool fragment = (be16(ip + 6) & (kIpv4MoreFragments | kIpv4FragOffsetMask)) != 0;
  const bool ports = !fragment && f.size() >= l3 + ihl + kPorts;
  const uint8_t proto = ip[9];
  if (ports && proto == kProtoTcp && (fields & pfr::mrqc::kRssFieldIpv4Tcp) != 0) {
    in.type = rt::kIpv4Tcp;
  } else if (ports && proto == kProtoUdp && (fields & pfr::mrqc::kRssFieldIpv4Udp) != 0) {
    in.type = rt::kIpv4Udp;
  } else if ((fields & pfr::mrqc::kRssFieldIpv4) != 0) {
    in.type = rt::kIpv4;
  } else {
    return;
  }
  in.put(ip + kIpv4AddrOffset, 8);
  if (in.type != rt::kIpv4) in.put(ip + ihl, kPorts);
}

/// The home address option in a destination options header's option area, or null.
const uint8_t* find_home_address(std::span<const uint8_t> opts) {
  size_t i = 0;
  while (i < opts.size()) {
    if (opts[i] == kOptPad1) {
      ++i;
      continue;
    }
    if (i + 2 > opts.size()) break;
    const size_t len = opts[i + 1];
    if (i + 2 + len > opts.size()) break;
    if (opts[i] == kOptHomeAddress && len == kIpv6Addr) return opts.data() + i + 2;
    i += 2 + len;
  }
  return nullptr;
}

/// What walking an IPv6 packet's extension headers found.
struct Ipv6Walk {
  const uint8_t* home = nullptr;     ///< home address option: the Ex source
  const uint8_t* rh2_dst = nullptr;  ///< routing header type 2: the Ex destination
  const uint8_t* ports = nullptr;    ///< the TCP/UDP ports, when L4 was reached and not a fragment
  uint8_t proto = 0;                 ///< the upper-layer protocol (valid with `ports`)
};

Ipv6Walk walk_ipv6(std::span<const uint8_t> f, size_t l3) {
  Ipv6Walk w;
  uint8_t nh = f[l3 + 6];
  size_t p = l3 + kIpv6Header;
  for (unsigned n = 0;; ++n) {
    if (nh == kNhFragment) return w;  // fragmented: L4 is not parsed
    if (nh != kNhHopByHop && nh != kNhRouting && nh != kNhDestOpts) break;
    if (n == kMaxExtHeaders || f.size() < p + 8) return w;  // every extension header is >= 8 bytes
    const size_t len = (size_t{f[p + 1]} + 1) * 8;
    if (f.size() < p + len) return w;
    if (nh == kNhDestOpts) {
      if (const uint8_t* h = find_home_address(f.subspan(p + 2, len - 2))) w.home = h;
    } else if (nh == kNhRouting && f[p + 2] == kRoutingType2 && len >= kRoutingType2Len) {
      w.rh2_dst = f.data() + p + kRoutingType2Addr;
    }
    nh = f[p];
    p += len;
  }
  if ((nh == kProtoTcp || nh == kProtoUdp) && f.size() >= p + kPorts) {
    w.ports = f.data() + p;
    w.proto = nh;
  }
  return w;
}

/// IPv6 at `l3`: TCP (TcpIPv6Ex before TcpIPv6), then UDP (UdpIPv6Ex before UdpIPv6), then
/// IPv6Ex before IPv6; an Ex function takes the home address / type 2 routing address when the
/// packet carries them.
void ipv6_input(std::span<const uint8_t> f, size_t l3, uint32_t fields, HashInput& in) {
  namespace m = pfr::mrqc;
  if (f.size() < l3 + kIpv6Header || (f[l3] >> 4) != 6) return;
  const Ipv6Walk w = walk_ipv6(f, l3);
  bool ex = false;
  if (w.ports && w.proto == kProtoTcp &&
      (fields & (m::kRssFieldIpv6ExTcp | m::kRssFieldIpv6Tcp)) != 0) {
    ex = (fields & m::kRssFieldIpv6ExTcp) != 0;
    in.type = ex ? rt::kIpv6TcpEx : rt::kIpv6Tcp;
  } else if (w.ports && w.proto == kProtoUdp &&
             (fields & (m::kRssFieldIpv6ExUdp | m::kRssFieldIpv6Udp)) != 0) {
    ex = (fields & m::kRssFieldIpv6ExUdp) != 0;
    in.type = ex ? rt::kIpv6UdpEx : rt::kIpv6Udp;
  } else if ((fields & (m::kRssFieldIpv6Ex | m::kRssFieldIpv6)) != 0) {
    ex = (fields & m::kRssFieldIpv6Ex) != 0;
    in.type = ex ? rt::kIpv6Ex : rt::kIpv6;
  } else {
    return;
  }
  const uint8_t* ip = f.data() + l3;
  in.put(ex && w.home ? w.home : ip + kIpv6SrcOffset, kIpv6Addr);
  in.put(ex && w.rh2_dst ? w.rh2_dst : ip + kIpv6DstOffset, kIpv6Addr);
  if (in.type != rt::kIpv6 && in.type != rt::kIpv6Ex) in.put(w.ports, kPorts);
}

}  // namespace

MrqMode decode_mrqe(uint32_t mrqc) {
  switch (mrqc & pfr::mrqc::kMrqeMask) {
    case pfr::mrqc::kMrqeNone:
      return MrqMode::kNone;
    case pfr::mrqc::kRss:
      return MrqMode::kRss;
    case pfr::mrqc::kDcb8Tc:
    case pfr::mrqc::kDcb4Tc:
      return MrqMode::kDcb;
    case pfr::mrqc::kDcbRss8Tc:
    case pfr::mrqc::kDcbRss4Tc:
      return MrqMode::kDcbRss;
    case pfr::mrqc::kVmdq64:
      return MrqMode::kVmdq;
    case pfr::mrqc::kVmdq32Rss:
      return MrqMode::kVmdqRss32;
    case pfr::mrqc::kVmdq64Rss:
      return MrqMode::kVmdqRss64;
    case pfr::mrqc::kVmdq16x8Tc:
    case pfr::mrqc::kVmdq32x4Tc:
      return MrqMode::kVmdqDcb;
    default:
      return MrqMode::kReserved;
  }
}

std::string_view to_string(MrqMode m) {
  switch (m) {
    case MrqMode::kNone:
      return "none";
    case MrqMode::kRss:
      return "rss";
    case MrqMode::kDcb:
      return "dcb";
    case MrqMode::kDcbRss:
      return "dcb_rss";
    case MrqMode::kVmdq:
      return "vmdq";
    case MrqMode::kVmdqRss32:
      return "vmdq32_rss";
    case MrqMode::kVmdqRss64:
      return "vmdq64_rss";
    case MrqMode::kVmdqDcb:
      return "vmdq_dcb";
    case MrqMode::kReserved:
      return "reserved";
  }
  return "?";
}

unsigned rss_queues(MrqMode m) {
  switch (m) {
    case MrqMode::kRss:
    case MrqMode::kDcbRss:
      return 16;
    case MrqMode::kVmdqRss32:
      return 4;
    case MrqMode::kVmdqRss64:
      return 2;
    default:
      return 0;
  }
}

unsigned rss_pools(MrqMode m) {
  switch (m) {
    case MrqMode::kVmdqRss32:
      return 32;
    case MrqMode::kVmdq:
    case MrqMode::kVmdqRss64:
      return 64;
    default:
      return 0;
  }
}

bool RssRegisters::is_rss_register(uint32_t off) {
  const auto in = [off](hal::Reg32 first, unsigned count) {
    return off >= first.offset && off < first.offset + 4 * count;
  };
  return off == pfr::MRQC.offset || off == pfr::RXCSUM.offset ||
         in(pfr::RSSRK(0), pfr::kNumRssrk) || in(pfr::RETA(0), pfr::kNumReta) ||
         in(pfr::PSRTYPE(0), pfr::kNumPools);
}

void Toeplitz::set_key(const Key& key) {
  // window[b]: the 32 key bits starting at bit b (bit 0 = MSB of K[0]), which an input bit
  // at position b XORs into the result. The key is 320 bits, so windows up to bit 288 exist:
  // exactly the 36 input bytes.
  std::array<uint32_t, kMaxInput * 8> window{};
  for (size_t b = 0; b < window.size(); ++b) {
    uint32_t w = 0;
    for (size_t k = 0; k < 32; ++k) {
      const size_t bit = b + k;
      w = w << 1 | ((key[bit / 8] >> (7 - bit % 8)) & 1u);
    }
    window[b] = w;
  }
  // table[i][v] = table[i][v without its lowest set bit] ^ the window of that bit, whose
  // input position is 8i + (7 - bit) because the MSB is the first bit on the wire.
  for (size_t i = 0; i < kMaxInput; ++i) {
    table_[i][0] = 0;
    for (unsigned v = 1; v < 256; ++v) {
      const auto low = static_cast<unsigned>(std::countr_zero(v));
      table_[i][v] = table_[i][v & (v - 1)] ^ window[8 * i + (7 - low)];
    }
  }
}

void RssState::rebuild(const RssRegisters& r) {
  mode_ = decode_mrqe(r.mrqc);
  fields_ = r.mrqc & pfr::mrqc::kRssFieldMask;
  pcsd_ = (r.rxcsum & pfr::rxcsum::kPcsd) != 0;

  // RSSRK(i) holds key bytes 4i..4i+3, byte 4i in bits 7:0 (as the PF programs it).
  Toeplitz::Key key{};
  for (size_t i = 0; i < key.size(); ++i)
    key[i] = static_cast<uint8_t>(r.rssrk[i / 4] >> (8 * (i % 4)));
  if (key != key_) {
    key_ = key;
    toeplitz_.set_key(key);
    ++key_expansions_;
  }
  for (unsigned i = 0; i < reta_.size(); ++i) {
    const uint32_t reg = r.reta[i / pfr::reta::kEntriesPerReg];
    reta_[i] =
        static_cast<uint8_t>(reg >> (8 * (i % pfr::reta::kEntriesPerReg))) & pfr::reta::kEntryMask;
  }
  // VMDq+RSS: the mode gives each pool 2 or 4 queues (1 or 2 index bits); the pool's
  // PSRTYPE.RQPL says how many of those bits it uses. Other modes: no per-pool RSS.
  const unsigned per_pool =
      mode_ == MrqMode::kVmdqRss32 || mode_ == MrqMode::kVmdqRss64 ? rss_queues(mode_) : 0;
  const unsigned pools = rss_pools(mode_);
  for (unsigned p = 0; p < pool_mask_.size(); ++p) {
    if (per_pool == 0 || p >= pools) {
      pool_mask_[p] = 0;
      continue;
    }
    const unsigned rqpl = (r.psrtype[p] & pfr::psrtype::kRqplMask) >> pfr::psrtype::kRqplShift;
    const unsigned bits = std::min(rqpl, static_cast<unsigned>(std::countr_zero(per_pool)));
    pool_mask_[p] = static_cast<uint8_t>((1u << bits) - 1);
  }
}

RssHash RssState::hash(std::span<const uint8_t> f) const {
  if (!enabled() || f.size() < kEtherHeader) return {};
  size_t l3 = kEtherHeader;
  uint16_t type = be16(f.data() + 12);
  if (type == kTpid8021Q) {
    // One outer 802.1Q tag is skipped; anything else in front of IP makes the frame non-IP.
    if (f.size() < kEtherHeader + kTagLen) return {};
    type = be16(f.data() + 16);
    l3 += kTagLen;
  }
  HashInput in;
  if (type == kEtherIpv4) {
    ipv4_input(f, l3, fields_, in);
  } else if (type == kEtherIpv6) {
    ipv6_input(f, l3, fields_, in);
  }
  if (in.type == rt::kNone) return {};
  const uint32_t h = toeplitz_.hash({in.bytes.data(), in.len});
  // The 7 low bits of the hash index the 128-entry RETA (datasheet 7.1.2.8.2).
  return {h, in.type, reta_[h & (reta_.size() - 1)]};
}

}  // namespace sim
