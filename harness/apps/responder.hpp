#pragma once
// A responder on one port: answers ARP requests for its IPv4 address and ICMP echo requests to
// it, so a Linux stack on the wire (a net_tap port) can resolve and ping the port. Replies are
// made in place in the request's mbuf and sent from the same port; everything else is freed and
// counted.
//
// What it answers, and how (RFC 826, 791, 792):
//  - ARP: an Ethernet/IPv4 request (htype 1, ptype 0x0800, hlen 6, plen 4, oper 1) whose target
//    is the address, sent to broadcast or to the port's MAC. The reply goes to the sender's
//    hardware address from the port's MAC: oper 2, sender = port MAC and address, target = the
//    requester.
//  - ICMP echo: an IPv4 datagram to the address and the port's MAC, not a fragment, with a
//    correct header checksum, carrying type 8 code 0 with a correct ICMP checksum. The reply
//    swaps the addresses (Ethernet and IPv4), sets TTL 64, keeps ID and options, recomputes the
//    IPv4 checksum, and sets type 0 with the ICMP checksum adjusted for that one word (RFC 1624)
//    rather than summed again: the data may be a 9000-byte chain.
// An in-band 802.1Q tag stays in the reply; a tag the RX queue stripped is not put back.

#include <cstdint>

#include "harness/apps/burst_port.hpp"
#include "harness/apps/inet.hpp"

namespace harness::apps {

struct ResponderOptions {
  inet::Ipv4Addr ip;
  /// Frames per rx_burst, 1..kMaxBurst (clamped).
  uint16_t burst = kMaxBurst;
};

struct ResponderCounters {
  uint64_t received = 0;
  uint64_t arp_replies = 0;   ///< ARP requests answered
  uint64_t echo_replies = 0;  ///< ICMP echo requests answered
  uint64_t ignored = 0;       ///< well-formed but not for us: other address, protocol or type
  uint64_t malformed = 0;     ///< truncated headers, bad lengths, bad IPv4 or ICMP checksum
  uint64_t tx_refused = 0;    ///< replies tx_burst left (ring full): freed
};

/// Not thread-safe: one thread polls one responder (and owns the port's queues).
class Responder {
 public:
  /// What became of one frame.
  enum class Outcome : uint8_t { kArpReply, kEchoReply, kIgnored, kMalformed };

  /// A responder on `port.rx` and `port.tx` (both must be set) for address `opts.ip`.
  Responder(const BurstPort& port, const ResponderOptions& opts);

  /// One rx_burst; replies made and sent in one tx_burst; the rest freed in bulk. Never blocks.
  /// Returns the frames received.
  uint16_t poll();

  /// Turns `m` into its reply in place when it is a request to answer (kArpReply, kEchoReply);
  /// leaves it untouched otherwise. Pure: no queue, no counter (tests call it directly).
  static Outcome answer(rte_mbuf* m, const hal::MacAddr& mac, inet::Ipv4Addr ip);

  ResponderCounters counters() const;
  inet::Ipv4Addr ip() const { return ip_; }

 private:
  dp::RxQueue* rx_;
  dp::TxQueue* tx_;
  hal::MacAddr mac_;
  inet::Ipv4Addr ip_;
  uint16_t burst_;
  uint64_t received_ = 0;
  uint64_t outcomes_[4] = {};  // by Outcome: counted with an index, not a branch
  uint64_t tx_refused_ = 0;
};

}  // namespace harness::apps
