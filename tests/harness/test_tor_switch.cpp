// The top-of-rack switch (harness/fabric/tor_switch.hpp): learning, forwarding, flooding,
// filtering, MAC moves, link-down flushes, queue limits and the accounting; then simulated
// 82599s on its ports, whose link follows the port and whose frames reach its stations.

#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/sim/device.hpp"
#include "harness/fabric/tor_switch.hpp"
#include "wire_rig.hpp"

namespace {

using harness::fabric::TorSwitch;
using TorBytes = std::vector<uint8_t>;

hal::MacAddr tor_mac(uint8_t last) { return hal::MacAddr({0x02, 0x70, 0x00, 0x00, 0x00, last}); }
const hal::MacAddr kTorBroadcast({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
const hal::MacAddr kTorMulticast({0x01, 0x00, 0x5E, 0x00, 0x00, 0x01});

/// A 64-byte frame dst, src, a test ethertype and `seq` in the payload.
TorBytes tor_frame(const hal::MacAddr& dst, const hal::MacAddr& src, uint8_t seq = 0, size_t len = 64) {
  return wiretest::frame(dst, src, len, seq);
}

/// Every copy queued for station `port`.
std::vector<TorBytes> tor_drain(TorSwitch& sw, unsigned port) {
  std::vector<TorBytes> out;
  TorBytes f;
  while (sw.take(port, f)) out.push_back(f);
  return out;
}

void require_tor_accounts(const TorSwitch& sw) {
  const std::string err = sw.check();
  INFO(err);
  REQUIRE(err.empty());
}

/// A switch with `n` station ports, numbered 0..n-1.
struct TorStations {
  explicit TorStations(unsigned n, size_t capacity = 4096) : sw(capacity) {
    for (unsigned i = 0; i < n; ++i) REQUIRE(sw.add_station_port("st" + std::to_string(i)) == i);
  }
  TorSwitch sw;
};

}  // namespace

TEST_CASE("tor: a source MAC is learned and unicast to it goes out of its port only", "[tor]") {
  TorStations s(3);
  const TorBytes hello = tor_frame(kTorBroadcast, tor_mac(0), 1);
  REQUIRE(s.sw.inject(0, hello));
  CHECK(s.sw.learned_port(tor_mac(0)) == 0);
  CHECK(s.sw.learned_port(tor_mac(1)) == -1);
  CHECK(tor_drain(s.sw, 1) == std::vector<TorBytes>{hello});
  CHECK(tor_drain(s.sw, 2) == std::vector<TorBytes>{hello});
  CHECK(tor_drain(s.sw, 0).empty());  // never back out of the port it came in on

  const TorBytes reply = tor_frame(tor_mac(0), tor_mac(1), 2);
  REQUIRE(s.sw.inject(1, reply));
  CHECK(s.sw.learned_port(tor_mac(1)) == 1);
  CHECK(s.sw.queued(2) == 0);
  CHECK(s.sw.queued(0) == 1);
  CHECK(tor_drain(s.sw, 0) == std::vector<TorBytes>{reply});

  const auto& c = s.sw.counters();
  CHECK(c.ingress == 2);
  CHECK(c.extra_copies == 1);
  CHECK(c.delivered == 3);
  CHECK(c.dropped() == 0);
  CHECK(s.sw.port_counters(0).in == 1);
  CHECK(s.sw.port_counters(0).out == 1);
  CHECK(s.sw.port_counters(1).out == 1);
  CHECK(s.sw.port_counters(2).out == 1);
  CHECK(s.sw.port_name(2) == "st2");
  CHECK(s.sw.num_ports() == 3);
  require_tor_accounts(s.sw);
}

TEST_CASE("tor: unknown unicast, broadcast and multicast flood to every other port that is up",
          "[tor]") {
  TorStations s(4);
  REQUIRE(s.sw.set_link(3, false));
  const TorBytes unknown = tor_frame(tor_mac(9), tor_mac(0), 1);
  const TorBytes bcast = tor_frame(kTorBroadcast, tor_mac(0), 2);
  const TorBytes mcast = tor_frame(kTorMulticast, tor_mac(0), 3);
  for (const TorBytes& f : {unknown, bcast, mcast}) REQUIRE(s.sw.inject(0, f));
  for (unsigned p : {1u, 2u}) CHECK(tor_drain(s.sw, p) == std::vector<TorBytes>{unknown, bcast, mcast});
  CHECK(s.sw.queued(3) == 0);  // down: skipped, not dropped
  CHECK(s.sw.counters().extra_copies == 3);
  CHECK(s.sw.counters().egress_down == 0);
  CHECK(s.sw.port_counters(3).dropped == 0);
  require_tor_accounts(s.sw);
}

TEST_CASE("tor: multicast, broadcast and zero source MACs are not learned", "[tor]") {
  TorStations s(2);
  const hal::MacAddr zero;
  REQUIRE(s.sw.inject(0, tor_frame(kTorBroadcast, kTorMulticast, 1)));
  REQUIRE(s.sw.inject(0, tor_frame(kTorBroadcast, kTorBroadcast, 2)));
  REQUIRE(s.sw.inject(0, tor_frame(kTorBroadcast, zero, 3)));
  CHECK(s.sw.learned() == 0);
  CHECK(s.sw.learned_port(kTorMulticast) == -1);
  CHECK(s.sw.learned_port(zero) == -1);
  // So a frame to one of them is flooded, not sent to port 0 only.
  REQUIRE(s.sw.inject(1, tor_frame(zero, tor_mac(1), 4)));
  CHECK(s.sw.queued(0) == 1);
  CHECK(tor_drain(s.sw, 1).size() == 3);
  require_tor_accounts(s.sw);
}

TEST_CASE("tor: a frame to a MAC learned on the port it came in on is filtered", "[tor]") {
  TorStations s(3);
  REQUIRE(s.sw.inject(0, tor_frame(kTorBroadcast, tor_mac(0), 1)));
  REQUIRE(s.sw.inject(0, tor_frame(kTorBroadcast, tor_mac(5), 2)));
  tor_drain(s.sw, 1);
  tor_drain(s.sw, 2);
  REQUIRE(s.sw.inject(0, tor_frame(tor_mac(5), tor_mac(0), 3)));
  CHECK(s.sw.queued() == 0);
  CHECK(s.sw.counters().filtered == 1);
  CHECK(s.sw.counters().dropped() == 1);
  // A switch's drop, not a port's.
  for (unsigned p = 0; p < 3; ++p) CHECK(s.sw.port_counters(p).dropped == 0);
  require_tor_accounts(s.sw);
}

TEST_CASE("tor: a MAC seen on another port moves its entry there", "[tor]") {
  TorStations s(3);
  REQUIRE(s.sw.inject(0, tor_frame(kTorBroadcast, tor_mac(7), 1)));
  CHECK(s.sw.learned_port(tor_mac(7)) == 0);
  REQUIRE(s.sw.inject(0, tor_frame(kTorBroadcast, tor_mac(7), 2)));  // same port: no move
  CHECK(s.sw.counters().moved_macs == 0);
  // The guest migrated: its first frame comes in on port 2.
  REQUIRE(s.sw.inject(2, tor_frame(kTorBroadcast, tor_mac(7), 3)));
  CHECK(s.sw.learned_port(tor_mac(7)) == 2);
  CHECK(s.sw.counters().moved_macs == 1);
  CHECK(s.sw.learned() == 1);
  tor_drain(s.sw, 0);
  tor_drain(s.sw, 1);
  tor_drain(s.sw, 2);
  const TorBytes to_guest = tor_frame(tor_mac(7), tor_mac(1), 4);
  REQUIRE(s.sw.inject(1, to_guest));
  CHECK(s.sw.queued(0) == 0);
  CHECK(tor_drain(s.sw, 2) == std::vector<TorBytes>{to_guest});
  require_tor_accounts(s.sw);
}

TEST_CASE("tor: a port taken down forgets its MACs and drops its queued copies", "[tor]") {
  TorStations s(3);
  REQUIRE(s.sw.inject(1, tor_frame(kTorBroadcast, tor_mac(1), 1)));
  REQUIRE(s.sw.inject(1, tor_frame(kTorBroadcast, tor_mac(11), 2)));
  REQUIRE(s.sw.inject(2, tor_frame(kTorBroadcast, tor_mac(2), 3)));
  tor_drain(s.sw, 0);
  tor_drain(s.sw, 2);
  // Port 1 holds the flooded frame from port 2 and three unicast copies.
  for (uint8_t i = 0; i < 3; ++i) REQUIRE(s.sw.inject(0, tor_frame(tor_mac(1), tor_mac(0), 10 + i)));
  REQUIRE(s.sw.queued(1) == 4);

  REQUIRE(s.sw.set_link(1, false));
  CHECK_FALSE(s.sw.link_up(1));
  CHECK_FALSE(s.sw.admin_up(1));
  CHECK(s.sw.queued(1) == 0);
  CHECK(s.sw.learned_port(tor_mac(1)) == -1);
  CHECK(s.sw.learned_port(tor_mac(11)) == -1);
  CHECK(s.sw.learned_port(tor_mac(2)) == 2);  // other ports' entries stay
  CHECK(s.sw.counters().flushed_macs == 2);
  CHECK(s.sw.counters().egress_down == 4);
  CHECK(s.sw.port_counters(1).dropped == 4);
  // Taking a port that is down down again changes nothing.
  REQUIRE(s.sw.set_link(1, false));
  CHECK(s.sw.counters().flushed_macs == 2);
  CHECK(s.sw.counters().egress_down == 4);

  // Its MAC is unknown now: flooded to the ports that are up (port 2 only).
  const TorBytes again = tor_frame(tor_mac(1), tor_mac(0), 20);
  REQUIRE(s.sw.inject(0, again));
  CHECK(tor_drain(s.sw, 2) == std::vector<TorBytes>{again});
  // Back up: nothing comes back, and it takes new copies.
  REQUIRE(s.sw.set_link(1, true));
  CHECK(s.sw.link_up(1));
  CHECK(s.sw.queued(1) == 0);
  REQUIRE(s.sw.inject(0, again));
  CHECK(tor_drain(s.sw, 1) == std::vector<TorBytes>{again});
  tor_drain(s.sw, 2);
  require_tor_accounts(s.sw);
}

TEST_CASE("tor: frames offered on a port that is down count as ingress_down and teach nothing",
          "[tor]") {
  TorStations s(2);
  REQUIRE(s.sw.set_link(0, false));
  REQUIRE(s.sw.inject(0, tor_frame(kTorBroadcast, tor_mac(0), 1)));
  REQUIRE(s.sw.inject(0, tor_frame(tor_mac(1), tor_mac(0), 2)));
  CHECK(s.sw.counters().ingress == 2);
  CHECK(s.sw.counters().ingress_down == 2);
  CHECK(s.sw.port_counters(0).in == 2);
  CHECK(s.sw.port_counters(0).dropped == 2);
  CHECK(s.sw.learned_port(tor_mac(0)) == -1);
  CHECK(s.sw.queued() == 0);
  require_tor_accounts(s.sw);
}

TEST_CASE("tor: a full egress queue drops the copy, other ports still get theirs", "[tor]") {
  TorStations s(3, 4);
  for (uint8_t i = 0; i < 6; ++i) REQUIRE(s.sw.inject(0, tor_frame(kTorBroadcast, tor_mac(0), i)));
  CHECK(s.sw.queued(2) == 4);
  CHECK(s.sw.counters().egress_full == 4);  // 2 at each of ports 1 and 2
  CHECK(s.sw.port_counters(1).dropped == 2);
  // The oldest copies stayed; the last two were refused.
  const auto at1 = tor_drain(s.sw, 1);
  REQUIRE(at1.size() == 4);
  for (uint8_t i = 0; i < 4; ++i) CHECK(wiretest::seq_of(at1[i]) == i);
  require_tor_accounts(s.sw);
  // Room again.
  REQUIRE(s.sw.inject(0, tor_frame(kTorBroadcast, tor_mac(0), 6)));
  CHECK(s.sw.queued(1) == 1);
  CHECK(s.sw.counters().egress_full == 5);  // port 2 is still full
  require_tor_accounts(s.sw);
}

TEST_CASE("tor: a frame with no other port up counts no_egress", "[tor]") {
  TorStations s(2);
  REQUIRE(s.sw.set_link(1, false));
  REQUIRE(s.sw.inject(0, tor_frame(kTorBroadcast, tor_mac(0), 1)));
  CHECK(s.sw.counters().no_egress == 1);
  CHECK(s.sw.counters().extra_copies == 0);
  CHECK(s.sw.learned_port(tor_mac(0)) == 0);  // it still taught the switch its source
  TorStations lone(1);
  REQUIRE(lone.sw.inject(0, tor_frame(kTorBroadcast, tor_mac(0), 1)));
  CHECK(lone.sw.counters().no_egress == 1);
  require_tor_accounts(s.sw);
  require_tor_accounts(lone.sw);
}

TEST_CASE("tor: a device port follows the device's laser and shows the device the administrator's link",
          "[tor]") {
  TorSwitch sw;
  const unsigned st = sw.add_station_port("station");
  unsigned dp = 99;
  const auto wire = sw.add_device_port("host-a", dp);
  REQUIRE(dp == 1);
  CHECK(wire->carries_runts());
  // Nothing plugged in yet: down, and a flood skips it.
  CHECK_FALSE(sw.link_up(dp));
  CHECK(sw.admin_up(dp));
  REQUIRE(sw.inject(st, tor_frame(kTorBroadcast, tor_mac(0), 1)));
  CHECK(sw.counters().no_egress == 1);

  wire->set_tx_signal(true);  // what set_wire() does with the laser lit
  CHECK(sw.link_up(dp));
  CHECK(wire->rx_signal());
  const TorBytes out = tor_frame(tor_mac(0), tor_mac(5), 2);
  wire->send(out);  // the device transmits
  CHECK(sw.learned_port(tor_mac(5)) == static_cast<int>(dp));
  CHECK(tor_drain(sw, st) == std::vector<TorBytes>{out});
  const TorBytes in = tor_frame(tor_mac(5), tor_mac(0), 3);
  REQUIRE(sw.inject(st, in));
  TorBytes got;
  REQUIRE(wire->receive(got));
  CHECK(got == in);
  CHECK_FALSE(wire->receive(got));
  CHECK_FALSE(sw.take(dp, got));  // a device port's copies are the device's

  // The administrator's link is what the device sees; its own laser is not.
  REQUIRE(sw.set_link(dp, false));
  CHECK_FALSE(wire->rx_signal());
  CHECK(sw.learned_port(tor_mac(5)) == -1);
  REQUIRE(sw.set_link(dp, true));
  CHECK(wire->rx_signal());

  // The device darkens its laser (PfDriver::stop): the port goes down, flushing and dropping.
  wire->send(tor_frame(kTorBroadcast, tor_mac(5), 4));
  tor_drain(sw, st);
  REQUIRE(sw.inject(st, tor_frame(tor_mac(5), tor_mac(0), 5)));
  REQUIRE(sw.queued(dp) == 1);
  wire->set_tx_signal(false);
  CHECK_FALSE(sw.link_up(dp));
  CHECK(wire->rx_signal());  // the switch still transmits
  CHECK(sw.queued(dp) == 0);
  CHECK(sw.learned_port(tor_mac(5)) == -1);
  CHECK(sw.counters().egress_down == 1);
  wire->send(tor_frame(kTorBroadcast, tor_mac(5), 6));
  CHECK(sw.counters().ingress_down == 1);
  require_tor_accounts(sw);
}

TEST_CASE("tor: short frames - a station's are padded to 60 bytes, a device's are runts", "[tor]") {
  TorSwitch sw;
  const unsigned a = sw.add_station_port("a");
  const unsigned b = sw.add_station_port("b");
  unsigned dp = 0;
  const auto wire = sw.add_device_port("dev", dp);
  wire->set_tx_signal(true);
  const TorBytes short_frame = tor_frame(kTorBroadcast, tor_mac(0), 1, 42);
  REQUIRE(sw.inject(a, short_frame));
  TorBytes padded = short_frame;
  padded.resize(60, 0);
  CHECK(tor_drain(sw, b) == std::vector<TorBytes>{padded});
  TorBytes got;
  REQUIRE(wire->receive(got));
  CHECK(got == padded);

  wire->send(tor_frame(kTorBroadcast, tor_mac(3), 2, 42));
  CHECK(sw.counters().runts == 1);
  CHECK(sw.port_counters(dp).dropped == 1);
  CHECK(sw.learned_port(tor_mac(3)) == -1);
  wire->send(TorBytes(sim::kMaxWireFrame + 1, 0x02));
  CHECK(sw.counters().oversize == 1);
  CHECK(sw.queued() == 0);
  require_tor_accounts(sw);
}

TEST_CASE("tor: port numbers that do not exist, or the wrong kind of port, change nothing", "[tor]") {
  TorSwitch sw;
  const unsigned st = sw.add_station_port("st");
  unsigned dp = 0;
  const auto wire = sw.add_device_port("dev", dp);
  const TorBytes f = tor_frame(kTorBroadcast, tor_mac(0), 1);
  TorBytes got;
  CHECK_FALSE(sw.inject(7, f));
  CHECK_FALSE(sw.inject(dp, f));  // a device port's frames come from the device
  CHECK_FALSE(sw.take(7, got));
  CHECK_FALSE(sw.set_link(7, false));
  CHECK_FALSE(sw.link_up(7));
  CHECK(sw.queued(7) == 0);
  CHECK(sw.port_counters(7).in == 0);
  CHECK(sw.port_name(7).empty());
  CHECK(sw.counters().ingress == 0);
  CHECK(sw.link_up(st));
  require_tor_accounts(sw);
}

TEST_CASE("tor: a device port that outlives the switch is an unplugged cable", "[tor]") {
  std::shared_ptr<sim::WirePort> wire;
  {
    TorSwitch sw;
    unsigned dp = 0;
    wire = sw.add_device_port("dev", dp);
    wire->set_tx_signal(true);
    CHECK(wire->rx_signal());
  }
  CHECK_FALSE(wire->rx_signal());
  wire->send(tor_frame(kTorBroadcast, tor_mac(0), 1));  // goes nowhere, touches nothing
  wire->set_tx_signal(false);
  TorBytes got;
  CHECK_FALSE(wire->receive(got));
}

TEST_CASE("tor: a simulated 82599's LINKS follows its switch port, and its laser the port", "[tor]") {
  namespace pfr = hal::ixgbe::pf;
  TorSwitch sw;
  unsigned dp = 0;
  const auto wire = sw.add_device_port("host-a", dp);
  const auto dev = sim::Device82599::create();
  auto& bar = dev->pf().bar0();
  dev->set_wire(wire);
  CHECK(sw.link_up(dp));  // set_wire() reported the laser lit from reset
  CHECK((bar.read(pfr::LINKS) & pfr::links::kUp) != 0);

  REQUIRE(sw.set_link(dp, false));
  CHECK((bar.read(pfr::LINKS) & pfr::links::kUp) == 0);
  REQUIRE(sw.set_link(dp, true));
  CHECK((bar.read(pfr::LINKS) & pfr::links::kUp) != 0);

  // TX_DISABLE driven high: the laser goes dark, the device's link and the switch's port go down.
  bar.write(pfr::ESDP, pfr::esdp::kSdp3Dir | pfr::esdp::kSdp3);
  CHECK((bar.read(pfr::LINKS) & pfr::links::kUp) == 0);
  CHECK_FALSE(sw.link_up(dp));
  bar.write(pfr::ESDP, pfr::esdp::kSdp3Dir);
  CHECK((bar.read(pfr::LINKS) & pfr::links::kUp) != 0);
  CHECK(sw.link_up(dp));
  require_tor_accounts(sw);
}

TEST_CASE("tor: VFs on two simulated hosts and a station exchange frames through the switch",
          "[tor][wire]") {
  TorSwitch sw;
  unsigned pa = 0, pb = 0;
  const auto wa = sw.add_device_port("host-a", pa);
  const auto wb = sw.add_device_port("host-b", pb);
  const unsigned st = sw.add_station_port("partner");
  auto a = wiretest::make_host(1, 0, 1);
  auto b = wiretest::make_host(1, 500000, 2);
  a->device().set_wire(wa);
  b->device().set_wire(wb);
  REQUIRE(sw.link_up(pa));
  REQUIRE(sw.link_up(pb));
  const hal::MacAddr station = wiretest::kFarMac;

  // A's VF to the station: unknown, so flooded to B (whose switch finds no pool for it) and
  // to the station.
  const TorBytes out = wiretest::frame(station, a->mac(0), 128, 1);
  wiretest::vf_send(a->port(0), out);
  wiretest::run_until_idle(a->device());
  CHECK(sw.learned_port(a->mac(0)) == static_cast<int>(pa));
  CHECK(tor_drain(sw, st) == std::vector<TorBytes>{out});
  CHECK(sw.queued(pb) == 1);
  wiretest::run_until_idle(b->device());
  CHECK(sw.queued(pb) == 0);
  std::vector<TorBytes> at_b;
  wiretest::vf_receive(b->port(0), at_b);
  CHECK(at_b.empty());

  // The station answers: the switch knows A's VF now, so only A gets it.
  const TorBytes back = wiretest::frame(a->mac(0), station, 256, 2);
  REQUIRE(sw.inject(st, back));
  CHECK(sw.queued(pb) == 0);
  wiretest::run_until_idle(a->device());
  std::vector<TorBytes> at_a;
  wiretest::vf_receive(a->port(0), at_a);
  REQUIRE(at_a.size() == 1);
  CHECK(at_a[0] == back);

  // B's VF to A's: learned, one copy.
  const TorBytes across = wiretest::frame(a->mac(0), b->mac(0), 1514, 3);
  wiretest::vf_send(b->port(0), across);
  wiretest::run_until_idle(b->device());
  CHECK(sw.queued(st) == 0);
  wiretest::run_until_idle(a->device());
  at_a.clear();
  wiretest::vf_receive(a->port(0), at_a);
  REQUIRE(at_a.size() == 1);
  CHECK(at_a[0] == across);

  // B's PF stops: its laser goes dark and its port with it.
  b->pf().stop();
  wiretest::run_until_idle(b->device());
  CHECK_FALSE(sw.link_up(pb));
  CHECK(sw.learned_port(b->mac(0)) == -1);
  CHECK(sw.admin_up(pb));

  wiretest::require_accounts(a->device());
  wiretest::require_accounts(b->device());
  require_tor_accounts(sw);
  CHECK(sw.counters().delivered == 4);  // station, B (flood), A twice
}
