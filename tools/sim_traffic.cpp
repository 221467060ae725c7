#include "tools/sim_traffic.hpp"

#include <bit>
#include <chrono>
#include <functional>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "harness/apps/burst_port.hpp"
#include "harness/datapath_host.hpp"
#include "tools/loss_rule.hpp"

namespace tools {
namespace apps = harness::apps;
namespace {

using SteadyClock = std::chrono::steady_clock;

/// One VF's data path for the run and its apps: a harness::VfPort built on the guest's own
/// driver (simulated host) or the HwHost's port. Declared so that the apps go before the
/// queues they use.
struct GuestPath {
  std::unique_ptr<harness::VfPort> owned;
  harness::VfPort* port = nullptr;
  std::optional<apps::TrafficGen> gen;
  std::optional<apps::Sink> sink;
};

std::expected<std::unique_ptr<GuestPath>, std::string> open_path(harness::Guest& g, uint16_t ring) {
  harness::PortOptions o;
  o.ring_size = ring;  // the rest as before: queue 0, 2 KiB buffers, no cache, the default MTU
  auto port = harness::VfPort::attach(g.function(), g.driver(), o);
  if (!port) return std::unexpected(port.error());
  auto p = std::make_unique<GuestPath>();
  p->owned = std::move(*port);
  p->port = p->owned.get();
  return p;
}

/// Pool size as VfPort picks it for one queue pair without a cache: both rings and two bursts
/// in flight, as 2^k - 1.
unsigned pool_size(uint16_t ring) { return std::bit_ceil(2u * ring + 2 * apps::kMaxBurst + 1) - 1; }

std::optional<unsigned> peer(TrafficPattern p, unsigned i, unsigned n) {
  if (p == TrafficPattern::kRing) return (i + 1) % n;
  const unsigned j = i ^ 1u;
  if (j >= n) return std::nullopt;
  return j;
}

/// What differs between the simulated and the real device.
struct Engine {
  /// One pass of whatever moves frames besides the NIC (the simulated engine; 0 on hardware).
  std::function<size_t()> pass;
  /// Called every round: a stepped host's clock follows the wall; hardware services its PF
  /// and watchdogs now and then.
  std::function<void()> tick;
  /// Drain: idle passes in a row that end it (simulated), or idle time (hardware).
  unsigned idle_passes = 4;
  std::chrono::nanoseconds idle_time{0};
};

/// One engine pass and one burst per sink; returns what moved.
size_t drain_once(const Engine& e, std::vector<std::unique_ptr<GuestPath>>& paths) {
  size_t moved = e.pass();
  for (auto& p : paths) moved += p->sink->poll();
  return moved;
}

/// Generators and sinks on `paths` (VF i's MAC is macs[i]), the run and the drain; fills
/// everything of the report but the accounting.
std::expected<TrafficReport, std::string> run_paths(std::vector<std::unique_ptr<GuestPath>>& paths,
                                                    const std::vector<hal::MacAddr>& macs,
                                                    const TrafficOptions& opts, const Engine& e) {
  const unsigned n = static_cast<unsigned>(paths.size());
  hal::RealClock clock;
  TrafficReport r;
  r.opts = opts;
  r.vfs.resize(n);
  for (unsigned i = 0; i < n; ++i) {
    GuestPath& p = *paths[i];
    const apps::BurstPort port = apps::burst_port(*p.port);
    r.vfs[i].vf = i;
    r.vfs[i].to = peer(opts.pattern, i, n);
    p.sink.emplace(port);
    if (!r.vfs[i].to) continue;
    r.vfs[*r.vfs[i].to].from = i;
    apps::GenOptions g;
    g.frame.dst = macs[*r.vfs[i].to];
    g.frame.frame_len = opts.frame_len;
    g.frame.flow = static_cast<uint16_t>(i);
    g.rate_pps = opts.rate_pps;
    g.clock = &clock;
    auto gen = apps::TrafficGen::create(port, g);
    if (!gen) return std::unexpected(fmt::format("VF {}: {}", i, gen.error()));
    p.gen.emplace(std::move(*gen));
  }

  const auto t0 = SteadyClock::now();
  const auto deadline = t0 + std::chrono::duration_cast<SteadyClock::duration>(
                                 std::chrono::duration<double>(opts.seconds));
  for (uint64_t round = 0;; ++round) {
    if (round % 64 == 0 && SteadyClock::now() >= deadline) break;
    e.tick();
    for (auto& p : paths) {
      if (p->gen) p->gen->poll();
    }
    drain_once(e, paths);
    ++r.rounds;
  }
  // What is still in the rings (bounded): a few idle passes in a row end it, or on a real
  // device a stretch of idle time, since frames in flight there take microseconds.
  auto idle_since = SteadyClock::now();
  for (unsigned idle = 0, k = 0; k < 100000; ++k, ++r.rounds) {
    e.tick();
    const auto now = SteadyClock::now();
    if (drain_once(e, paths) != 0) {
      idle = 0;
      idle_since = now;
    } else {
      ++idle;
    }
    if (idle >= e.idle_passes && now - idle_since >= e.idle_time) break;
  }
  r.seconds = std::chrono::duration<double>(SteadyClock::now() - t0).count();
  r.tsc_hz = static_cast<double>(rte_get_tsc_hz());

  for (unsigned i = 0; i < n; ++i) {
    VfTraffic& v = r.vfs[i];
    if (paths[i]->gen) v.tx = paths[i]->gen->counters();
    v.rx = paths[i]->sink->counters();
  }
  for (unsigned i = 0; i < n; ++i) {
    VfTraffic& v = r.vfs[i];
    if (!v.from) continue;
    const uint64_t sent = r.vfs[*v.from].tx.sent;
    // The sink counts frames of every flow; the sender's flow is the one that can be lost.
    const uint64_t got = paths[i]->sink->flow(static_cast<uint16_t>(*v.from)).received;
    v.loss = sent > got ? sent - got : 0;
  }
  return r;
}

}  // namespace

std::optional<TrafficPattern> parse_pattern(std::string_view s) {
  if (s == "ring") return TrafficPattern::kRing;
  if (s == "pairs") return TrafficPattern::kPairs;
  return std::nullopt;
}

std::string_view to_string(TrafficPattern p) {
  return p == TrafficPattern::kRing ? "ring" : "pairs";
}

unsigned traffic_memory_mb(unsigned num_vfs, const TrafficOptions& opts) {
  // One pool object as rte_mempool lays it out (header, mbuf, headroom, data room, padding).
  const uint64_t mbuf =
      rte_mempool_calc_obj_size(sizeof(rte_mbuf) + RTE_PKTMBUF_HEADROOM + 2048, 0, nullptr);
  // The pool's own ring of pointers, both descriptor rings and the software rings.
  const uint64_t rings = 64ull * 1024 + 2ull * opts.ring_size * (16 + 16);
  const uint64_t per_vf = pool_size(opts.ring_size) * mbuf + rings;
  // Half again for the heap's alignment and fragmentation, and a base for DPDK itself.
  return static_cast<unsigned>(96 + num_vfs * per_vf * 3 / 2 / (1024 * 1024));
}

std::expected<TrafficReport, std::string> run_traffic(harness::SimHost& host,
                                                      const TrafficOptions& opts) {
  const unsigned n = host.num_guests();
  if (n < 2)
    return std::unexpected(fmt::format("traffic needs at least 2 VFs, the host has {}", n));
  std::vector<std::unique_ptr<GuestPath>> paths;
  std::vector<hal::MacAddr> macs;
  for (unsigned i = 0; i < n; ++i) {
    auto p = open_path(host.guest(i), opts.ring_size);
    if (!p) return std::unexpected(fmt::format("VF {}: {}", i, p.error()));
    paths.push_back(std::move(*p));
    macs.push_back(host.guest(i).driver().mac());
  }
  sim::Device82599& dev = host.device();
  // Stepped mode: nothing else moves the host's clock while traffic runs, and the device's
  // time-based parts (a VF's TX rate limit) would stand still. It follows the wall clock, as
  // the generators' RealClock does.
  hal::ManualClock* const manual = host.manual_clock();
  auto last = SteadyClock::now();
  Engine e;
  e.pass = [&dev] { return dev.poll_once(); };
  e.tick = [&] {
    if (manual == nullptr) return;
    const auto now = SteadyClock::now();
    manual->advance(std::chrono::duration_cast<hal::Nanos>(now - last));
    last = now;
  };
  auto r = run_paths(paths, macs, opts, e);
  if (!r) return r;
  // Bring-up moves no frame: the device's totals are the run's.
  r->accounting = dev.accounting();
  r->accounting_check = r->accounting.check();
  return r;
}

std::expected<TrafficReport, std::string> run_traffic(harness::HwHost& host,
                                                      const TrafficOptions& opts) {
  const unsigned n = host.num_ports();
  if (n < 2)
    return std::unexpected(fmt::format("traffic needs at least 2 VFs, the host has {}", n));
  std::vector<std::unique_ptr<GuestPath>> paths;
  std::vector<hal::MacAddr> macs;
  for (unsigned i = 0; i < n; ++i) {
    auto p = std::make_unique<GuestPath>();
    p->port = &host.port(i);
    paths.push_back(std::move(p));
    macs.push_back(host.mac(i));
  }
  // The NIC moves the frames. The PF's mailbox and the VFs' watchdogs still need a pass now
  // and then (a link change, a VF reset): every 4096 rounds, well under a millisecond apart.
  uint64_t ticks = 0;
  Engine e;
  e.pass = [&host] { return host.poll_engine(); };
  e.tick = [&] {
    if (++ticks % 4096 == 0) (void)host.step();
  };
  e.idle_passes = 1;
  e.idle_time = std::chrono::milliseconds(20);
  auto r = run_paths(paths, macs, opts, e);
  if (!r) return r;
  r->device_accounting = false;
  // Without a simulated engine the sinks are the only witnesses: a frame received that no
  // generator sent, or a duplicated one, and what each receiver did not get of its sender's
  // frames (tools/loss_rule.hpp). Frames that are not probes (broadcasts from the wire) count
  // as bad and are reported, not judged.
  std::vector<PairLoss> pairs;
  for (const VfTraffic& v : r->vfs) {
    if (!v.from) continue;
    const uint64_t sent = r->vfs[*v.from].tx.sent;
    const uint64_t got = paths[v.vf]->sink->flow(static_cast<uint16_t>(*v.from)).received;
    if (got > sent || v.rx.all.duplicate != 0) {
      r->accounting_check = fmt::format("VF {} received {} frames of VF {}'s {} ({} duplicate)",
                                        v.vf, got, *v.from, sent, v.rx.all.duplicate);
      return r;
    }
    pairs.push_back({fmt::format("VF {}", *v.from), fmt::format("VF {}", v.vf), sent, got});
  }
  const std::optional<double> bound =
      opts.max_loss ? opts.max_loss : default_max_loss(opts.rate_pps != 0);
  r->opts.max_loss = bound;  // the report shows the bound applied
  const std::vector<std::string> lost = judge_loss(pairs, bound);
  if (!lost.empty()) r->accounting_check = fmt::format("{}", fmt::join(lost, "; "));
  return r;
}

}  // namespace tools
