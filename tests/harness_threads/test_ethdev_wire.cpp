// The simulated 82599's wire as DPDK ethdevs (harness/wire/): the built-in net_ring peer both
// ways through a real device and VF, net_pcap recording (read back by hand and by tshark) and
// replay, and the errors of bad devargs.

#include <atomic>
#include <sstream>
#include <thread>

#include <rte_ethdev.h>

#include "harness/wire/ethdev_wire.hpp"
#include "harness/wire/open_wire.hpp"
#include "harness/wire/ring_peer.hpp"
#include "tests/harness/wire_rig.hpp"

using wiretest::Bytes;
using wiretest::frame;
using wiretest::kFarMac;

namespace {

/// A vdev name of `driver` not used before in this process ("net_pcap3").
std::string fresh_name(const std::string& driver) {
  static std::atomic<unsigned> serial{0};
  return fmt::format("{}{}", driver, serial.fetch_add(1));
}

harness::RingWire ring_wire(const harness::RingWireOptions& o = {}) {
  wiretest::require_eal();
  auto w = harness::make_ring_wire(o);
  INFO((w ? std::string() : w.error()));
  REQUIRE(w.has_value());
  return std::move(*w);
}

std::shared_ptr<harness::EthdevWire> open_ethdev(const std::string& devargs) {
  wiretest::require_eal();
  auto w = harness::EthdevWire::open(devargs);
  INFO(devargs);
  INFO((w ? std::string() : w.error()));
  REQUIRE(w.has_value());
  return std::move(*w);
}

hal::MacAddr far_mac(uint8_t i) { return hal::MacAddr({0x02, 0x5E, 0x00, 0x00, 0x01, i}); }

}  // namespace

// ---- The built-in peer (net_ring pair).

TEST_CASE("ring wire: a VF's unknown unicast leaves on the wire and arrives at the peer", "[wire][ring]") {
  auto host = wiretest::make_host();
  auto w = ring_wire();
  host->device().set_wire(w.port);
  const std::vector<size_t> lens{60, 1000, 1514};
  for (uint32_t i = 0; i < lens.size(); ++i) wiretest::vf_send(host->port(0), frame(kFarMac, host->mac(0), lens[i], i));
  wiretest::run_until_idle(host->device());

  for (uint32_t i = 0; i < lens.size(); ++i) {
    const auto got = w.peer->receive();
    REQUIRE(got.has_value());
    CHECK(*got == frame(kFarMac, host->mac(0), lens[i], i));
  }
  CHECK_FALSE(w.peer->receive().has_value());
  const harness::EthdevWireStats s = w.port->stats();
  CHECK(s.tx_offered == 3);
  CHECK(s.tx_frames == 3);
  CHECK(s.tx_pending() == 0);
  CHECK(s.tx_refused + s.tx_no_mbuf == 0);
  CHECK(host->device().accounting().to_wire == 3);
  wiretest::require_accounts(host->device());
}

TEST_CASE("ring wire: frames the peer sends to a VF's MAC reach the VF's RX queue", "[wire][ring]") {
  auto host = wiretest::make_host();
  auto w = ring_wire();
  host->device().set_wire(w.port);
  for (uint32_t i = 0; i < 3; ++i) REQUIRE(w.peer->send(frame(host->mac(0), kFarMac, 64 + 100 * i, i)));
  wiretest::run_until_idle(host->device());

  std::vector<Bytes> got;
  wiretest::vf_receive(host->port(0), got);
  REQUIRE(got.size() == 3);
  for (uint32_t i = 0; i < 3; ++i) CHECK(got[i] == frame(host->mac(0), kFarMac, 64 + 100 * i, i));
  CHECK(w.port->stats().rx_frames == 3);
  const sim::Accounting a = host->device().accounting();
  CHECK(a.offered_wire == 3);
  CHECK(a.delivered == 3);
  wiretest::require_accounts(host->device());
}

TEST_CASE("ring wire: a 9000-byte frame crosses as an mbuf chain both ways", "[wire][ring]") {
  auto host = wiretest::make_host();
  auto w = ring_wire();
  host->device().set_wire(w.port);
  const Bytes out = frame(kFarMac, host->mac(0), 9000, 1);
  const Bytes in = frame(host->mac(0), kFarMac, 9000, 2);
  wiretest::vf_send(host->port(0), out);
  REQUIRE(w.peer->send(in));
  wiretest::run_until_idle(host->device());

  rte_mbuf* m = nullptr;
  REQUIRE(w.peer->rx_burst(&m, 1) == 1);
  CHECK(m->nb_segs > 1);  // the wire's pool has 2 KiB mbufs
  Bytes b;
  harness::bytes_from_mbuf(m, b);
  rte_pktmbuf_free(m);
  CHECK(b == out);
  std::vector<Bytes> got;
  wiretest::vf_receive(host->port(0), got);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == in);
  wiretest::require_accounts(host->device());
}

TEST_CASE("ring wire: frames that find the ring to the peer full are freed and counted as tx_refused",
          "[wire][ring]") {
  auto host = wiretest::make_host();
  harness::RingWireOptions o;
  o.ring_size = 16;
  auto w = ring_wire(o);
  host->device().set_wire(w.port);
  for (uint32_t i = 0; i < 40; ++i) wiretest::vf_send(host->port(0), frame(kFarMac, host->mac(0), 60, i));
  wiretest::run_until_idle(host->device());

  const harness::EthdevWireStats s = w.port->stats();
  CHECK(s.tx_offered == 40);
  CHECK(s.tx_frames == 16);
  CHECK(s.tx_refused == 24);
  CHECK(s.tx_pending() == 0);
  CHECK(host->device().accounting().to_wire == 40);  // the device did send them all
  // The ring kept the first 16, in order.
  for (uint32_t i = 0; i < 16; ++i) {
    const auto got = w.peer->receive();
    REQUIRE(got.has_value());
    CHECK(wiretest::seq_of(*got) == i);
  }
  CHECK_FALSE(w.peer->receive().has_value());
  wiretest::require_accounts(host->device());
}

TEST_CASE("ring wire: either end may go first, with frames still in both rings", "[wire][ring]") {
  const bool peer_first = GENERATE(true, false);
  INFO((peer_first ? "the peer goes first" : "the device's wire goes first"));
  auto host = wiretest::make_host();
  auto w = ring_wire();
  host->device().set_wire(w.port);
  for (uint32_t i = 0; i < 3; ++i) wiretest::vf_send(host->port(0), frame(kFarMac, host->mac(0), 60, i));
  wiretest::run_until_idle(host->device());  // 3 frames wait in the ring to the peer
  for (uint32_t i = 0; i < 3; ++i) REQUIRE(w.peer->send(frame(host->mac(0), kFarMac, 60, 10 + i)));
  // ... and 3 in the ring to the device, from the peer's pool.

  if (peer_first) {
    w.peer.reset();
    // The rings outlive the peer: the device still takes what it sent.
    std::vector<Bytes> got;
    for (unsigned pass = 0; pass < 10 && got.size() < 3; ++pass) {
      host->device().poll_once();
      wiretest::vf_receive(host->port(0), got);
    }
    CHECK(got.size() == 3);
    host->device().set_wire(nullptr);
    w.port.reset();  // the device's 3 copies are freed with the rings
  } else {
    host->device().set_wire(nullptr);
    w.port.reset();
    // The device's pool outlives its wire: the peer still reads its copies.
    for (uint32_t i = 0; i < 3; ++i) {
      const auto got = w.peer->receive();
      REQUIRE(got.has_value());
      CHECK(wiretest::seq_of(*got) == i);
    }
    w.peer.reset();  // the peer's 3 frames are freed with the rings
  }
  wiretest::require_accounts(host->device());
}

TEST_CASE("ring wire: a peer on its own thread sinks 20000 frames a VF sends, none lost", "[wire][ring][threads]") {
  constexpr uint32_t kFrames = 20000;
  auto host = wiretest::make_host();
  auto w = ring_wire();
  host->device().set_wire(w.port);
  std::atomic<uint32_t> sunk{0};
  std::atomic<uint32_t> out_of_order{0};
  std::atomic<bool> stop{false};
  std::thread sink([&] {
    rte_mbuf* bufs[32];
    uint32_t next = 0;
    while (!stop.load(std::memory_order_acquire) && next < kFrames) {
      const uint16_t n = w.peer->rx_burst(bufs, 32);
      for (uint16_t k = 0; k < n; ++k) {
        Bytes b;
        harness::bytes_from_mbuf(bufs[k], b);
        if (wiretest::seq_of(b) != next) out_of_order.fetch_add(1, std::memory_order_relaxed);
        ++next;
      }
      rte_pktmbuf_free_bulk(bufs, n);
      sunk.store(next, std::memory_order_release);
      if (n == 0) std::this_thread::yield();
    }
  });

  uint32_t sent = 0;
  const auto deadline = wiretest::Clock::now() + wiretest::kPatience * 3;
  rte_mbuf* bufs[32];
  while (sunk.load(std::memory_order_acquire) < kFrames && wiretest::Clock::now() < deadline) {
    // Flow control as a well-behaved sender: never more in flight than the ring holds.
    const uint32_t in_flight = sent - sunk.load(std::memory_order_acquire);
    const uint32_t room = in_flight + 64 < 1024 ? 32 : 0;
    const uint32_t want = std::min(room, kFrames - sent);
    uint32_t made = 0;
    for (; made < want; ++made) {
      bufs[made] = harness::mbuf_from_bytes(host->port(0).pool.get(), frame(kFarMac, host->mac(0), 60, sent + made));
      REQUIRE(bufs[made] != nullptr);
    }
    const uint16_t took = host->port(0).tx->tx_burst(bufs, static_cast<uint16_t>(made));
    rte_pktmbuf_free_bulk(bufs + took, made - took);
    sent += took;
    if (host->device().poll_once() == 0 && want == 0) std::this_thread::yield();
  }
  stop.store(true, std::memory_order_release);
  sink.join();
  CHECK(sunk.load() == kFrames);
  CHECK(out_of_order.load() == 0);
  const harness::EthdevWireStats s = w.port->stats();
  CHECK(s.tx_frames == kFrames);
  CHECK(s.tx_refused == 0);
  wiretest::require_accounts(host->device());
}

TEST_CASE("ethdev wire: a net_ring vdev loops the device's frames back to it", "[wire][ring]") {
  auto host = wiretest::make_host();
  auto w = open_ethdev(fresh_name("net_ring"));
  host->device().set_wire(w);
  wiretest::vf_send(host->port(0), frame(kFarMac, host->mac(0), 60, 1));
  wiretest::run_until_idle(host->device());
  CHECK(w->stats().tx_frames == 1);
  CHECK(w->stats().rx_frames == 1);
  const sim::Accounting a = host->device().accounting();
  CHECK(a.to_wire == 1);
  CHECK(a.offered_wire == 1);
  wiretest::require_accounts(host->device());
}

// ---- Bad devargs and the wire factory.

TEST_CASE("ethdev wire: bad devargs give a clear error and leave no device behind", "[wire][devargs]") {
  wiretest::require_eal();
  wiretest::ScratchDir dir;
  const uint16_t ports_before = rte_eth_dev_count_avail();
  const std::string pcap = fresh_name("net_pcap");
  struct Case {
    std::string devargs;
    std::string says;
  };
  const std::vector<Case> cases{
      {"", "want a device name"},
      {",tx_pcap=x.pcap", "want a device name"},
      {"net pcap0", "want a device name"},
      {"net_nosuchdriver0", "probe failed"},
      {pcap + ",no_such_key=1", "probe failed"},
      {pcap + ",rx_pcap=" + dir.file("missing.pcap"), "probe failed"},
  };
  for (const Case& c : cases) {
    const auto w = harness::EthdevWire::open(c.devargs);
    INFO(c.devargs);
    REQUIRE_FALSE(w.has_value());
    INFO(w.error());
    CHECK(w.error().find(c.says) != std::string::npos);
    CHECK(rte_eth_dev_count_avail() == ports_before);
  }
  // The name the failed attempts used is free: the same device now opens, once.
  const std::string good = pcap + ",tx_pcap=" + dir.file("out.pcap");
  auto w = open_ethdev(good);
  CHECK(w->name() == pcap);
  const auto again = harness::EthdevWire::open(good);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().find("exists already") != std::string::npos);
  w.reset();
  CHECK(rte_eth_dev_count_avail() == ports_before);
}

TEST_CASE("ring wire: a ring size that is not a power of two in 2..65536 is refused", "[wire][devargs]") {
  wiretest::require_eal();
  for (unsigned bad : {0u, 1u, 100u, 131072u}) {
    harness::RingWireOptions o;
    o.ring_size = bad;
    const auto w = harness::make_ring_wire(o);
    REQUIRE_FALSE(w.has_value());
    CHECK(w.error().find("ring_size") != std::string::npos);
  }
}

TEST_CASE("open_wire: empty and builtin give the ring peer, memory a MemoryWire, else devargs", "[wire][devargs]") {
  wiretest::require_eal();
  for (const char* builtin : {"", "builtin"}) {
    auto w = harness::open_wire(builtin);
    INFO((w ? std::string() : w.error()));
    REQUIRE(w.has_value());
    CHECK(w->peer != nullptr);
    CHECK(w->ethdev != nullptr);
    CHECK(w->port == w->ethdev);
  }
  auto mem = harness::open_wire("memory");
  REQUIRE(mem.has_value());
  CHECK(dynamic_cast<sim::MemoryWire*>(mem->port.get()) != nullptr);
  CHECK(mem->peer == nullptr);

  wiretest::ScratchDir dir;
  auto pcap = harness::open_wire(fresh_name("net_pcap") + ",tx_pcap=" + dir.file("o.pcap"));
  INFO((pcap ? std::string() : pcap.error()));
  REQUIRE(pcap.has_value());
  CHECK(pcap->ethdev != nullptr);
  CHECK(pcap->peer == nullptr);
  CHECK_FALSE(harness::open_wire("net_nosuchdriver1").has_value());
}

// ---- net_pcap: record and replay.

TEST_CASE("pcap wire: frames the device sends are recorded, and tshark reads back their count, MACs and lengths",
          "[wire][pcap]") {
  auto host = wiretest::make_host();
  wiretest::ScratchDir dir;
  const std::string file = dir.file("out.pcap");
  auto w = open_ethdev(fresh_name("net_pcap") + ",tx_pcap=" + file);
  host->device().set_wire(w);
  const std::vector<size_t> lens{60, 64, 128, 1514, 9000};
  std::vector<Bytes> sent;
  for (uint32_t i = 0; i < lens.size(); ++i) {
    sent.push_back(frame(far_mac(static_cast<uint8_t>(i)), host->mac(0), lens[i], i));
    wiretest::vf_send(host->port(0), sent.back());
  }
  wiretest::run_until_idle(host->device());
  CHECK(w->stats().tx_frames == lens.size());
  wiretest::require_accounts(host->device());
  // Closing the ethdev closes the file.
  host->device().set_wire(nullptr);
  w.reset();

  // Read back by hand: every byte.
  const auto records = wiretest::read_pcap(file);
  REQUIRE(records.has_value());
  REQUIRE(records->size() == sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    CHECK((*records)[i].bytes == sent[i]);
    CHECK((*records)[i].orig_len == sent[i].size());
  }

  // Read back by tshark: what another tool makes of the file.
  if (!wiretest::have_program("tshark")) {
    WARN("tshark is not installed (tools/install-deps.sh installs it): the tshark read-back was skipped");
    return;
  }
  const auto out = wiretest::run_command(
      fmt::format("tshark -r '{}' -T fields -E separator=/t -e frame.len -e eth.dst -e eth.src -e eth.type 2>/dev/null", file));
  REQUIRE(out.has_value());
  std::istringstream lines(*out);
  std::string line;
  size_t n = 0;
  while (std::getline(lines, line)) {
    INFO(line);
    REQUIRE(n < sent.size());
    const std::string want = fmt::format("{}\t{}\t{}\t0x{:04x}", lens[n], far_mac(static_cast<uint8_t>(n)).to_string(),
                                         host->mac(0).to_string(), wiretest::kEthertype);
    CHECK(line == want);
    ++n;
  }
  CHECK(n == sent.size());
}

TEST_CASE("pcap wire: replaying a pcap file (rx_pcap) delivers its frames to the VF in order", "[wire][pcap]") {
  auto host = wiretest::make_host();
  wiretest::ScratchDir dir;
  const std::string file = dir.file("in.pcap");
  std::vector<Bytes> frames;
  for (uint32_t i = 0; i < 4; ++i) frames.push_back(frame(host->mac(0), kFarMac, std::vector<size_t>{60, 200, 1514, 9000}[i], i));
  wiretest::write_pcap(file, frames);

  auto w = open_ethdev(fresh_name("net_pcap") + ",rx_pcap=" + file);
  host->device().set_wire(w);
  std::vector<Bytes> got;
  for (unsigned pass = 0; pass < 100 && got.size() < frames.size(); ++pass) {
    host->device().poll_once();
    wiretest::vf_receive(host->port(0), got);
  }
  REQUIRE(got.size() == frames.size());
  for (size_t i = 0; i < frames.size(); ++i) CHECK(got[i] == frames[i]);
  CHECK(w->stats().rx_frames == frames.size());
  // The file is played once: nothing more arrives.
  wiretest::run_until_idle(host->device());
  CHECK(w->stats().rx_frames == frames.size());
  wiretest::require_accounts(host->device());
}
