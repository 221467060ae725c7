// RSS of the simulated 82599 (hal/sim/rss): the Toeplitz hash against its bit-serial definition
// and Microsoft's published verification vectors, the header parse that picks the hash function
// and RSS type, MRQE decoding and the queue choice in each pool mode. Registers are raw values
// in a register file, as the PF driver writes them. Rules: docs/sim-model.md, "RSS".

#include <arpa/inet.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <vector>

#include "hal/ixgbe/descriptors.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/sim/rss.hpp"

namespace pfr = hal::ixgbe::pf;
namespace rt = hal::ixgbe::rss_type;
using sim::MrqMode;
using sim::RssHash;
using sim::RssRegisters;
using sim::RssState;
using sim::Toeplitz;
using Bytes = std::vector<uint8_t>;

namespace {

// The key of Microsoft's "Verifying the RSS Hash Calculation" (also pf::RssConfig's default).
constexpr Toeplitz::Key kMsKey = {0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
                                  0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
                                  0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
                                  0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};

constexpr uint32_t kAllFields = pfr::mrqc::kRssFieldMask;
constexpr uint8_t kTcp = 6;
constexpr uint8_t kUdp = 17;

/// The hash exactly as the datasheet's pseudo-code states it: for every input bit, MSB first,
/// XOR in the key's leftmost 32 bits when the bit is set, then shift the key left by one.
uint32_t toeplitz_reference(const Toeplitz::Key& key, std::span<const uint8_t> in) {
  uint32_t result = 0;
  for (size_t b = 0; b < in.size() * 8; ++b) {
    if (((in[b / 8] >> (7 - b % 8)) & 1u) == 0) continue;
    uint32_t w = 0;
    for (size_t k = 0; k < 32; ++k) w = w << 1 | ((key[(b + k) / 8] >> (7 - (b + k) % 8)) & 1u);
    result ^= w;
  }
  return result;
}

std::array<uint8_t, 4> v4(const char* s) {
  std::array<uint8_t, 4> a{};
  REQUIRE(inet_pton(AF_INET, s, a.data()) == 1);
  return a;
}
std::array<uint8_t, 16> v6(const char* s) {
  std::array<uint8_t, 16> a{};
  REQUIRE(inet_pton(AF_INET6, s, a.data()) == 1);
  return a;
}

void put16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v >> 8));
  b.push_back(static_cast<uint8_t>(v));
}

/// Destination and source MAC, an optional 802.1Q tag, then `ethertype`.
Bytes l2(uint16_t ethertype, std::optional<uint16_t> tci = {}) {
  Bytes b = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02};
  if (tci) {
    put16(b, 0x8100);
    put16(b, *tci);
  }
  put16(b, ethertype);
  return b;
}

struct V4 {
  std::array<uint8_t, 4> src{}, dst{};
  uint8_t proto = kTcp;
  uint16_t sport = 0, dport = 0;
  uint16_t frag = 0;    // flags + fragment offset word
  uint8_t options = 0;  // 32-bit words of IP options
  std::optional<uint16_t> tci;
};

/// A TCP (or `proto`) over IPv4 packet description; callers adjust the other fields.
V4 tcp4(const char* src, const char* dst, uint16_t sport, uint16_t dport, uint8_t proto = kTcp) {
  V4 p;
  p.src = v4(src);
  p.dst = v4(dst);
  p.proto = proto;
  p.sport = sport;
  p.dport = dport;
  return p;
}

Bytes ipv4_frame(const V4& p) {
  Bytes b = l2(0x0800, p.tci);
  const size_t ihl_words = 5 + p.options;
  b.push_back(static_cast<uint8_t>(0x40 | ihl_words));
  b.push_back(0);
  put16(b, static_cast<uint16_t>(ihl_words * 4 + 20));
  put16(b, 0x1234);  // id
  put16(b, p.frag);
  b.push_back(64);
  b.push_back(p.proto);
  put16(b, 0);  // checksum: RSS does not look at it
  b.insert(b.end(), p.src.begin(), p.src.end());
  b.insert(b.end(), p.dst.begin(), p.dst.end());
  for (unsigned i = 0; i < p.options * 4u; ++i) b.push_back(1);  // NOP options
  put16(b, p.sport);
  put16(b, p.dport);
  b.resize(b.size() + 16, 0);  // rest of the L4 header
  return b;
}

struct V6 {
  std::array<uint8_t, 16> src{}, dst{};
  uint8_t proto = kTcp;
  uint16_t sport = 0, dport = 0;
  Bytes ext;          // extension headers, already chained; the first one's type in `first`
  uint8_t first = 0;  // next header of the fixed header when `ext` is not empty
  std::optional<uint16_t> tci;
};

V6 tcp6(const std::array<uint8_t, 16>& src, const std::array<uint8_t, 16>& dst, uint16_t sport,
        uint16_t dport, uint8_t proto = kTcp) {
  V6 p;
  p.src = src;
  p.dst = dst;
  p.proto = proto;
  p.sport = sport;
  p.dport = dport;
  return p;
}
V6 tcp6(const char* src, const char* dst, uint16_t sport, uint16_t dport, uint8_t proto = kTcp) {
  return tcp6(v6(src), v6(dst), sport, dport, proto);
}

Bytes ipv6_frame(const V6& p) {
  Bytes b = l2(0x86DD, p.tci);
  b.push_back(0x60);
  b.push_back(0);
  put16(b, 0);
  put16(b, static_cast<uint16_t>(p.ext.size() + 20));
  b.push_back(p.ext.empty() ? p.proto : p.first);
  b.push_back(64);
  b.insert(b.end(), p.src.begin(), p.src.end());
  b.insert(b.end(), p.dst.begin(), p.dst.end());
  b.insert(b.end(), p.ext.begin(), p.ext.end());
  put16(b, p.sport);
  put16(b, p.dport);
  b.resize(b.size() + 16, 0);
  return b;
}

/// A register file holding what the PF programs, and the state decoded from it.
struct RssRig {
  RssRegisters regs;
  RssState st;

  explicit RssRig(uint32_t mrqc, const Toeplitz::Key& key = kMsKey) {
    regs.mrqc = mrqc;
    set_key(key);
    // RETA entry i = i % 16, the layout pf::RssConfig writes (entry 4i in bits 7:0 of RETA(i)).
    for (unsigned i = 0; i < pfr::reta::kNumEntries; ++i) set_reta(i, static_cast<uint8_t>(i % 16));
    rebuild();
  }
  void set_key(const Toeplitz::Key& key) {
    for (unsigned i = 0; i < pfr::kNumRssrk; ++i) {
      regs.rssrk[i] = uint32_t{key[4 * i]} | uint32_t{key[4 * i + 1]} << 8 |
                      uint32_t{key[4 * i + 2]} << 16 | uint32_t{key[4 * i + 3]} << 24;
    }
  }
  void set_reta(unsigned entry, uint8_t v) {
    uint32_t& r = regs.reta[entry / 4];
    const unsigned shift = 8 * (entry % 4);
    r = (r & ~(0xFFu << shift)) | uint32_t{v} << shift;
  }
  void set_rqpl(unsigned pool, unsigned rqpl) {
    regs.psrtype[pool] = rqpl << pfr::psrtype::kRqplShift;
  }
  void rebuild() { st.rebuild(regs); }
  RssHash hash(const Bytes& f) const { return st.hash(f); }
};

}  // namespace

TEST_CASE("Toeplitz table hash equals the datasheet's bit-serial definition", "[rss]") {
  std::mt19937 rng(20240611);
  for (int round = 0; round < 50; ++round) {
    Toeplitz::Key key{};
    for (auto& k : key) k = static_cast<uint8_t>(rng());
    const Toeplitz t(key);
    for (size_t len : {0u, 1u, 8u, 12u, 32u, 36u}) {
      Bytes in(len);
      for (auto& v : in) v = static_cast<uint8_t>(rng());
      INFO("round " << round << " len " << len);
      REQUIRE(t.hash(in) == toeplitz_reference(key, in));
    }
  }
}

TEST_CASE("RSS hash of Microsoft's IPv4 verification vectors", "[rss]") {
  struct Vec {
    const char *dst, *src;
    uint16_t dport, sport;
    uint32_t ipv4, ipv4_tcp;
  };
  // Microsoft's table lists destination first; the hash input is source, destination, ports.
  const Vec vecs[] = {
      {"161.142.100.80", "66.9.149.187", 1766, 2794, 0x323e8fc2, 0x51ccc178},
      {"65.69.140.83", "199.92.111.2", 4739, 14230, 0xd718262a, 0xc626b0ea},
      {"12.22.207.184", "24.19.198.95", 38024, 12898, 0xd2d0a5de, 0x5c2b394a},
      {"209.142.163.6", "38.27.205.30", 2217, 48228, 0x82989176, 0xafc7327f},
      {"202.188.127.2", "153.39.163.191", 1303, 44251, 0x5d1809c5, 0x10e828a2},
  };
  RssRig ip_only(pfr::mrqc::kRss | pfr::mrqc::kRssFieldIpv4);
  RssRig with_tcp(pfr::mrqc::kRss | pfr::mrqc::kRssFieldIpv4 | pfr::mrqc::kRssFieldIpv4Tcp);
  for (const Vec& v : vecs) {
    INFO(v.src << " -> " << v.dst);
    const Bytes f = ipv4_frame(tcp4(v.src, v.dst, v.sport, v.dport));
    const RssHash a = ip_only.hash(f);
    CHECK(a.type == rt::kIpv4);
    CHECK(a.hash == v.ipv4);
    const RssHash b = with_tcp.hash(f);
    CHECK(b.type == rt::kIpv4Tcp);
    CHECK(b.hash == v.ipv4_tcp);
    CHECK(b.index == (b.hash & 0x7F) % 16);  // the rig's RETA holds entry i = i % 16
  }
}

TEST_CASE("RSS hash of Microsoft's IPv6 verification vectors", "[rss]") {
  struct Vec {
    const char *dst, *src;
    uint16_t dport, sport;
    uint32_t ipv6, ipv6_tcp;
  };
  const Vec vecs[] = {
      {"3ffe:2501:200:3::1", "3ffe:2501:200:1fff::7", 1766, 2794, 0x2cc18cd5, 0x40207d3d},
      {"ff02::1", "3ffe:501:8::260:97ff:fe40:efab", 4739, 14230, 0x0f0c461c, 0xdde51bbf},
      {"fe80::200:f8ff:fe21:67cf", "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 38024, 44251, 0x4b61e985,
       0x02d1feef},
  };
  RssRig ip_only(pfr::mrqc::kRss | pfr::mrqc::kRssFieldIpv6);
  RssRig with_tcp(pfr::mrqc::kRss | pfr::mrqc::kRssFieldIpv6 | pfr::mrqc::kRssFieldIpv6Tcp);
  for (const Vec& v : vecs) {
    INFO(v.src << " -> " << v.dst);
    const Bytes f = ipv6_frame(tcp6(v.src, v.dst, v.sport, v.dport));
    const RssHash a = ip_only.hash(f);
    CHECK(a.type == rt::kIpv6);
    CHECK(a.hash == v.ipv6);
    const RssHash b = with_tcp.hash(f);
    CHECK(b.type == rt::kIpv6Tcp);
    CHECK(b.hash == v.ipv6_tcp);
  }
}

TEST_CASE("A VLAN-tagged frame hashes like the same frame untagged", "[rss]") {
  RssRig rig(pfr::mrqc::kRss | kAllFields);
  V4 p = tcp4("66.9.149.187", "161.142.100.80", 2794, 1766);
  const RssHash untagged = rig.hash(ipv4_frame(p));
  p.tci = 0x2064;  // priority 1, VID 100
  const RssHash tagged = rig.hash(ipv4_frame(p));
  CHECK(tagged.type == rt::kIpv4Tcp);
  CHECK(tagged.hash == 0x51ccc178);
  CHECK(tagged.hash == untagged.hash);

  V6 q = tcp6("3ffe:2501:200:1fff::7", "3ffe:2501:200:3::1", 2794, 1766);
  q.tci = 0x0005;
  const RssHash t6 = rig.hash(ipv6_frame(q));
  CHECK(t6.type == rt::kIpv6TcpEx);  // every field enabled: TcpIPv6Ex comes before TcpIPv6
  CHECK(t6.hash == 0x40207d3d);      // no home address / routing header: the plain addresses
}

TEST_CASE("Frames that are not IPv4 or IPv6 get RSS type 0, hash 0 and queue 0", "[rss]") {
  RssRig rig(pfr::mrqc::kRss | kAllFields);
  const V4 good = tcp4("1.2.3.4", "5.6.7.8", 1, 2);
  Bytes arp = l2(0x0806);
  arp.resize(60, 0);
  Bytes bad_version = ipv4_frame(good);
  bad_version[14] = 0x55;  // version 5
  Bytes short_ihl = ipv4_frame(good);
  short_ihl[14] = 0x44;  // IHL 4 words: not a valid header
  Bytes truncated = ipv4_frame(good);
  truncated.resize(14 + 19);
  Bytes runt = l2(0x0800);
  Bytes tag_only = l2(0x0800, 0x0001);
  tag_only.resize(17);
  Bytes qinq = l2(0x88A8);  // an S-tag: only an outer 802.1Q tag is skipped
  const Bytes inner = ipv4_frame(good);
  qinq.insert(qinq.end(), inner.begin() + 12, inner.end());
  Bytes v6_short = ipv6_frame(tcp6("::1", "::2", 1, 2));
  v6_short.resize(14 + 39);

  for (const Bytes* f :
       {&arp, &bad_version, &short_ihl, &truncated, &runt, &tag_only, &qinq, &v6_short}) {
    const sim::RssSelection s = rig.st.select(*f, 0);
    CHECK(s.rss.type == rt::kNone);
    CHECK(s.rss.hash == 0);
    CHECK(s.rss.index == 0);
    CHECK(s.queue_offset == 0);
  }
}

TEST_CASE("A fragmented IPv4 packet is hashed on its addresses only", "[rss]") {
  RssRig all(pfr::mrqc::kRss | kAllFields);
  RssRig tcp_only(pfr::mrqc::kRss | pfr::mrqc::kRssFieldIpv4Tcp);
  V4 p = tcp4("66.9.149.187", "161.142.100.80", 2794, 1766);
  for (uint16_t frag :
       {uint16_t{0x2000}, uint16_t{0x0010}, uint16_t{0x2010}}) {  // MF, offset, both
    INFO("flags/offset " << frag);
    p.frag = frag;
    const RssHash h = all.hash(ipv4_frame(p));
    CHECK(h.type == rt::kIpv4);
    CHECK(h.hash == 0x323e8fc2);
    // Without the IPv4 function there is nothing left to apply: no hash.
    CHECK(tcp_only.hash(ipv4_frame(p)).type == rt::kNone);
  }
  p.frag = 0x4000;  // DF only: not a fragment
  CHECK(all.hash(ipv4_frame(p)).type == rt::kIpv4Tcp);
}

TEST_CASE("IPv4 options are skipped to reach the ports", "[rss]") {
  RssRig rig(pfr::mrqc::kRss | kAllFields);
  V4 p = tcp4("66.9.149.187", "161.142.100.80", 2794, 1766);
  p.options = 3;
  const RssHash h = rig.hash(ipv4_frame(p));
  CHECK(h.type == rt::kIpv4Tcp);
  CHECK(h.hash == 0x51ccc178);
}

TEST_CASE("UDP is hashed with its ports only when its field is enabled", "[rss]") {
  const V4 p = tcp4("66.9.149.187", "161.142.100.80", 2794, 1766, kUdp);
  const Bytes f = ipv4_frame(p);
  RssRig with_udp(pfr::mrqc::kRss | pfr::mrqc::kRssFieldIpv4 | pfr::mrqc::kRssFieldIpv4Udp);
  RssRig tcp_fields(pfr::mrqc::kRss | pfr::mrqc::kRssFieldIpv4 | pfr::mrqc::kRssFieldIpv4Tcp);
  const RssHash u = with_udp.hash(f);
  CHECK(u.type == rt::kIpv4Udp);
  CHECK(u.hash == 0x51ccc178);  // same 12 input bytes as the TCP vector
  const RssHash t = tcp_fields.hash(f);
  CHECK(t.type == rt::kIpv4);  // TcpIPv4 does not take UDP: the IPv4 function does
  CHECK(t.hash == 0x323e8fc2);

  const V6 q = tcp6("3ffe:2501:200:1fff::7", "3ffe:2501:200:3::1", 2794, 1766, kUdp);
  RssRig v6_udp(pfr::mrqc::kRss | pfr::mrqc::kRssFieldIpv6 | pfr::mrqc::kRssFieldIpv6Udp);
  const RssHash u6 = v6_udp.hash(ipv6_frame(q));
  CHECK(u6.type == rt::kIpv6Udp);
  CHECK(u6.hash == 0x40207d3d);
}

TEST_CASE("IPv6 Ex functions hash the home address and the type 2 routing address", "[rss]") {
  const auto src = v6("3ffe:2501:200:1fff::7");
  const auto dst = v6("3ffe:2501:200:3::1");
  const auto home = v6("2001:db8::aaaa");
  const auto care_of_dst = v6("2001:db8::bbbb");
  // Destination options (next: routing) with Pad1 then the home address option, then a type 2
  // routing header (next: TCP) carrying the destination's home address.
  Bytes ext = {43, 2, 0 /*Pad1*/, 0 /*Pad1*/, 0xC9, 16};
  ext.insert(ext.end(), home.begin(), home.end());
  ext.resize(24, 0);  // pad the 8-byte-unit header: (2 + 1) * 8 bytes
  const Bytes rh = {kTcp, 2, 2 /*type 2*/, 1 /*segments left*/, 0, 0, 0, 0};
  ext.insert(ext.end(), rh.begin(), rh.end());
  ext.insert(ext.end(), care_of_dst.begin(), care_of_dst.end());
  V6 p = tcp6(src, dst, 2794, 1766);
  p.ext = ext;
  p.first = 60;
  const Bytes f = ipv6_frame(p);

  auto input = [](const auto& s, const auto& d, bool ports) {
    Bytes in(s.begin(), s.end());
    in.insert(in.end(), d.begin(), d.end());
    if (ports) in.insert(in.end(), {0x0a, 0xea, 0x06, 0xe6});  // 2794, 1766
    return in;
  };
  RssRig ex(pfr::mrqc::kRss | kAllFields);
  const RssHash a = ex.hash(f);
  CHECK(a.type == rt::kIpv6TcpEx);
  CHECK(a.hash == toeplitz_reference(kMsKey, input(home, care_of_dst, true)));

  RssRig plain(pfr::mrqc::kRss | pfr::mrqc::kRssFieldIpv6 | pfr::mrqc::kRssFieldIpv6Tcp);
  const RssHash b = plain.hash(f);
  CHECK(b.type == rt::kIpv6Tcp);  // extension headers walked to TCP, fixed-header addresses
  CHECK(b.hash == 0x40207d3d);

  RssRig ex_l3(pfr::mrqc::kRss | pfr::mrqc::kRssFieldIpv6Ex);
  const RssHash c = ex_l3.hash(f);
  CHECK(c.type == rt::kIpv6Ex);
  CHECK(c.hash == toeplitz_reference(kMsKey, input(home, care_of_dst, false)));
}

TEST_CASE("An IPv6 fragment is hashed on its addresses only", "[rss]") {
  const Bytes frag_hdr = {kTcp, 0, 0x00, 0x01 /*M*/, 0, 0, 0, 1};
  V6 p = tcp6("3ffe:2501:200:1fff::7", "3ffe:2501:200:3::1", 2794, 1766);
  p.ext = frag_hdr;
  p.first = 44;
  RssRig rig(pfr::mrqc::kRss | pfr::mrqc::kRssFieldIpv6 | pfr::mrqc::kRssFieldIpv6Tcp);
  const RssHash h = rig.hash(ipv6_frame(p));
  CHECK(h.type == rt::kIpv6);
  CHECK(h.hash == 0x2cc18cd5);
}

TEST_CASE("MRQC MRQE values decode to their queueing modes", "[rss]") {
  struct Row {
    uint32_t mrqe;
    MrqMode mode;
    unsigned queues, pools;
  };
  const Row rows[] = {
      {0x0, MrqMode::kNone, 0, 0},       {0x1, MrqMode::kRss, 16, 0},
      {0x2, MrqMode::kDcb, 0, 0},        {0x3, MrqMode::kDcb, 0, 0},
      {0x4, MrqMode::kDcbRss, 16, 0},    {0x5, MrqMode::kDcbRss, 16, 0},
      {0x6, MrqMode::kReserved, 0, 0},   {0x7, MrqMode::kReserved, 0, 0},
      {0x8, MrqMode::kVmdq, 0, 64},      {0x9, MrqMode::kReserved, 0, 0},
      {0xA, MrqMode::kVmdqRss32, 4, 32}, {0xB, MrqMode::kVmdqRss64, 2, 64},
      {0xC, MrqMode::kVmdqDcb, 0, 0},    {0xD, MrqMode::kVmdqDcb, 0, 0},
      {0xE, MrqMode::kReserved, 0, 0},   {0xF, MrqMode::kReserved, 0, 0},
  };
  for (const Row& r : rows) {
    INFO("MRQE " << r.mrqe);
    // The hash-field enables above b3:0 do not change the mode.
    CHECK(sim::decode_mrqe(r.mrqe | kAllFields) == r.mode);
    CHECK(sim::rss_queues(r.mode) == r.queues);
    CHECK(sim::rss_pools(r.mode) == r.pools);
    RssRig rig(r.mrqe | kAllFields);
    CHECK(rig.st.mode() == r.mode);
    CHECK(rig.st.enabled() == (r.queues != 0));
  }
}

TEST_CASE("Modes without RSS report no hash", "[rss]") {
  const Bytes f = ipv4_frame(tcp4("66.9.149.187", "161.142.100.80", 2794, 1766));
  for (uint32_t mrqe :
       {pfr::mrqc::kMrqeNone, pfr::mrqc::kVmdq64, pfr::mrqc::kVmdq32x4Tc, pfr::mrqc::kDcb8Tc}) {
    INFO("MRQE " << mrqe);
    RssRig rig(mrqe | kAllFields);
    const sim::RssSelection s = rig.st.select(f, 3);
    CHECK(s.rss.type == rt::kNone);
    CHECK(s.rss.hash == 0);
    CHECK(s.queue_offset == 0);
  }
}

TEST_CASE("Without VT the queue is the RETA entry's low 4 bits", "[rss]") {
  RssRig rig(pfr::mrqc::kRss | kAllFields);
  for (unsigned i = 0; i < pfr::reta::kNumEntries; ++i)
    rig.set_reta(i, static_cast<uint8_t>(0xF0 | (127 - i) % 16));
  rig.rebuild();
  std::mt19937 rng(7);
  for (int n = 0; n < 200; ++n) {
    V4 p = tcp4("0.1.2.3", "4.5.6.0", static_cast<uint16_t>(rng()), 80);
    p.src[0] = static_cast<uint8_t>(rng());
    p.dst[3] = static_cast<uint8_t>(rng());
    const sim::RssSelection s = rig.st.select(ipv4_frame(p), 9 /* ignored without VT */);
    const unsigned entry = s.rss.hash & 0x7F;
    CHECK(s.rss.index == (127 - entry) % 16);  // the upper nibble is not part of the entry
    CHECK(s.queue_offset == s.rss.index);
  }
}

TEST_CASE("VMDq 64 pools x 2: the entry's bit 0 picks the queue when the pool's RQPL is 1",
          "[rss]") {
  RssRig rig(pfr::mrqc::kVmdq64Rss | kAllFields);
  rig.set_rqpl(5, 1);  // pool 5 uses two queues; pool 6 left at RQPL 0: one queue
  rig.set_rqpl(7, 3);  // more bits than the mode has: capped at 1
  rig.rebuild();
  const sim::RssHash h{.hash = 0, .type = rt::kIpv4, .index = 0xB};  // 1011b
  CHECK(rig.st.queue_offset(h, 5) == 1);
  CHECK(rig.st.queue_offset(h, 6) == 0);
  CHECK(rig.st.queue_offset(h, 7) == 1);
  CHECK(rig.st.queue_offset({.hash = 0, .type = rt::kIpv4, .index = 0xA}, 5) == 0);
  CHECK(rig.st.queue_offset(h, 64) == 0);  // no such pool

  // End to end: the frame's RETA entry decides, masked to one bit.
  const Bytes f = ipv4_frame(tcp4("66.9.149.187", "161.142.100.80", 2794, 1766));
  const sim::RssSelection s = rig.st.select(f, 5);
  CHECK(s.rss.hash == 0x51ccc178);
  CHECK(s.rss.index == rig.st.reta_entry(0x51ccc178 & 0x7F));
  CHECK(s.queue_offset == (s.rss.index & 1u));
}

TEST_CASE("VMDq 32 pools x 4: RQPL 2 uses two entry bits, RQPL 1 one, RQPL 0 none", "[rss]") {
  RssRig rig(pfr::mrqc::kVmdq32Rss | kAllFields);
  rig.set_rqpl(0, 2);
  rig.set_rqpl(1, 1);
  rig.set_rqpl(2, 0);
  rig.set_rqpl(3, 7);   // capped at the mode's 2 bits
  rig.set_rqpl(40, 2);  // past the mode's 32 pools
  rig.rebuild();
  for (uint8_t index = 0; index < 16; ++index) {
    const sim::RssHash h{.hash = 0, .type = rt::kIpv4Tcp, .index = index};
    INFO("index " << int{index});
    CHECK(rig.st.queue_offset(h, 0) == (index & 3u));
    CHECK(rig.st.queue_offset(h, 1) == (index & 1u));
    CHECK(rig.st.queue_offset(h, 2) == 0);
    CHECK(rig.st.queue_offset(h, 3) == (index & 3u));
    CHECK(rig.st.queue_offset(h, 40) == 0);
  }
}

TEST_CASE("Rebuilding after RETA or MRQC writes keeps the expanded key", "[rss]") {
  RssRig rig(pfr::mrqc::kRss | kAllFields);
  const uint64_t expanded = rig.st.key_expansions();
  CHECK(expanded == 1);
  rig.set_reta(3, 7);
  rig.regs.mrqc = pfr::mrqc::kVmdq64Rss | kAllFields;
  rig.set_rqpl(1, 1);
  rig.rebuild();
  CHECK(rig.st.key_expansions() == expanded);
  CHECK(rig.st.reta_entry(3) == 7);

  Toeplitz::Key other = kMsKey;
  other[39] ^= 1;
  rig.set_key(other);
  rig.rebuild();
  CHECK(rig.st.key_expansions() == expanded + 1);
}

TEST_CASE("RssRegisters reads the PF offsets and names the registers that invalidate RSS",
          "[rss]") {
  std::vector<uint32_t> file(pfr::kBarSize / 4);
  auto put = [&](hal::Reg32 r, uint32_t v) { file[r.offset / 4] = v; };
  put(pfr::MRQC, 0x003F000B);
  put(pfr::RXCSUM, pfr::rxcsum::kPcsd);
  for (unsigned i = 0; i < pfr::kNumRssrk; ++i) put(pfr::RSSRK(i), 0x1000 + i);
  for (unsigned i = 0; i < pfr::kNumReta; ++i) put(pfr::RETA(i), 0x2000 + i);
  for (unsigned p = 0; p < pfr::kNumPools; ++p) put(pfr::PSRTYPE(p), 0x3000 + p);
  const auto rd = [&](hal::Reg32 r) { return file[r.offset / 4]; };
  const RssRegisters r = RssRegisters::read(rd);
  CHECK(r.mrqc == 0x003F000B);
  CHECK(r.rxcsum == pfr::rxcsum::kPcsd);
  CHECK(r.rssrk[9] == 0x1009);
  CHECK(r.reta[31] == 0x201F);
  CHECK(r.psrtype[63] == 0x303F);
  RssState st;
  st.rebuild(r);
  CHECK(st.hash_in_descriptor());
  st.rebuild(RssRegisters{});
  CHECK_FALSE(st.hash_in_descriptor());

  for (uint32_t off : {pfr::MRQC.offset, pfr::RXCSUM.offset, pfr::RSSRK(0).offset,
                       pfr::RSSRK(9).offset, pfr::RETA(0).offset, pfr::RETA(31).offset,
                       pfr::PSRTYPE(0).offset, pfr::PSRTYPE(63).offset}) {
    CHECK(RssRegisters::is_rss_register(off));
  }
  for (uint32_t off : {pfr::RSSRK(10).offset, pfr::PSRTYPE(64).offset, pfr::RETA(0).offset - 4,
                       pfr::MTQC.offset, pfr::VT_CTL.offset, pfr::GCR_EXT.offset}) {
    CHECK_FALSE(RssRegisters::is_rss_register(off));
  }
}
