// The host's software switch (harness/failover/host_switch.hpp) on a stepped DatapathHost with
// two VFs: which frames reach the PF's default pool is the PF driver's host MAC business, what
// the switch does with them (and with what the guests send) is checked here, frame by frame
// and in its counters.

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "guest_apps_rig.hpp"
#include "harness/apps/probe_frame.hpp"
#include "harness/failover/host_switch.hpp"
#include "harness/failover/synthetic_channel.hpp"
#include "hal/sim/wire_port.hpp"

using namespace appstest;
namespace hsw = harness::failover;

namespace {

const hal::MacAddr kHswGuestMac({0x02, 0x00, 0x00, 0x00, 0x99, 0x01});
const hal::MacAddr kHswGuestMac2({0x02, 0x00, 0x00, 0x00, 0x99, 0x02});
const hal::MacAddr kHswBroadcast({0xff, 0xff, 0xff, 0xff, 0xff, 0xff});

/// A UDP probe frame dst <- src of `len` bytes; the payload past the probe fields carries a
/// pattern of `seq`, so that a copy that loses or moves a byte shows.
std::vector<uint8_t> hsw_frame(const hal::MacAddr& dst, const hal::MacAddr& src, uint64_t seq,
                           uint16_t flow = 0, uint32_t len = 128) {
  harness::apps::ProbeSpec s;
  s.dst = dst;
  s.src = src;
  s.flow = flow;
  // The PF hashes IPv4 on its addresses alone (MRQC has no UDP field): a flow's own source
  // address is what spreads flows over the queues.
  s.src_ip = harness::apps::inet::Ipv4Addr(std::array<uint8_t, 4>{10, 0, 1, static_cast<uint8_t>(flow)});
  s.frame_len = len;
  auto b = harness::apps::probe_frame_bytes(s, seq, 0);
  REQUIRE(b.has_value());
  for (size_t i = 58; i < b->size(); ++i) (*b)[i] = static_cast<uint8_t>(seq * 31 + i);
  return *b;
}

/// `n` frames numbered from `seq0`. One flow, so RSS puts them all on one queue of a pool and
/// they arrive in order; with `spread`, a flow (source address) each, which RSS spreads over
/// the pool's queues.
std::vector<std::vector<uint8_t>> hsw_frames(const hal::MacAddr& dst, const hal::MacAddr& src,
                                         unsigned n, uint64_t seq0 = 0, uint32_t len = 128,
                                         bool spread = false) {
  std::vector<std::vector<uint8_t>> out;
  for (unsigned i = 0; i < n; ++i) {
    out.push_back(hsw_frame(dst, src, seq0 + i, spread ? static_cast<uint16_t>(i) : uint16_t{0}, len));
  }
  return out;
}

/// A guest's end of a synthetic path: its receive pool and the channel.
struct HswGuest {
  explicit HswGuest(unsigned pool_size = 1023, unsigned ring = 1024) {
    auto mp = harness::make_pktmbuf_pool(pool_size);
    INFO((mp ? std::string() : mp.error()));
    REQUIRE(mp.has_value());
    pool = std::move(*mp);
    auto c = hsw::SyntheticChannel::create(pool.get(), ring);
    INFO((c ? std::string() : c.error()));
    REQUIRE(c.has_value());
    ch = std::move(*c);
  }
  /// Everything the host delivered, as bytes; the mbufs go back to the pool.
  std::vector<std::vector<uint8_t>> receive() {
    std::vector<std::vector<uint8_t>> out;
    rte_mbuf* b[32];
    for (uint16_t n; (n = ch->guest_receive(b, 32)) != 0;) {
      for (uint16_t i = 0; i < n; ++i) out.push_back(mbuf_bytes(b[i]));
      rte_pktmbuf_free_bulk(b, n);
    }
    return out;
  }
  /// Queues `fs` for the host (mbufs of the guest's pool); all must be taken.
  void send(const std::vector<std::vector<uint8_t>>& fs) {
    std::vector<rte_mbuf*> pkts;
    for (const auto& f : fs) pkts.push_back(make_mbuf(pool.get(), f));
    REQUIRE(ch->guest_send(pkts.data(), static_cast<uint16_t>(pkts.size())) == pkts.size());
  }
  unsigned avail() const { return rte_mempool_avail_count(pool.get()); }

  harness::MempoolPtr pool;  // outlives the channel (declared first)
  std::unique_ptr<hsw::SyntheticChannel> ch;
};

/// The host (device, PF, two VFs with jumbo MTU), a fresh MemoryWire, then the switch.
/// Members go bottom-up: the switch before the host.
struct HswRig {
  explicit HswRig(const hsw::HostSwitchOptions& o = small()) {
    harness::PortOptions p;
    p.mtu = 9000;
    h = make_host(2, p);
    // The failover pairing is the administrator's: VF 1's MAC becomes its admin MAC.
    REQUIRE(h->pf().set_vf_mac(hal::VfId(1), h->mac(1)).has_value());
    wire = std::make_shared<sim::MemoryWire>();
    h->device().set_wire(wire);
    auto s = hsw::HostSwitch::open(h->pf(), h->device().pf(), o);
    INFO((s ? std::string() : s.error()));
    REQUIRE(s.has_value());
    sw = std::move(*s);
  }
  static hsw::HostSwitchOptions small() {
    hsw::HostSwitchOptions o;
    o.ring_size = 64;
    return o;
  }
  /// Switch polls and engine passes until nothing moves.
  void run() {
    appstest::run(*h, [&] { return sw->poll(); });
  }
  unsigned attach(const hal::MacAddr& mac, HswGuest& g, bool deliver) {
    auto id = sw->attach(mac, *g.ch, deliver);
    INFO((id ? std::string() : id.error()));
    REQUIRE(id.has_value());
    return *id;
  }
  bool is_host_mac(const hal::MacAddr& mac) const {
    for (const auto& m : h->pf().host_macs())
      if (m == mac) return true;
    return false;
  }
  void check() {
    INFO(sw->check());
    CHECK(sw->check() == "");
    CHECK(sw->in_rings() == 0);
    CHECK(sw->backlog() == 0);
    check_accounting(*h);
  }

  std::unique_ptr<harness::DatapathHost> h;
  std::shared_ptr<sim::MemoryWire> wire;
  std::unique_ptr<hsw::HostSwitch> sw;
};

}  // namespace

TEST_CASE("host switch: a guest's MAC moves between its VF and the channel on the guest's word",
          "[host-switch]") {
  HswRig r;
  HswGuest g;
  const hal::MacAddr vf1 = r.h->mac(1);  // the failover pairing: the guest's NIC has VF1's MAC
  const auto batch = [&](uint64_t seq0) { return hsw_frames(vf1, r.h->mac(0), 8, seq0); };

  // No host MAC: VF1 receives, the switch sees nothing.
  send_frames(*r.h, 0, batch(0));
  r.run();
  CHECK(receive_all(*r.h, 1) == batch(0));
  CHECK(r.sw->counters().rx == 0);

  // Attached without delivery: still VF1's.
  const unsigned id = r.attach(vf1, g, false);
  CHECK_FALSE(r.sw->ports().at(0).host_mac);
  send_frames(*r.h, 0, batch(10));
  r.run();
  CHECK(receive_all(*r.h, 1) == batch(10));
  CHECK(g.receive().empty());

  // The guest asks for the synthetic path: the PF maps the MAC to the default pool.
  g.ch->guest_post(hsw::GuestMsg::kDataPathSynthetic);
  r.sw->poll();
  CHECK(r.sw->ports().at(0).host_mac);
  CHECK(r.is_host_mac(vf1));
  send_frames(*r.h, 0, batch(20));
  r.run();
  CHECK(g.receive() == batch(20));
  CHECK(receive_all(*r.h, 1).empty());
  CHECK(r.sw->counters().rx == 8);
  CHECK(r.sw->counters().to_guest == 8);

  // Back to the VF.
  g.ch->guest_post(hsw::GuestMsg::kDataPathVf);
  r.sw->poll();
  CHECK_FALSE(r.sw->ports().at(0).host_mac);
  CHECK_FALSE(r.is_host_mac(vf1));
  send_frames(*r.h, 0, batch(30));
  r.run();
  CHECK(receive_all(*r.h, 1) == batch(30));
  CHECK(g.receive().empty());
  CHECK(r.sw->counters().rx == 8);
  CHECK(r.sw->counters().pf_calls_failed == 0);
  r.check();

  // Detaching gives a held MAC back.
  g.ch->guest_post(hsw::GuestMsg::kDataPathSynthetic);
  r.sw->poll();
  REQUIRE(r.is_host_mac(vf1));
  REQUIRE(r.sw->detach(id).has_value());
  CHECK_FALSE(r.is_host_mac(vf1));
  CHECK(r.sw->ports().empty());
}

TEST_CASE("host switch: a MAC foreign to the host reaches the channel once attached with delivery",
          "[host-switch]") {
  HswRig r;
  HswGuest g;
  // Sixteen flows: RSS spreads them over the default pool's four queues, all polled.
  const auto batch = [&](uint64_t seq0) { return hsw_frames(kHswGuestMac, r.h->mac(0), 16, seq0, 128, true); };

  send_frames(*r.h, 0, batch(0));
  r.run();
  CHECK(r.wire->sent() == batch(0));  // unknown unicast: out to the wire
  CHECK(r.sw->counters().rx == 0);

  r.attach(kHswGuestMac, g, true);  // a migrated guest: no VF here, its MAC is the host's at once
  CHECK(r.is_host_mac(kHswGuestMac));
  CHECK(r.sw->ports().at(0).host_mac);
  r.wire->clear_sent();
  send_frames(*r.h, 0, batch(100));
  r.run();
  CHECK(r.wire->sent().empty());
  auto got = g.receive();
  auto want = batch(100);
  std::sort(got.begin(), got.end());  // each queue keeps its order; the queues interleave
  std::sort(want.begin(), want.end());
  CHECK(got == want);
  CHECK(r.sw->counters().rx == 16);
  CHECK(r.sw->counters().to_guest == 16);
  CHECK(r.h->device().accounting().rx_queue_disabled == 0);
  unsigned queues_used = 0;
  for (unsigned i = 0; i < r.h->pf().host_queues().count; ++i) {
    queues_used += r.h->device().queue_counters(hal::QueueId{r.h->pf().host_queues()[i]}).rx_packets != 0;
  }
  CHECK(queues_used > 1);
  CHECK(g.avail() == 1023);  // the guest's mbufs came back
  r.check();
}

TEST_CASE("host switch: with one queue pair open, the device drops flows RSS puts elsewhere",
          "[host-switch]") {
  hsw::HostSwitchOptions o = HswRig::small();
  o.queue_pairs = 1;
  HswRig r(o);
  HswGuest g;
  r.attach(kHswGuestMac, g, true);
  send_frames(*r.h, 0, hsw_frames(kHswGuestMac, r.h->mac(0), 16, 0, 128, true));
  r.run();
  const uint64_t dropped = r.h->device().accounting().rx_queue_disabled;
  CHECK(dropped > 0);  // why queue_pairs defaults to all of the pool's queues
  CHECK(r.sw->counters().rx == 16 - dropped);
  CHECK(g.receive().size() == 16 - dropped);
  CHECK(r.sw->check() == "");
}

TEST_CASE("host switch: frames from the channel reach a VF and the wire through the PF",
          "[host-switch]") {
  HswRig r;
  HswGuest g;
  r.attach(kHswGuestMac, g, true);
  const auto to_vf = hsw_frames(r.h->mac(1), kHswGuestMac, 20, 0);
  const auto to_wire = hsw_frames(hal::MacAddr({0x02, 0, 0, 0, 0x77, 0x01}), kHswGuestMac, 5, 50);
  g.send(to_vf);
  g.send(to_wire);
  CHECK(g.avail() == 1023 - 25);

  // One switch pass hands them to the PF's TX ring (the guest's mbufs go back at once); the
  // device has not run, so all of them are still in the ring.
  CHECK(r.sw->poll() == 25);
  CHECK(g.avail() == 1023);
  CHECK(r.sw->counters().from_guests == 25);
  CHECK(r.sw->counters().tx_taken == 25);
  CHECK(r.sw->in_rings() == 25);
  CHECK(r.sw->check() == "");
  r.h->device().poll_once();
  CHECK(r.sw->in_rings() == 0);
  CHECK(receive_all(*r.h, 1) == to_vf);
  CHECK(r.wire->sent() == to_wire);

  // The other way: frames the device put into the PF's RX ring count until the switch reads them.
  send_frames(*r.h, 0, hsw_frames(kHswGuestMac, r.h->mac(0), 4, 200));
  r.h->device().poll_once();
  CHECK(r.sw->in_rings() == 4);
  r.sw->poll();
  CHECK(r.sw->in_rings() == 0);
  CHECK(g.receive() == hsw_frames(kHswGuestMac, r.h->mac(0), 4, 200));
  r.check();
}

TEST_CASE("host switch: broadcast reaches every port, unicast for no port is counted",
          "[host-switch]") {
  HswRig r;
  HswGuest a, b;
  const unsigned ida = r.attach(kHswGuestMac, a, true);
  const unsigned idb = r.attach(kHswGuestMac2, b, false);
  const auto bc = hsw_frames(kHswBroadcast, r.h->mac(0), 3, 0);
  send_frames(*r.h, 0, bc);
  r.run();
  CHECK(a.receive() == bc);
  CHECK(b.receive() == bc);
  CHECK(receive_all(*r.h, 1) == bc);  // the VEB's own copy for the other VF
  CHECK(r.sw->counters().rx == 3);
  CHECK(r.sw->counters().extra_copies == 3);
  CHECK(r.sw->counters().to_guest == 6);
  r.check();

  // Frames for port a already in the PF's ring when it goes: no port takes them.
  send_frames(*r.h, 0, hsw_frames(kHswGuestMac, r.h->mac(0), 2, 10));
  r.h->device().poll_once();
  REQUIRE(r.sw->detach(ida).has_value());
  CHECK_FALSE(r.is_host_mac(kHswGuestMac));
  r.sw->poll();
  CHECK(r.sw->counters().no_port == 2);
  CHECK(a.receive().empty());

  // Broadcast with no port left.
  REQUIRE(r.sw->detach(idb).has_value());
  send_frames(*r.h, 0, bc);
  r.run();
  CHECK(r.sw->counters().no_port == 5);
  CHECK(r.sw->counters().extra_copies == 3);
  CHECK(b.receive().empty());
  receive_all(*r.h, 1);
  r.check();

  CHECK_FALSE(r.sw->detach(ida).has_value());
}

TEST_CASE("host switch: a full guest ring or an empty guest pool is counted, not lost",
          "[host-switch]") {
  HswRig r;
  SECTION("the channel's receive ring is full") {
    HswGuest g(1023, 64);
    r.attach(kHswGuestMac, g, true);
    for (unsigned k = 0; k < 3; ++k) {  // 96 frames in bursts the PF's rings can hold
      send_frames(*r.h, 0, hsw_frames(kHswGuestMac, r.h->mac(0), 32, 32 * k));
      r.run();
    }
    CHECK(r.sw->counters().rx == 96);
    CHECK(r.sw->counters().to_guest == 64);
    CHECK(r.sw->counters().guest_ring_full == 32);
    CHECK(g.receive().size() == 64);
    CHECK(g.avail() == 1023);  // refused copies went back to the guest's pool
    r.check();
  }
  SECTION("the guest's pool is empty") {
    HswGuest g(15, 64);
    r.attach(kHswGuestMac, g, true);
    send_frames(*r.h, 0, hsw_frames(kHswGuestMac, r.h->mac(0), 20, 0));
    r.run();
    CHECK(r.sw->counters().rx == 20);
    CHECK(r.sw->counters().to_guest == 15);
    CHECK(r.sw->counters().guest_no_mbuf == 5);
    CHECK(g.receive() == hsw_frames(kHswGuestMac, r.h->mac(0), 15, 0));  // one flow: in order, the first 15
    r.check();
  }
}

TEST_CASE("host switch: jumbo frames are chained both ways and wait in the backlog for the ring",
          "[host-switch]") {
  HswRig r;  // 64-descriptor PF rings, 2 KiB buffers: a 3000-byte frame takes two descriptors
  HswGuest g;
  r.attach(kHswGuestMac, g, true);

  // In: the PF receives a chain, the guest gets it whole.
  const auto in = hsw_frames(kHswGuestMac, r.h->mac(0), 8, 0, 3000);
  send_frames(*r.h, 0, in);
  r.run();
  CHECK(g.receive() == in);

  // Out: 40 jumbo frames. The first pass reads 32 (the ring's 63 free descriptors), the ring
  // takes 31 of them and the last waits in the backlog.
  const auto out = hsw_frames(r.h->mac(1), kHswGuestMac, 40, 100, 3000);
  g.send(out);
  r.sw->poll();
  CHECK(r.sw->counters().from_guests == 32);
  CHECK(r.sw->counters().tx_taken == 31);
  CHECK(r.sw->backlog() == 1);
  CHECK(r.sw->in_rings() == 31);
  CHECK(g.ch->to_host_queued() == 8);
  CHECK(r.sw->check() == "");
  // Until the device runs, the backlog keeps the rest in the channel (one free descriptor is
  // no room for a frame of two).
  r.sw->poll();
  CHECK(r.sw->counters().from_guests == 32);
  CHECK(r.sw->backlog() == 1);
  CHECK(g.ch->to_host_queued() == 8);
  // The device takes the ring; the next pass sends the backlog first, then reads on.
  r.h->device().poll_once();
  r.sw->poll();
  CHECK(r.sw->counters().tx_taken == 32 + 8);
  CHECK(r.sw->counters().from_guests == 40);
  CHECK(r.sw->backlog() == 0);
  CHECK(r.sw->check() == "");

  r.run();
  CHECK(receive_all(*r.h, 1) == out);  // all of them, in order
  CHECK(r.sw->counters().tx_taken == 40);
  CHECK(r.sw->counters().no_mbuf_tx == 0);
  CHECK(g.ch->to_host_queued() == 0);
  r.check();
}

TEST_CASE("host switch: single-buffer frames beyond the ring's room stay in the channel",
          "[host-switch]") {
  HswRig r;
  HswGuest g;
  r.attach(kHswGuestMac, g, true);
  const auto out = hsw_frames(r.h->mac(1), kHswGuestMac, 100, 0);
  g.send(out);
  r.sw->poll();
  r.sw->poll();
  r.sw->poll();
  // 32 + 31 fill the ring's 63 descriptors; the third pass finds no room.
  CHECK(r.sw->counters().from_guests == 63);
  CHECK(r.sw->counters().tx_taken == 63);
  CHECK(r.sw->backlog() == 0);
  CHECK(g.ch->to_host_queued() == 37);
  r.run();
  CHECK(receive_all(*r.h, 1) == out);
  r.check();
}

TEST_CASE("host switch: an empty switch pool is counted as no_mbuf_tx", "[host-switch]") {
  hsw::HostSwitchOptions o = HswRig::small();
  o.pool_size = 4 * 64 + 40;  // the four RX rings filled, 40 mbufs left for sending
  HswRig r(o);
  HswGuest g;
  r.attach(kHswGuestMac, g, true);
  g.send(hsw_frames(r.h->mac(1), kHswGuestMac, 100, 0));
  r.sw->poll();
  r.sw->poll();
  CHECK(r.sw->counters().from_guests == 63);
  CHECK(r.sw->counters().tx_taken == 40);
  CHECK(r.sw->counters().no_mbuf_tx == 23);
  CHECK(r.sw->check() == "");
  r.run();
  const auto c = r.sw->counters();
  CHECK(c.from_guests == 100);
  CHECK(c.tx_taken + c.no_mbuf_tx == 100);
  CHECK(receive_all(*r.h, 1).size() == c.tx_taken);
  CHECK(g.avail() == 1023);
  r.check();
}

TEST_CASE("host switch: revoke_vf moves the MAC to the host before it asks the guest",
          "[host-switch]") {
  HswRig r;
  HswGuest g;
  const hal::MacAddr vf1 = r.h->mac(1);
  const unsigned id = r.attach(vf1, g, false);
  CHECK_FALSE(r.sw->take_vf_released(id));

  REQUIRE(r.sw->revoke_vf(id).has_value());
  CHECK(r.is_host_mac(vf1));
  CHECK(r.sw->ports().at(0).host_mac);
  const auto msg = g.ch->guest_next_msg();
  REQUIRE(msg.has_value());
  CHECK(*msg == hsw::HostMsg::kVfRevoke);
  CHECK_FALSE(g.ch->guest_next_msg().has_value());
  // Already delivered to the host before the guest did anything.
  const auto batch = hsw_frames(vf1, r.h->mac(0), 4, 0);
  send_frames(*r.h, 0, batch);
  r.run();
  CHECK(g.receive() == batch);
  CHECK(receive_all(*r.h, 1).empty());

  g.ch->guest_post(hsw::GuestMsg::kDataPathSynthetic);  // the guest follows: changes nothing
  g.ch->guest_post(hsw::GuestMsg::kVfReleased);
  CHECK_FALSE(r.sw->take_vf_released(id));
  r.sw->poll();
  CHECK(r.sw->take_vf_released(id));
  CHECK_FALSE(r.sw->take_vf_released(id));
  CHECK(r.sw->ports().at(0).host_mac);
  CHECK(r.sw->counters().pf_calls_failed == 0);
  r.check();

  CHECK_FALSE(r.sw->revoke_vf(id + 1).has_value());
  CHECK_FALSE(r.sw->take_vf_released(id + 1));
}

TEST_CASE("host switch: bad attachments and PF refusals change nothing and are counted",
          "[host-switch]") {
  HswRig r;
  HswGuest g, g2;
  const hal::MacAddr pf_mac = harness::DatapathHostOptions{}.pf_mac;

  CHECK_FALSE(r.sw->attach(kHswBroadcast, *g.ch, false).has_value());
  CHECK_FALSE(r.sw->attach(hal::MacAddr{}, *g.ch, false).has_value());
  CHECK(r.sw->ports().empty());

  // The PF refuses its own MAC as a host MAC: no port, one refusal.
  auto bad = r.sw->attach(pf_mac, *g.ch, true);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().find("add_host_mac") != std::string::npos);
  CHECK(r.sw->ports().empty());
  CHECK(r.sw->counters().pf_calls_failed == 1);

  // Attached without delivery, the guest's request is refused too: counted, the port stays.
  const unsigned id = r.attach(pf_mac, g, false);
  g.ch->guest_post(hsw::GuestMsg::kDataPathSynthetic);
  r.sw->poll();
  CHECK(r.sw->counters().pf_calls_failed == 2);
  CHECK_FALSE(r.sw->ports().at(0).host_mac);
  const auto revoked = r.sw->revoke_vf(id);
  REQUIRE_FALSE(revoked.has_value());
  CHECK(revoked.error().find("add_host_mac") != std::string::npos);
  CHECK(r.sw->counters().pf_calls_failed == 3);
  CHECK_FALSE(g.ch->guest_next_msg().has_value());  // no revoke was posted

  // A MAC or a channel attached twice.
  CHECK_FALSE(r.sw->attach(pf_mac, *g2.ch, false).has_value());
  CHECK_FALSE(r.sw->attach(kHswGuestMac, *g.ch, false).has_value());
  CHECK(r.sw->ports().size() == 1);
  CHECK(r.h->pf().host_macs().empty());
  r.check();
}
