// sriov-bench: data-path benchmarks of the simulated 82599 with the real drivers.
//  - vf-to-vf: N VF pairs, VF 2k sends to VF 2k+1's MAC; the frames hairpin through the VEB
//    (PFDTXGSWC.VT_LBEN, as the PF programs it).
// Placement (--engine):
//  - thread (default with 2+ CPUs): the device engine on its own pinned core (sim::EngineThread,
//    --engine-cpu), the guests on another (--guest-cpu): tx_burst on every sender, rx_burst on
//    every receiver, free. Two cores, one poller each.
//  - inline: one thread, the engine stepped on the guests' core: tx_burst, dev.poll_once(),
//    rx_burst, free.
// Cycles are read with rdtsc around each call and split between the device engine (inside
// poll_once; on its own core, the cycles of passes that moved frames), the VF driver (inside
// rx_burst and tx_burst) and the application (the rest of the guests' core: mbuf allocation,
// length setting, freeing, the loop, and with the engine elsewhere any waiting for it). The TSC
// rate is estimated against steady_clock over the run. A benchmark, not a test: it asserts
// only the packet accounting.

#include <x86intrin.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "datapath/eal.hpp"
#include "hal/sim/engine_thread.hpp"
#include "harness/datapath_host.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr unsigned kMaxBurst = 32;  // the engine takes 32 frames per TX queue and pass
/// IEEE 802 local experimental ethertype: the frames are nobody's protocol.
constexpr uint16_t kEtherType = 0x88B5;

/// Bound on a --packets run: a stopped queue must not hang the tool.
constexpr double kPacketsRunLimitSeconds = 60;

struct Config {
  std::string scenario;
  unsigned pairs = 1;
  unsigned size = 64;
  unsigned burst = 32;
  unsigned ring = 512;
  double duration = 2.0;
  uint64_t packets = 0;  // 0: run for `duration`
  bool json = false;
  std::string engine;  // "thread" or "inline"; empty: thread with 2+ CPUs
  int engine_cpu = 0;
  int guest_cpu = 1;
  bool threaded() const { return engine == "thread"; }
};

/// Cycle and packet totals of one run.
struct Totals {
  uint64_t sent = 0;         // taken by tx_burst
  uint64_t tx_full = 0;      // offered to tx_burst and refused (ring full): never reached the device
  uint64_t alloc_fail = 0;   // mbufs the sender's pool could not give
  uint64_t received = 0;
  uint64_t rx_bytes = 0;
  uint64_t polls = 0;
  uint64_t cyc_engine = 0, cyc_rx = 0, cyc_tx = 0, cyc_total = 0;
  double seconds = 0;
  double tsc_hz = 0;
};

/// Writes the frame (dst, src, ethertype, a pattern) into every mbuf of the sender's pool once,
/// so the hot loop only allocates and sets lengths: a freed mbuf keeps its bytes.
bool prefill(harness::VfPort& port, const hal::MacAddr& dst, const hal::MacAddr& src, unsigned size) {
  std::vector<rte_mbuf*> all;
  all.reserve(port.pool_size);
  for (rte_mbuf* m; (m = rte_pktmbuf_alloc(port.pool.get())) != nullptr;) all.push_back(m);
  bool ok = !all.empty();
  for (rte_mbuf* m : all) {
    auto* p = rte_pktmbuf_mtod(m, uint8_t*);
    if (rte_pktmbuf_tailroom(m) < size) ok = false;
    if (!ok) break;
    std::memcpy(p, dst.bytes().data(), 6);
    std::memcpy(p + 6, src.bytes().data(), 6);
    p[12] = kEtherType >> 8;
    p[13] = kEtherType & 0xFF;
    for (unsigned i = 14; i < size; ++i) p[i] = static_cast<uint8_t>(i);
  }
  for (rte_mbuf* m : all) rte_pktmbuf_free(m);
  return ok;
}

struct Pair {
  harness::VfPort* tx;
  harness::VfPort* rx;
};

/// One engine pass (unless the engine runs on its own thread), then one rx_burst per receiver
/// (frames counted and freed). Returns the frames the engine took plus the frames received: 0
/// means nothing moved.
size_t poll_and_receive(sim::Device82599& dev, std::vector<Pair>& pairs, const Config& c, Totals& t,
                        rte_mbuf** bufs) {
  size_t moved = 0;
  if (!c.threaded()) {
    const uint64_t a = __rdtsc();
    moved = dev.poll_once();
    t.cyc_engine += __rdtsc() - a;
    ++t.polls;
  }
  for (Pair& p : pairs) {
    const uint64_t b = __rdtsc();
    const uint16_t n = p.rx->rx->rx_burst(bufs, static_cast<uint16_t>(c.burst));
    t.cyc_rx += __rdtsc() - b;
    t.received += n;
    moved += n;
    for (uint16_t k = 0; k < n; ++k) t.rx_bytes += bufs[k]->pkt_len;
    rte_pktmbuf_free_bulk(bufs, n);
  }
  return moved;
}

/// The stepped loop. Stops sending when `packets` were taken (packets > 0) or at `deadline`,
/// then drains: polls until the device and the receive rings are empty (bounded).
Totals run(sim::Device82599& dev, std::vector<Pair>& pairs, const Config& c,
           SteadyClock::time_point deadline) {
  Totals t;
  const auto size = static_cast<uint16_t>(c.size);
  rte_mbuf* bufs[kMaxBurst];
  const auto t0 = SteadyClock::now();
  const uint64_t tsc0 = __rdtsc();
  for (uint64_t round = 0;; ++round) {
    // The deadline also bounds a --packets run whose queue stopped taking frames.
    if ((c.packets != 0 && t.sent >= c.packets) ||
        (round % 64 == 0 && SteadyClock::now() >= deadline)) {
      break;
    }
    for (Pair& p : pairs) {
      unsigned want = c.burst;
      if (c.packets != 0) want = static_cast<unsigned>(std::min<uint64_t>(want, c.packets - t.sent));
      if (want == 0) break;
      if (rte_pktmbuf_alloc_bulk(p.tx->pool.get(), bufs, want) != 0) {
        t.alloc_fail += want;
        continue;
      }
      for (unsigned k = 0; k < want; ++k) {
        bufs[k]->data_len = size;
        bufs[k]->pkt_len = size;
      }
      const uint64_t a = __rdtsc();
      const uint16_t took = p.tx->tx->tx_burst(bufs, static_cast<uint16_t>(want));
      t.cyc_tx += __rdtsc() - a;
      t.sent += took;
      if (took < want) {
        t.tx_full += want - took;
        rte_pktmbuf_free_bulk(bufs + took, want - took);
      }
    }
    poll_and_receive(dev, pairs, c, t, bufs);
  }
  // Drain: what is still in the TX rings or the RX rings. Stepped, a few idle rounds in a row
  // end it; with the engine on its own thread, every frame sent must have been taken and
  // everything delivered received (bounded: a stopped queue must not hang the tool).
  if (!c.threaded()) {
    for (unsigned idle = 0, rounds = 0; idle < 4 && rounds < 100000; ++rounds) {
      const size_t moved = poll_and_receive(dev, pairs, c, t, bufs);
      idle = moved == 0 ? idle + 1 : 0;
    }
  } else {
    const auto limit = SteadyClock::now() + std::chrono::seconds(2);
    while (SteadyClock::now() < limit) {
      poll_and_receive(dev, pairs, c, t, bufs);
      const sim::Accounting a = dev.accounting();
      if (a.offered_tx >= t.sent && a.delivered == t.received) break;
    }
  }
  const uint64_t tsc1 = __rdtsc();
  const auto t1 = SteadyClock::now();
  t.cyc_total = tsc1 - tsc0;
  t.seconds = std::chrono::duration<double>(t1 - t0).count();
  t.tsc_hz = t.seconds > 0 ? static_cast<double>(t.cyc_total) / t.seconds : 0;
  return t;
}

double per(uint64_t x, uint64_t n) { return n != 0 ? static_cast<double>(x) / static_cast<double>(n) : 0.0; }

/// CLI11's messages may span lines; a usage error is one line.
std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

int fail(const std::string& what) {
  fmt::print(stderr, "sriov-bench: {}\n", one_line(what));
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  CLI::App app{"sriovkit data-path benchmark on the simulated 82599"};
  app.add_option("scenario", c.scenario, "vf-to-vf: VF pairs hairpinned through the VEB")
      ->required()
      ->check(CLI::IsMember({"vf-to-vf"}));
  app.add_option("--pairs", c.pairs, "VF pairs (sender, receiver)")->check(CLI::Range(1u, 31u));
  app.add_option("--size", c.size, "frame length in bytes without FCS, as in the mbuf (64..9000)")
      ->check(CLI::Range(64u, 9000u));
  app.add_option("--burst", c.burst, "packets per tx_burst/rx_burst (1..32)")->check(CLI::Range(1u, kMaxBurst));
  app.add_option("--ring", c.ring, "descriptors per RX/TX ring (power of two, 64..4096)")
      ->check(CLI::Range(64u, 4096u));
  auto* dur = app.add_option("--duration", c.duration, "seconds to send (default 2)")
                  ->check(CLI::Range(0.001, 3600.0));
  app.add_option("--packets", c.packets, "send this many packets instead of running for a duration")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 48))
      ->excludes(dur);
  app.add_flag("--json", c.json, "one JSON object instead of text");
  app.add_option("--engine", c.engine,
                 "where the device engine runs: thread (its own pinned core; default with 2+ CPUs) "
                 "or inline (stepped on the guests' core)")
      ->check(CLI::IsMember({"thread", "inline"}));
  app.add_option("--engine-cpu", c.engine_cpu, "CPU of the engine thread (default 0)")->check(CLI::Range(0, 1023));
  app.add_option("--guest-cpu", c.guest_cpu, "CPU of the guests' thread with --engine thread (default 1)")
      ->check(CLI::Range(0, 1023));
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "sriov-bench: {}\n", one_line(e.what()));
    return 2;
  }
  if (!std::has_single_bit(c.ring)) {
    fmt::print(stderr, "sriov-bench: --ring: {} is not a power of two\n", c.ring);
    return 2;
  }
  if (c.engine.empty()) c.engine = std::thread::hardware_concurrency() >= 2 ? "thread" : "inline";
  if (c.threaded() && c.engine_cpu == c.guest_cpu) {
    // Two busy pollers on one core collapse throughput: refuse rather than measure that.
    fmt::print(stderr, "sriov-bench: --engine-cpu and --guest-cpu must differ (both {})\n", c.engine_cpu);
    return 2;
  }

  // DPDK's heap must hold every pool: 2 x pairs pools of up to 2^k - 1 mbufs.
  const uint16_t data_room = static_cast<uint16_t>(std::max(2048u, (c.size + 1023) / 1024 * 1024));
  harness::DatapathHostOptions ho;
  ho.num_vfs = 2 * c.pairs;
  ho.port.ring_size = static_cast<uint16_t>(c.ring);
  ho.port.pool_cache = 256;
  ho.port.tx.fast_free = true;  // single-segment frames from one pool, as testpmd's fast free
  ho.port.data_room = data_room;
  ho.port.mtu = std::max(1500u, c.size - 14);  // MTU excludes the 14-byte header
  const unsigned pool_est = std::bit_ceil(2u * c.ring + 2 * 32 + 2 * 256 + 1);
  const uint64_t mbuf_bytes = uint64_t{data_room} + RTE_PKTMBUF_HEADROOM + 256;
  dp::EalOptions eo;
  eo.program = "sriov-bench";
  eo.memory_mb = static_cast<unsigned>(128 + ho.num_vfs * pool_est * mbuf_bytes / (1024 * 1024) * 5 / 4);
  auto eal = dp::Eal::init(eo);
  if (!eal) return fail(fmt::format("EAL: {}", eal.error()));

  int rc = 0;
  {
    auto host = harness::DatapathHost::create(ho);
    if (!host) return fail(host.error());
    harness::DatapathHost& h = **host;
    std::vector<Pair> pairs;
    for (unsigned i = 0; i < c.pairs; ++i) {
      pairs.push_back({&h.port(2 * i), &h.port(2 * i + 1)});
      if (!prefill(h.port(2 * i), h.mac(2 * i + 1), h.mac(2 * i), c.size)) {
        return fail(fmt::format("VF {}: could not prefill the pool with {}-byte frames", 2 * i, c.size));
      }
    }
    // A --packets run gets a generous safety bound instead of the duration.
    const double seconds = c.packets != 0 ? kPacketsRunLimitSeconds : c.duration;
    const auto deadline = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                                   std::chrono::duration<double>(seconds));
    std::unique_ptr<sim::EngineThread> engine;
    if (c.threaded()) {
      sim::EngineThreadOptions eto;
      eto.cpu = c.engine_cpu;
      auto e = sim::EngineThread::start(h.device(), eto);
      if (!e) return fail(fmt::format("engine thread: {}", e.error()));
      engine = std::move(*e);
      if (auto r = sim::pin_current_thread(c.guest_cpu); !r) return fail(fmt::format("guest thread: {}", r.error()));
    }
    Totals t = run(h.device(), pairs, c, deadline);
    if (engine) {
      engine->stop();
      const sim::EngineThreadStats es = engine->stats();
      t.cyc_engine = es.busy_cycles;
      t.polls = es.passes;
    }
    const sim::Accounting a = h.device().accounting();
    const std::string check = a.check();
    const uint64_t drops = a.frame_drops() + a.copy_drops();
    // Every frame the device delivered was received by a guest (the drain emptied the rings).
    const bool received_all = a.delivered == t.received;
    const bool sent_all = c.packets == 0 || t.sent >= c.packets;
    const bool ok = check.empty() && received_all && sent_all;
    const double mpps = static_cast<double>(t.received) / t.seconds / 1e6;
    const double gbps = static_cast<double>(t.rx_bytes) * 8 / t.seconds / 1e9;
    const uint64_t cyc_driver = t.cyc_rx + t.cyc_tx;
    // Inline, the guests' core also ran the engine; threaded, the engine's cycles were spent on
    // its own core and the guests' core total is driver + app.
    const uint64_t cyc_app = t.cyc_total - cyc_driver - (c.threaded() ? 0 : t.cyc_engine);
    const std::string threading =
        c.threaded() ? fmt::format("2 threads: device engine on cpu {} (adaptive polling), guests on cpu {} "
                                   "(tx_burst, rx_burst, free)",
                                   c.engine_cpu, c.guest_cpu)
                     : std::string("1 thread: device engine stepped inline on the guests' core "
                                   "(tx_burst, poll_once, rx_burst, free)");

    if (c.json) {
      nlohmann::json j;
      j["scenario"] = c.scenario;
      j["pairs"] = c.pairs;
      j["frame_bytes"] = c.size;
      j["burst"] = c.burst;
      j["ring"] = c.ring;
      j["threading"] = threading;
      j["seconds"] = t.seconds;
      j["packets"] = {{"sent", t.sent}, {"received", t.received}, {"tx_ring_full", t.tx_full},
                      {"alloc_failed", t.alloc_fail}};
      j["mpps"] = mpps;
      j["gbit_per_s_l2"] = gbps;
      j["drops"] = drops;
      j["engine_placement"] = c.engine;
      j["cycles_per_packet"] = {{"guest_core_total", per(t.cyc_total, t.received)},
                                {"engine", per(t.cyc_engine, t.received)},
                                {"vf_driver", per(cyc_driver, t.received)},
                                {"vf_rx", per(t.cyc_rx, t.received)},
                                {"vf_tx", per(t.cyc_tx, t.received)},
                                {"app", per(cyc_app, t.received)}};
      j["tsc_hz_estimated"] = t.tsc_hz;
      j["engine_polls"] = t.polls;
      j["accounting"] = {{"ok", ok}, {"check", check}, {"summary", a.summary()},
                         {"offered", a.offered()}, {"delivered", a.delivered}};
      fmt::print("{}\n", j.dump(2));
    } else {
      fmt::print("sriov-bench {}: {} pair{} (VF 2k -> VF 2k+1 through the VEB), {} B frames, burst {}, ring {}\n",
                 c.scenario, c.pairs, c.pairs == 1 ? "" : "s", c.size, c.burst, c.ring);
      fmt::print("threading: {}\n", threading);
      fmt::print("run: {:.3f} s, {} engine polls\n", t.seconds, t.polls);
      fmt::print("packets: sent {}, received {}, tx ring full {} (not offered), alloc failed {}\n", t.sent,
                 t.received, t.tx_full, t.alloc_fail);
      fmt::print("rate: {:.3f} Mpps, {:.3f} Gbit/s (L2 bytes without FCS)\n", mpps, gbps);
      fmt::print("drops: {} (device engine accounting)\n", drops);
      if (c.threaded()) {
        fmt::print("cycles/packet: engine {:.1f} (its own core, passes that moved frames); guests' core {:.1f} = "
                   "VF driver {:.1f} (rx {:.1f}, tx {:.1f}) + app and waiting {:.1f}\n",
                   per(t.cyc_engine, t.received), per(t.cyc_total, t.received), per(cyc_driver, t.received),
                   per(t.cyc_rx, t.received), per(t.cyc_tx, t.received), per(cyc_app, t.received));
      } else {
        fmt::print("cycles/packet: {:.1f} total = engine {:.1f} + VF driver {:.1f} (rx {:.1f}, tx {:.1f}) + app {:.1f}\n",
                   per(t.cyc_total, t.received), per(t.cyc_engine, t.received), per(cyc_driver, t.received),
                   per(t.cyc_rx, t.received), per(t.cyc_tx, t.received), per(cyc_app, t.received));
      }
      fmt::print("tsc: {:.3f} GHz (rdtsc against steady_clock over the run)\n", t.tsc_hz / 1e9);
      if (ok) {
        fmt::print("accounting: ok (offered {} = delivered {} + dropped {}; received {})\n", a.offered(),
                   a.delivered, drops, t.received);
      } else {
        if (!sent_all) fmt::print("packets: only {} of {} sent before the {} s limit\n", t.sent, c.packets,
                                  kPacketsRunLimitSeconds);
        fmt::print("accounting: FAILED {}{}; {}\n", check,
                   received_all ? "" : fmt::format(" guests received {} of {} delivered", t.received, a.delivered),
                   a.summary());
      }
    }
    rc = ok ? 0 : 1;
  }
  return rc;
}
