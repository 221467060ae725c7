#include "harness/apps/responder.hpp"

#include <algorithm>
#include <cstring>

#include <rte_mbuf.h>

namespace harness::apps {

using namespace inet;

namespace {

using Outcome = Responder::Outcome;

bool same(const uint8_t* p, const uint8_t* q, size_t n) { return std::memcmp(p, q, n) == 0; }

Outcome answer_arp(uint8_t* f, uint32_t head, unsigned l3, const hal::MacAddr& mac, Ipv4Addr ip) {
  if (head < l3 + arp::kLen) return Outcome::kMalformed;
  uint8_t* a = f + l3;
  const bool ipv4_over_ethernet = load16(a + arp::kHtype) == arp::kHtypeEthernet &&
                                  load16(a + arp::kPtype) == kEtherTypeIpv4 && a[arp::kHlen] == 6 &&
                                  a[arp::kPlen] == 4;
  const hal::MacAddr dst(std::to_array<uint8_t, 6>({f[0], f[1], f[2], f[3], f[4], f[5]}));
  const bool for_us = load16(a + arp::kOper) == arp::kOperRequest &&
                      same(a + arp::kTpa, ip.bytes().data(), 4) &&
                      (dst.is_broadcast() || dst == mac);
  if (!ipv4_over_ethernet || !for_us) return Outcome::kIgnored;

  // The requester becomes the target, we the sender; the frame goes back to its hardware address.
  std::memcpy(a + arp::kTha, a + arp::kSha, 6);
  std::memcpy(a + arp::kTpa, a + arp::kSpa, 4);
  std::memcpy(a + arp::kSha, mac.bytes().data(), 6);
  std::memcpy(a + arp::kSpa, ip.bytes().data(), 4);
  store16(a + arp::kOper, arp::kOperReply);
  std::memcpy(f + eth::kDst, a + arp::kTha, 6);
  std::memcpy(f + eth::kSrc, mac.bytes().data(), 6);
  return Outcome::kArpReply;
}

Outcome answer_icmp(rte_mbuf* m, uint8_t* f, uint32_t head, unsigned l3, const hal::MacAddr& mac,
                    Ipv4Addr ip) {
  if (head < l3 + ipv4::kMinLen) return Outcome::kMalformed;
  uint8_t* h = f + l3;
  const unsigned ihl = (h[ipv4::kVersionIhl] & 0x0F) * 4u;
  const uint32_t total = load16(h + ipv4::kTotalLen);
  if ((h[ipv4::kVersionIhl] >> 4) != 4 || ihl < ipv4::kMinLen || head < l3 + ihl || total < ihl ||
      l3 + total > m->pkt_len || ones_sum(h, ihl) != 0xFFFF) {
    return Outcome::kMalformed;
  }
  const bool for_us =
      same(h + ipv4::kDst, ip.bytes().data(), 4) && same(f + eth::kDst, mac.bytes().data(), 6);
  const bool whole = (load16(h + ipv4::kFragment) & (ipv4::kFlagMf | ipv4::kOffsetMask)) == 0;
  if (!for_us || !whole || h[ipv4::kProto] != ipv4::kProtoIcmp) return Outcome::kIgnored;

  const uint32_t icmp_len = total - ihl;
  if (icmp_len < icmp::kHeaderLen || head < l3 + ihl + icmp::kHeaderLen) return Outcome::kMalformed;
  uint8_t* c = h + ihl;
  if (c[icmp::kType] != icmp::kEchoRequest || c[icmp::kCode] != 0) return Outcome::kIgnored;
  // The data may span segments: the sum walks the chain.
  if (ones_sum(m, l3 + ihl, icmp_len) != 0xFFFF) return Outcome::kMalformed;

  std::memcpy(f + eth::kDst, f + eth::kSrc, 6);
  std::memcpy(f + eth::kSrc, mac.bytes().data(), 6);
  std::memcpy(h + ipv4::kDst, h + ipv4::kSrc, 4);
  std::memcpy(h + ipv4::kSrc, ip.bytes().data(), 4);
  h[ipv4::kTtl] = ipv4::kDefaultTtl;
  store16(h + ipv4::kChecksum, 0);
  store16(h + ipv4::kChecksum, static_cast<uint16_t>(~ones_sum(h, ihl)));
  c[icmp::kType] = icmp::kEchoReply;
  const uint16_t code = c[icmp::kCode];
  store16(c + icmp::kChecksum,
          checksum_adjust(load16(c + icmp::kChecksum),
                          static_cast<uint16_t>(icmp::kEchoRequest << 8 | code),
                          static_cast<uint16_t>(icmp::kEchoReply << 8 | code)));
  return Outcome::kEchoReply;
}

}  // namespace

Responder::Outcome Responder::answer(rte_mbuf* m, const hal::MacAddr& mac, Ipv4Addr ip) {
  auto* f = rte_pktmbuf_mtod(m, uint8_t*);
  const uint32_t head = m->data_len;
  if (head < eth::kHeaderLen) return Outcome::kMalformed;
  unsigned l3 = eth::kHeaderLen;
  uint16_t type = load16(f + eth::kType);
  if (type == kEtherTypeVlan) {
    l3 += eth::kTagLen;
    if (head < l3) return Outcome::kMalformed;
    type = load16(f + l3 - 2);
  }
  if (type == kEtherTypeArp) return answer_arp(f, head, l3, mac, ip);
  if (type == kEtherTypeIpv4) return answer_icmp(m, f, head, l3, mac, ip);
  return Outcome::kIgnored;
}

Responder::Responder(const BurstPort& port, const ResponderOptions& opts)
    : rx_(port.rx),
      tx_(port.tx),
      mac_(port.mac),
      ip_(opts.ip),
      burst_(std::clamp<uint16_t>(opts.burst, 1, kMaxBurst)) {}

uint16_t Responder::poll() {
  rte_mbuf* pkts[kMaxBurst];
  const uint16_t n = rx_->rx_burst(pkts, burst_);
  if (n == 0) return 0;
  rte_mbuf* replies[kMaxBurst];
  rte_mbuf* rest[kMaxBurst];
  uint16_t nr = 0;
  uint16_t nf = 0;
  for (uint16_t i = 0; i < n; ++i) {
    const Outcome o = answer(pkts[i], mac_, ip_);
    ++outcomes_[static_cast<unsigned>(o)];
    if (o == Outcome::kArpReply || o == Outcome::kEchoReply) {
      replies[nr++] = pkts[i];
    } else {
      rest[nf++] = pkts[i];
    }
  }
  if (nf != 0) rte_pktmbuf_free_bulk(rest, nf);
  if (nr != 0) {
    const uint16_t took = tx_->tx_burst(replies, nr);
    if (took < nr) rte_pktmbuf_free_bulk(replies + took, nr - took);
    tx_refused_ += nr - took;
  }
  received_ += n;
  return n;
}

ResponderCounters Responder::counters() const {
  ResponderCounters c;
  c.received = received_;
  c.arp_replies = outcomes_[static_cast<unsigned>(Outcome::kArpReply)];
  c.echo_replies = outcomes_[static_cast<unsigned>(Outcome::kEchoReply)];
  c.ignored = outcomes_[static_cast<unsigned>(Outcome::kIgnored)];
  c.malformed = outcomes_[static_cast<unsigned>(Outcome::kMalformed)];
  c.tx_refused = tx_refused_;
  return c;
}

}  // namespace harness::apps
