// The built-in guest apps (harness/apps/) on a stepped DatapathHost: generator, sink and
// forwarder between VFs through the VEB. No timing assertions: rates run on the host's
// ManualClock, latency is only checked for consistency.

#include <catch2/catch.hpp>

#include <set>

#include "guest_apps_rig.hpp"
#include "harness/apps/forwarder.hpp"
#include "harness/apps/sink.hpp"
#include "harness/apps/traffic_gen.hpp"
#include "pf_driver/spoof_watch.hpp"

using namespace appstest;
namespace apps = harness::apps;

namespace {

apps::TrafficGen make_gen(harness::DatapathHost& h, unsigned from, unsigned to, uint64_t count,
                          uint32_t frame_len = 128, uint16_t flow = 0) {
  apps::GenOptions o;
  o.frame.dst = h.mac(to);
  o.frame.frame_len = frame_len;
  o.frame.flow = flow;
  o.count = count;
  auto g = apps::TrafficGen::create(port(h, from), o);
  INFO((g ? std::string() : g.error()));
  REQUIRE(g.has_value());
  return std::move(*g);
}

/// A probe from VF `from` to VF `to` as bytes.
std::vector<uint8_t> probe(harness::DatapathHost& h, unsigned from, unsigned to, uint64_t seq,
                           uint16_t flow = 0) {
  apps::ProbeSpec s;
  s.src = h.mac(from);
  s.dst = h.mac(to);
  s.flow = flow;
  s.frame_len = 80;
  auto b = apps::probe_frame_bytes(s, seq, 0);
  REQUIRE(b.has_value());
  return *b;
}

void check_clean(const apps::FlowCounters& c) {
  CHECK(c.lost == 0);
  CHECK(c.reordered == 0);
  CHECK(c.duplicate == 0);
  CHECK(c.late == 0);
}

}  // namespace

TEST_CASE("a generator on VF0 and a sink on VF1 count every frame once, in order",
          "[apps][gen][sink]") {
  const uint32_t len = GENERATE(60u, 128u, 1514u);
  auto h = make_host(2);
  auto gen = make_gen(*h, 0, 1, 1000, len);
  apps::Sink sink(port(*h, 1));
  run(
      *h, [&] { return gen.poll(); }, [&] { return sink.poll(); });

  INFO("frame length " << len);
  const apps::GenCounters& g = gen.counters();
  CHECK(gen.done());
  CHECK(g.offered == 1000);
  CHECK(g.sent == 1000);
  CHECK(g.tx_refused == 0);
  CHECK(g.alloc_failed == 0);
  CHECK(g.bytes == 1000 * len);
  CHECK(gen.next_seq() == 1000);
  CHECK(gen.segments() == 1);

  const apps::SinkCounters s = sink.counters();
  CHECK(s.all.received == 1000);
  CHECK(s.all.bytes == 1000 * len);
  CHECK(s.bad == 0);
  check_clean(s.all);
  CHECK(sink.flow(0).received == 1000);
  CHECK(sink.flow(1).received == 0);
  CHECK(s.all.latency_min <= s.all.latency_max);
  CHECK(s.all.latency_avg() >= static_cast<double>(s.all.latency_min));
  CHECK(s.all.latency_avg() <= static_cast<double>(s.all.latency_max));
  check_accounting(*h);
}

TEST_CASE("two generators into one sink are two flows, each counted on its own",
          "[apps][gen][sink]") {
  auto h = make_host(3);
  auto g0 = make_gen(*h, 0, 1, 300, 100, 0);
  auto g2 = make_gen(*h, 2, 1, 200, 100, 7);
  apps::Sink sink(port(*h, 1));
  run(
      *h, [&] { return g0.poll(); }, [&] { return g2.poll(); }, [&] { return sink.poll(); });
  CHECK(sink.flow(0).received == 300);
  CHECK(sink.flow(7).received == 200);
  check_clean(sink.flow(0));
  check_clean(sink.flow(7));
  CHECK(sink.counters().all.received == 500);
}

TEST_CASE(
    "frames the sink's RX ring had no descriptor for are lost, exactly as the device dropped them",
    "[apps][sink][loss]") {
  harness::PortOptions po;
  po.ring_size = 64;
  auto h = make_host(2, po);
  auto gen = make_gen(*h, 0, 1, 400);
  apps::Sink sink(port(*h, 1));
  // The sink sleeps for a few rounds: its 63 free descriptors fill and the rest is dropped.
  for (int i = 0; i < 4; ++i) {
    gen.poll();
    h->device().poll_once();
  }
  run(
      *h, [&] { return gen.poll(); }, [&] { return sink.poll(); });

  const sim::Accounting a = h->device().accounting();
  INFO(a.summary());
  REQUIRE(a.rx_no_descriptor > 0);
  const apps::SinkCounters s = sink.counters();
  CHECK(gen.counters().sent == 400);
  CHECK(s.all.lost == a.rx_no_descriptor);
  CHECK(s.all.received + s.all.lost == 400);
  CHECK(s.all.reordered == 0);
  CHECK(s.all.duplicate == 0);
  check_accounting(*h);
}

TEST_CASE("frames dropped on purpose before the sink show as the exact gap", "[apps][sink][loss]") {
  auto h = make_host(2);
  auto gen = make_gen(*h, 0, 1, 64);
  apps::Sink sink(port(*h, 1));
  run(*h, [&] { return gen.poll(); });
  const std::set<uint64_t> drop = {10, 11, 12, 13, 14, 40, 63};
  rte_mbuf* b[apps::kMaxBurst];
  for (uint16_t n; (n = h->port(1).rx->rx_burst(b, apps::kMaxBurst)) != 0;) {
    rte_mbuf* keep[apps::kMaxBurst];
    uint16_t nk = 0;
    for (uint16_t i = 0; i < n; ++i) {
      const auto p = apps::parse_probe(
          std::span(rte_pktmbuf_mtod(b[i], const uint8_t*), b[i]->data_len), b[i]->pkt_len);
      REQUIRE(p.has_value());
      if (drop.contains(p->seq)) {
        rte_pktmbuf_free(b[i]);
      } else {
        keep[nk++] = b[i];
      }
    }
    sink.consume(keep, nk);
  }
  const apps::SinkCounters s = sink.counters();
  CHECK(s.all.received == 64 - drop.size());
  // 63 was the last frame: nothing after it shows the gap, so it is not (yet) lost.
  CHECK(s.all.lost == drop.size() - 1);
  CHECK(s.all.reordered == 0);
}

TEST_CASE("the sink tells reordered, duplicate, late and foreign frames apart", "[apps][sink]") {
  auto h = make_host(2);
  apps::Sink sink(port(*h, 1));
  std::vector<std::vector<uint8_t>> frames;
  for (uint64_t seq : {0, 1, 3, 2, 4, 4, 5, 100, 10, 101}) frames.push_back(probe(*h, 0, 1, seq));
  frames.push_back(probe(*h, 0, 1, 1, 1));
  frames.push_back(probe(*h, 0, 1, 0, 1));
  auto foreign = probe(*h, 0, 1, 0, 2);
  foreign[14 + 20 + 2] ^= 0x01;  // another UDP destination port
  frames.push_back(foreign);
  auto too_high = probe(*h, 0, 1, 0, 70);  // above max_flows (64)
  frames.push_back(too_high);
  send_frames(*h, 0, frames);
  run(*h, [&] { return sink.poll(); });

  const apps::FlowCounters& f0 = sink.flow(0);
  CHECK(f0.received == 10);
  CHECK(f0.reordered == 1);  // 2 after 3
  CHECK(f0.duplicate == 1);  // the second 4
  CHECK(f0.lost == 94);      // 6..99, less 10 which came too late to tell
  CHECK(f0.late == 1);       // 10, 90 behind 100
  const apps::FlowCounters& f1 = sink.flow(1);
  CHECK(f1.received == 2);
  CHECK(f1.reordered == 1);
  CHECK(f1.lost == 0);
  CHECK(sink.flow(2).received == 0);
  const apps::SinkCounters s = sink.counters();
  CHECK(s.bad == 2);
  CHECK(s.bad_bytes == 160);
  CHECK(s.all.received == 12);
}

TEST_CASE("a full TX ring refuses frames: counted, freed, their sequence numbers not used up",
          "[apps][gen]") {
  harness::PortOptions po;
  po.ring_size = 64;
  auto h = make_host(2, po);
  const unsigned avail0 = rte_mempool_avail_count(h->port(0).pool.get());
  auto gen = make_gen(*h, 0, 1, 300);
  apps::Sink sink(port(*h, 1));
  for (int i = 0; i < 4; ++i) gen.poll();  // the engine does not run: the ring fills
  const apps::GenCounters& g = gen.counters();
  CHECK(g.tx_refused > 0);
  CHECK(g.offered == g.sent + g.tx_refused);
  CHECK(gen.next_seq() == g.sent);
  // Only the frames in the ring are out of the pool: the refused ones went back.
  CHECK(rte_mempool_avail_count(h->port(0).pool.get()) == avail0 - g.sent);

  run(
      *h, [&] { return gen.poll(); }, [&] { return sink.poll(); });
  CHECK(g.sent == 300);
  CHECK(sink.counters().all.received == 300);
  check_clean(sink.counters().all);
}

TEST_CASE("a generator whose pool runs dry counts the frames it could not build", "[apps][gen]") {
  auto h = make_host(2);
  auto tiny = harness::make_pktmbuf_pool(7);
  REQUIRE(tiny.has_value());
  apps::BurstPort p = port(*h, 0);
  p.pool = tiny->get();
  apps::GenOptions o;
  o.frame.dst = h->mac(1);
  auto gen = apps::TrafficGen::create(p, o);
  REQUIRE(gen.has_value());
  CHECK(gen->poll() == 0);
  CHECK(gen->counters().alloc_failed == apps::kMaxBurst);
  CHECK(gen->counters().offered == 0);
  CHECK(rte_mempool_avail_count(tiny->get()) == 7);
}

TEST_CASE(
    "the rate cap follows the clock: never ahead of it, and no more than a burst after idling",
    "[apps][gen][rate]") {
  auto h = make_host(2);
  apps::GenOptions o;
  o.frame.dst = h->mac(1);
  o.rate_pps = 1500;
  o.clock = &h->clock();
  auto gen = apps::TrafficGen::create(port(*h, 0), o);
  REQUIRE(gen.has_value());
  CHECK(gen->poll() == 0);  // no time has passed
  uint64_t sent = 0;
  for (int ms = 1; ms <= 10; ++ms) {
    h->clock().advance(std::chrono::milliseconds(1));
    const uint16_t n = gen->poll();
    CHECK(n == (ms % 2 == 0 ? 2 : 1));  // 1.5 frames per millisecond
    sent += n;
    h->device().poll_once();
  }
  CHECK(sent == 15);
  h->clock().advance(std::chrono::seconds(1));
  CHECK(gen->poll() == apps::kMaxBurst);
  CHECK(gen->poll() == 0);

  o.clock = nullptr;
  CHECK_FALSE(apps::TrafficGen::create(port(*h, 0), o).has_value());
}

TEST_CASE("jumbo frames longer than an mbuf go out as chains and arrive whole",
          "[apps][gen][sink][jumbo]") {
  harness::PortOptions po;
  po.mtu = 9000;
  po.data_room = 2048;
  auto h = make_host(2, po);
  auto gen = make_gen(*h, 0, 1, 300, 9014);
  CHECK(gen.segments() == 5);
  apps::Sink sink(port(*h, 1));
  run(
      *h, [&] { return gen.poll(); }, [&] { return sink.poll(); });
  CHECK(gen.counters().sent == 300);
  const apps::SinkCounters s = sink.counters();
  CHECK(s.all.received == 300);
  CHECK(s.all.bytes == 300ull * 9014);
  CHECK(s.bad == 0);
  check_clean(s.all);
  check_accounting(*h);
}

TEST_CASE("probes with an in-band VLAN tag reach a sink on a VF of that VLAN",
          "[apps][gen][sink][vlan]") {
  auto h = make_host(2);
  REQUIRE(h->port(0).drv->add_vlan(100).has_value());
  REQUIRE(h->port(1).drv->add_vlan(100).has_value());
  apps::GenOptions o;
  o.frame.dst = h->mac(1);
  o.frame.vlan_tci = 100;
  o.frame.frame_len = 64;
  o.count = 100;
  auto gen = apps::TrafficGen::create(port(*h, 0), o);
  REQUIRE(gen.has_value());
  CHECK(gen->header().len == 62);
  apps::Sink sink(port(*h, 1));
  run(
      *h, [&] { return gen->poll(); }, [&] { return sink.poll(); });
  CHECK(sink.counters().all.received == 100);
  CHECK(sink.counters().bad == 0);
  check_clean(sink.counters().all);
}

TEST_CASE("a macswap forwarder on VF1 returns VF0's frames to VF0", "[apps][forwarder]") {
  auto h = make_host(2);
  auto gen = make_gen(*h, 0, 1, 500);
  apps::Forwarder fwd(port(*h, 1), apps::ForwardMode::kMacSwap);
  apps::Sink sink(port(*h, 0));
  run(
      *h, [&] { return gen.poll(); }, [&] { return fwd.poll(); }, [&] { return sink.poll(); });
  CHECK(fwd.counters().received == 500);
  CHECK(fwd.counters().forwarded == 500);
  CHECK(fwd.counters().tx_refused == 0);
  CHECK(sink.counters().all.received == 500);
  CHECK(sink.counters().bad == 0);
  check_clean(sink.counters().all);
  check_accounting(*h);
}

TEST_CASE(
    "an io forwarder sends frames back unchanged: to the wire with spoof check off, dropped with "
    "it on",
    "[apps][forwarder]") {
  auto h = make_host(2);
  const bool spoofchk = GENERATE(false, true);
  REQUIRE(h->pf().set_vf_spoofchk(hal::VfId{1}, spoofchk).has_value());
  auto wire = std::dynamic_pointer_cast<sim::MemoryWire>(h->device().wire());
  REQUIRE(wire != nullptr);
  auto gen = make_gen(*h, 0, 1, 40, 100);
  apps::Forwarder fwd(port(*h, 1), apps::ForwardMode::kIo);
  run(
      *h, [&] { return gen.poll(); }, [&] { return fwd.poll(); });
  CHECK(fwd.counters().forwarded == 40);
  const sim::Accounting a = h->device().accounting();
  if (spoofchk) {
    CHECK(wire->sent().empty());
    CHECK(a.switch_drop(sim::DropReason::kMacSpoof) == 40);
  } else {
    // VF1's own address as destination: not looped back, out on the wire (switch.md A10).
    REQUIRE(wire->sent().size() == 40);
    for (uint64_t k = 0; k < 40; ++k) {
      const auto& f = wire->sent()[k];
      const auto p = apps::parse_probe(f, static_cast<uint32_t>(f.size()));
      REQUIRE(p.has_value());
      CHECK(p->seq == k);
      CHECK(std::equal(f.begin(), f.begin() + 6, h->mac(1).bytes().begin()));
      CHECK(std::equal(f.begin() + 6, f.begin() + 12, h->mac(0).bytes().begin()));
    }
  }
  check_accounting(*h);
}

TEST_CASE("spoofed frames dropped by the switch become one PF event per SSVPC check",
          "[apps][spoof][events]") {
  auto h = make_host(2);
  REQUIRE(h->pf().set_vf_spoofchk(hal::VfId{1}, true).has_value());
  auto gen = make_gen(*h, 0, 1, 25, 100);
  apps::Forwarder fwd(port(*h, 1), apps::ForwardMode::kIo);  // resends from VF0's MAC: spoofed
  run(
      *h, [&] { return gen.poll(); }, [&] { return fwd.poll(); });
  REQUIRE(h->device().accounting().switch_drop(sim::DropReason::kMacSpoof) == 25);
  const pf::EventLog& log = h->pf().events();
  const size_t before = log.count(pf::EventCode::kSpoofedFrames);
  h->clock().advance(pf::kSpoofCheckInterval);
  h->pf().service_once();
  REQUIRE(log.count(pf::EventCode::kSpoofedFrames) == before + 1);
  const pf::Event* e = log.find_last(pf::EventCode::kSpoofedFrames);
  CHECK(e->reason.contains("25 frame(s)"));
  CHECK_FALSE(e->vf.has_value());
  // SSVPC was cleared by that read: nothing new, no new event, however often the PF looks.
  h->clock().advance(pf::kSpoofCheckInterval);
  h->pf().service_once();
  CHECK(log.count(pf::EventCode::kSpoofedFrames) == before + 1);
}
