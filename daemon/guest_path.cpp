#include "daemon/guest_path.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>
#include <rte_mbuf.h>

#include "harness/apps/burst_port.hpp"
#include "harness/wire/mbuf_copy.hpp"

namespace simd {
namespace inet = harness::apps::inet;

std::vector<uint8_t> gratuitous_arp(const hal::MacAddr& mac, inet::Ipv4Addr ip) {
  std::vector<uint8_t> f(inet::eth::kMinFrameLen, 0);
  std::fill_n(f.begin() + inet::eth::kDst, 6, uint8_t{0xFF});
  std::memcpy(f.data() + inet::eth::kSrc, mac.bytes().data(), 6);
  inet::store16(f.data() + inet::eth::kType, inet::kEtherTypeArp);
  uint8_t* a = f.data() + inet::eth::kHeaderLen;
  inet::store16(a + inet::arp::kHtype, inet::arp::kHtypeEthernet);
  inet::store16(a + inet::arp::kPtype, inet::kEtherTypeIpv4);
  a[inet::arp::kHlen] = 6;
  a[inet::arp::kPlen] = 4;
  inet::store16(a + inet::arp::kOper, inet::arp::kOperRequest);
  std::memcpy(a + inet::arp::kSha, mac.bytes().data(), 6);
  std::memcpy(a + inet::arp::kSpa, ip.bytes().data(), 4);
  // Target hardware address stays zero: the request asks nobody, it tells everybody (RFC 5227).
  std::memcpy(a + inet::arp::kTpa, ip.bytes().data(), 4);
  return f;
}

GuestPath::GuestPath(harness::Guest& guest, GuestPathOptions opts) : guest_(guest), opts_(opts) {}

GuestPath::~GuestPath() {
  // The responder points at the port's queues.
  responder_.reset();
  port_.reset();
}

harness::apps::ResponderCounters GuestPath::counters() const {
  return responder_ ? responder_->counters() : harness::apps::ResponderCounters{};
}

std::optional<std::string> GuestPath::ensure_queues(hal::Nanos now) {
  const vf::VfDriver& drv = guest_.driver();
  if (drv.state() != vf::State::kUp) return std::nullopt;
  const uint64_t resets = drv.counters().resets;
  if (port_ && resets == resets_seen_) return std::nullopt;
  if (now < retry_at_) return std::nullopt;
  responder_.reset();
  harness::PortOptions po;
  po.ring_size = opts_.ring_size;
  std::expected<void, std::string> r;
  if (!port_) {
    auto p = harness::VfPort::attach(guest_.function(), guest_.driver(), po);
    if (p) {
      port_ = std::move(*p);
    } else {
      r = std::unexpected(p.error());
    }
  } else {
    r = port_->setup_queues(po.ring_size, po.rx, po.tx, 1);
  }
  if (!r) {
    retry_at_ = now + std::max<hal::Nanos>(opts_.announce_every, std::chrono::milliseconds(100));
    return fmt::format("vf {}: queue setup: {}", guest_.id(), r.error());
  }
  resets_seen_ = resets;
  mac_ = drv.mac();
  responder_.emplace(harness::apps::burst_port(*port_),
                     harness::apps::ResponderOptions{.ip = opts_.ip});
  next_announce_ = now;  // tell the world at once after every (re)start, as a booting OS does
  return std::nullopt;
}

size_t GuestPath::announce() {
  const auto frame = gratuitous_arp(guest_.driver().mac(), opts_.ip);
  rte_mbuf* m = harness::mbuf_from_bytes(port_->pool.get(), frame);
  if (m == nullptr) return 0;
  if (port_->tx->tx_burst(&m, 1) != 1) {
    rte_pktmbuf_free(m);
    return 0;
  }
  ++announced_;
  return 1;
}

GuestPathTurn GuestPath::poll(hal::Nanos now) {
  GuestPathTurn turn;
  turn.error = ensure_queues(now);
  if (!responder_) return turn;
  // A reset the driver has not finished yet leaves the queues stopped: wait for the new ones.
  if (guest_.driver().counters().resets != resets_seen_) return turn;
  if (guest_.driver().mac() != mac_) {
    // The guest took another MAC (guest_mac): answer and announce with it from now on.
    mac_ = guest_.driver().mac();
    responder_.emplace(harness::apps::burst_port(*port_),
                       harness::apps::ResponderOptions{.ip = opts_.ip});
    next_announce_ = now;
  }
  turn.frames += responder_->poll();
  if (guest_.is_up() && now >= next_announce_) {
    turn.frames += announce();
    next_announce_ = now + opts_.announce_every;
  }
  return turn;
}

}  // namespace simd
