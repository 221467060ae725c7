// The responder (harness/apps/responder.hpp) answering ARP and ICMP echo between VFs, checked
// byte by byte against replies built here with this file's own checksum; and the helpers it
// and the generator share (inet.hpp, probe_frame.hpp).

#include <catch2/catch.hpp>

#include "guest_apps_rig.hpp"
#include "harness/apps/inet.hpp"
#include "harness/apps/probe_frame.hpp"
#include "harness/apps/responder.hpp"

using namespace appstest;
namespace apps = harness::apps;
using apps::inet::Ipv4Addr;

namespace {

const Ipv4Addr kIp0{{10, 0, 0, 1}};
const Ipv4Addr kIp1{{10, 0, 0, 2}};

using Bytes = std::vector<uint8_t>;

/// RFC 1071 written out plainly, independent of the code under test: the complement of the
/// folded sum of big-endian 16-bit words.
uint16_t checksum(const Bytes& b, size_t off, size_t len) {
  uint32_t s = 0;
  for (size_t i = 0; i < len; i += 2) {
    s += static_cast<uint32_t>(b[off + i]) << 8;
    if (i + 1 < len) s += b[off + i + 1];
  }
  while (s > 0xFFFF) s = (s & 0xFFFF) + (s >> 16);
  return static_cast<uint16_t>(~s);
}

void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}
void put(Bytes& b, size_t at, const auto& src) {
  std::copy(src.begin(), src.end(), b.begin() + at);
}

Bytes arp(const hal::MacAddr& eth_dst, const hal::MacAddr& eth_src, uint16_t oper,
          const hal::MacAddr& sha, Ipv4Addr spa, const hal::MacAddr& tha, Ipv4Addr tpa) {
  Bytes b(60, 0);  // 42 bytes of ARP, padded to the minimum frame
  put(b, 0, eth_dst.bytes());
  put(b, 6, eth_src.bytes());
  put16(b, 12, 0x0806);
  put16(b, 14, 1);
  put16(b, 16, 0x0800);
  b[18] = 6;
  b[19] = 4;
  put16(b, 20, oper);
  put(b, 22, sha.bytes());
  put(b, 28, spa.bytes());
  put(b, 32, tha.bytes());
  put(b, 38, tpa.bytes());
  return b;
}

/// An IPv4 ICMP frame with `data_len` bytes of data (pattern), checksums right.
Bytes icmp(const hal::MacAddr& dst, const hal::MacAddr& src, Ipv4Addr ip_src, Ipv4Addr ip_dst,
           uint8_t type, uint8_t ttl, size_t data_len) {
  const size_t total = 20 + 8 + data_len;
  Bytes b(14 + total, 0);
  put(b, 0, dst.bytes());
  put(b, 6, src.bytes());
  put16(b, 12, 0x0800);
  b[14] = 0x45;
  put16(b, 16, static_cast<uint16_t>(total));
  put16(b, 18, 0x1c46);  // ID
  put16(b, 20, 0x4000);  // DF
  b[22] = ttl;
  b[23] = 1;
  put(b, 26, ip_src.bytes());
  put(b, 30, ip_dst.bytes());
  put16(b, 24, checksum(b, 14, 20));
  b[34] = type;
  put16(b, 38, 0x0bad);  // identifier
  put16(b, 40, 0x0001);  // sequence
  for (size_t i = 0; i < data_len; ++i) b[42 + i] = static_cast<uint8_t>(i * 7 + 3);
  put16(b, 36, checksum(b, 34, 8 + data_len));
  return b;
}

struct Rig {
  std::unique_ptr<harness::DatapathHost> h;
  apps::Responder responder;
  explicit Rig(const harness::PortOptions& po = {})
      : h(make_host(2, po)), responder(port(*h, 1), apps::ResponderOptions{kIp1}) {}
  /// Sends `frames` from VF0, runs the responder, returns what VF0 got back.
  std::vector<Bytes> exchange(const std::vector<Bytes>& frames) {
    send_frames(*h, 0, frames);
    run(*h, [&] { return responder.poll(); });
    return receive_all(*h, 0);
  }
  hal::MacAddr mac(unsigned i) const { return h->mac(i); }
};

}  // namespace

TEST_CASE("the responder answers an ARP request for its address with its MAC",
          "[apps][responder][arp]") {
  Rig r;
  const hal::MacAddr bcast({0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  const auto got = r.exchange({arp(bcast, r.mac(0), 1, r.mac(0), kIp0, hal::MacAddr{}, kIp1)});
  REQUIRE(got.size() == 1);
  CHECK(got[0] == arp(r.mac(0), r.mac(1), 2, r.mac(1), kIp1, r.mac(0), kIp0));
  const apps::ResponderCounters c = r.responder.counters();
  CHECK(c.received == 1);
  CHECK(c.arp_replies == 1);
  CHECK(c.ignored == 0);
  check_accounting(*r.h);
}

TEST_CASE("the responder ignores ARP for other addresses and ARP replies",
          "[apps][responder][arp]") {
  Rig r;
  const hal::MacAddr bcast({0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
  const Ipv4Addr other{{10, 0, 0, 9}};
  const auto got = r.exchange({arp(bcast, r.mac(0), 1, r.mac(0), kIp0, hal::MacAddr{}, other),
                               arp(r.mac(1), r.mac(0), 2, r.mac(0), kIp0, r.mac(1), kIp1)});
  CHECK(got.empty());
  const apps::ResponderCounters c = r.responder.counters();
  CHECK(c.received == 2);
  CHECK(c.ignored == 2);
  CHECK(c.arp_replies == 0);
}

TEST_CASE("the responder answers an ICMP echo request with a reply whose checksums are right",
          "[apps][responder][icmp]") {
  Rig r;
  const auto got = r.exchange({icmp(r.mac(1), r.mac(0), kIp0, kIp1, 8, 63, 56)});
  REQUIRE(got.size() == 1);
  const Bytes& reply = got[0];
  CHECK(reply == icmp(r.mac(0), r.mac(1), kIp1, kIp0, 0, 64, 56));
  // Summed over their own checksum fields, correct headers give zero.
  CHECK(checksum(reply, 14, 20) == 0);
  CHECK(checksum(reply, 34, reply.size() - 34) == 0);
  CHECK(r.responder.counters().echo_replies == 1);
  check_accounting(*r.h);
}

TEST_CASE("the responder drops echo requests with bad checksums and ignores what is not for it",
          "[apps][responder][icmp]") {
  Rig r;
  Bytes bad_icmp = icmp(r.mac(1), r.mac(0), kIp0, kIp1, 8, 64, 56);
  bad_icmp[60] ^= 0xFF;  // data changed, checksum not
  Bytes bad_ip = icmp(r.mac(1), r.mac(0), kIp0, kIp1, 8, 64, 56);
  bad_ip[22] = 1;  // TTL changed, header checksum not
  const Bytes other_ip = icmp(r.mac(1), r.mac(0), kIp0, Ipv4Addr{{10, 0, 0, 9}}, 8, 64, 56);
  const Bytes not_request = icmp(r.mac(1), r.mac(0), kIp0, kIp1, 0, 64, 56);
  apps::ProbeSpec udp;
  udp.src = r.mac(0);
  udp.dst = r.mac(1);
  udp.dst_ip = kIp1;
  const auto got =
      r.exchange({bad_icmp, bad_ip, other_ip, not_request, *apps::probe_frame_bytes(udp, 0, 0)});
  CHECK(got.empty());
  const apps::ResponderCounters c = r.responder.counters();
  CHECK(c.received == 5);
  CHECK(c.malformed == 2);
  CHECK(c.ignored == 3);
  CHECK(c.echo_replies == 0);
}

TEST_CASE("the responder answers an 8000-byte echo request that spans several mbufs",
          "[apps][responder][icmp][jumbo]") {
  harness::PortOptions po;
  po.mtu = 9000;
  po.data_room = 2048;
  Rig r(po);
  const auto got = r.exchange({icmp(r.mac(1), r.mac(0), kIp0, kIp1, 8, 64, 8000)});
  REQUIRE(got.size() == 1);
  CHECK(got[0] == icmp(r.mac(0), r.mac(1), kIp1, kIp0, 0, 64, 8000));
  CHECK(r.responder.counters().echo_replies == 1);
}

TEST_CASE("Ipv4Addr parses dotted quads and nothing looser", "[apps][inet]") {
  CHECK(Ipv4Addr::parse("10.0.0.1") == Ipv4Addr{{10, 0, 0, 1}});
  CHECK(Ipv4Addr::parse("255.255.255.255")->value() == 0xFFFFFFFFu);
  CHECK(Ipv4Addr::parse("192.168.1.20")->to_string() == "192.168.1.20");
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.4 ", "a.b.c.d",
                          "1..2.3", "1.2.3.1000"}) {
    INFO(bad);
    CHECK_FALSE(Ipv4Addr::parse(bad).has_value());
  }
}

TEST_CASE("the one's complement sum over an mbuf chain handles words split between segments",
          "[apps][inet]") {
  make_host(1);  // the EAL
  auto pool = harness::make_pktmbuf_pool(63);
  REQUIRE(pool.has_value());
  Bytes b(1601);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(i * 13 + 5);
  rte_mbuf* head = nullptr;
  size_t off = 0;
  for (size_t len : {7u, 1001u, 1u, 592u}) {  // odd lengths: words straddle three boundaries
    rte_mbuf* m = rte_pktmbuf_alloc(pool->get());
    REQUIRE(m != nullptr);
    std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(len)), b.data() + off, len);
    off += len;
    if (head == nullptr)
      head = m;
    else
      REQUIRE(rte_pktmbuf_chain(head, m) == 0);
  }
  for (uint32_t start : {0u, 3u, 8u, 1008u}) {
    INFO("from " << start);
    const auto s = apps::inet::ones_sum(head, start, static_cast<uint32_t>(b.size() - start));
    REQUIRE(s.has_value());
    CHECK(static_cast<uint16_t>(~*s) == checksum(b, start, b.size() - start));
    CHECK(apps::inet::ones_sum(b.data() + start, b.size() - start) == *s);
  }
  CHECK_FALSE(apps::inet::ones_sum(head, 1, 1601).has_value());
  rte_pktmbuf_free(head);
}

TEST_CASE("probe headers refuse lengths out of range and parse back what they built",
          "[apps][probe]") {
  apps::ProbeSpec s;
  s.src = hal::MacAddr({0x02, 0, 0, 0, 0, 1});
  s.dst = hal::MacAddr({0x02, 0, 0, 0, 0, 2});
  s.frame_len = 59;
  CHECK_FALSE(apps::build_probe_header(s).has_value());
  s.frame_len = apps::kMaxFrameLen + 1;
  CHECK_FALSE(apps::build_probe_header(s).has_value());
  s.vlan_tci = 5;
  s.frame_len = 61;
  CHECK_FALSE(apps::build_probe_header(s).has_value());
  s.frame_len = 62;
  s.flow = 9;
  const auto b = apps::probe_frame_bytes(s, 0x0123456789abcdefull, 42);
  REQUIRE(b.has_value());
  CHECK(checksum(*b, 18, 20) == 0);
  const auto p = apps::parse_probe(*b, 62);
  REQUIRE(p.has_value());
  CHECK(p->flow == 9);
  CHECK(p->seq == 0x0123456789abcdefull);
  CHECK(p->tsc == 42);
  CHECK_FALSE(apps::parse_probe(*b, 63).has_value());        // IPv4 length disagrees
  CHECK_FALSE(apps::parse_probe(*b, 62, 1234).has_value());  // another port
  CHECK_FALSE(apps::parse_probe(std::span(*b).first(40), 62).has_value());
}
