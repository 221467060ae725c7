#include "tools/bench_report.hpp"

#include <cstdint>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace bench {

namespace {

double per(uint64_t x, uint64_t n) {
  return n != 0 ? static_cast<double>(x) / static_cast<double>(n) : 0.0;
}

/// Cycles per received packet, split as the report shows them.
struct Split {
  double total, engine, driver, rx, tx, peer, app;
};

Split split(const Options& o, const Totals& t) {
  const uint64_t driver = t.cyc_rx + t.cyc_tx;
  // Inline, the guests' core also ran the engine; threaded, the engine's cycles were spent on
  // its own core and the guests' core total is driver + peer + app.
  const uint64_t app = t.cyc_total - driver - t.cyc_peer - (o.threaded() ? 0 : t.cyc_engine);
  const uint64_t n = t.received;
  return {per(t.cyc_total, n), per(t.cyc_engine, n), per(driver, n), per(t.cyc_rx, n),
          per(t.cyc_tx, n),    per(t.cyc_peer, n),   per(app, n)};
}

/// Receptions per queue index, summed over the receivers that use dp queues (RSS's spread).
std::vector<uint64_t> rx_per_queue(const Rig& rig) {
  std::vector<uint64_t> out;
  for (const Receiver& r : rig.receivers()) {
    if (r.peer != nullptr) continue;
    if (out.size() < r.per_queue.size()) out.resize(r.per_queue.size());
    for (size_t q = 0; q < r.per_queue.size(); ++q) out[q] += r.per_queue[q];
  }
  return out;
}

std::string headline(const Options& o, const Rig& rig) {
  const std::string tail = fmt::format(
      "{} B frames, burst {}, ring {}, {} queue pair{} per VF, {} flow{} per sender", o.size,
      o.burst, o.ring, o.queues, o.queues == 1 ? "" : "s", o.flows, o.flows == 1 ? "" : "s");
  const std::string vfs = fmt::format("{} VF{}", o.vfs, o.vfs == 1 ? "" : "s");
  switch (o.scenario) {
    case Scenario::kVfToVf:
      return fmt::format("{} pair{} (VF 2k -> VF 2k+1 through the VEB), {}", o.pairs(),
                         o.pairs() == 1 ? "" : "s", tail);
    case Scenario::kVfToWire:
      return fmt::format("{} -> the wire (unknown unicast out of the port; {} sinks), {}", vfs,
                         rig.receivers().empty() ? fmt::format("the ethdev {}", o.wire)
                                                 : std::string("the wire peer"),
                         tail);
    case Scenario::kWireToVf:
      return fmt::format("the built-in wire peer -> {}{}, {}", vfs,
                         o.vfs > 1 ? " (bursts take turns)" : "", tail);
    case Scenario::kPfToVf:
      return fmt::format("the PF's host queues (default pool) -> {} through the VEB{}, {}", vfs,
                         o.vfs > 1 ? " (bursts take turns)" : "", tail);
  }
  return tail;
}

/// The guests' core's send and receive calls, for the threading line.
std::pair<const char*, const char*> guest_calls(const Options& o) {
  switch (o.scenario) {
    case Scenario::kVfToVf:
      return {"tx_burst", "rx_burst"};
    case Scenario::kVfToWire:
      // Another ethdev than the peer takes the frames inside the engine's pass: nothing to receive.
      return {"VF tx_burst", o.builtin_wire() ? "peer rte_eth_rx_burst" : "no receive"};
    case Scenario::kWireToVf:
      return {"peer rte_eth_tx_burst", "VF rx_burst"};
    case Scenario::kPfToVf:
      return {"PF tx_burst", "VF rx_burst"};
  }
  return {"", ""};
}

/// "VF driver 42.0 (rx 17.0, tx 25.0)" and the wire peer's share, as the scenario has them.
std::string driver_terms(const Options& o, const Split& s) {
  switch (o.scenario) {
    case Scenario::kVfToVf:
      return fmt::format("VF driver {:.1f} (rx {:.1f}, tx {:.1f})", s.driver, s.rx, s.tx);
    case Scenario::kVfToWire:
      if (!o.builtin_wire()) return fmt::format("VF driver {:.1f} (tx)", s.driver);
      return fmt::format("VF driver {:.1f} (tx) + wire peer {:.1f} (rte_eth_rx_burst)", s.driver,
                         s.peer);
    case Scenario::kWireToVf:
      return fmt::format("VF driver {:.1f} (rx) + wire peer {:.1f} (rte_eth_tx_burst)", s.driver,
                         s.peer);
    case Scenario::kPfToVf:
      return fmt::format("drivers {:.1f} (VF rx {:.1f}, PF tx {:.1f})", s.driver, s.rx, s.tx);
  }
  return "";
}

std::string threading(const Options& o) {
  const auto [send, receive] = guest_calls(o);
  if (o.on_device()) {
    return fmt::format("1 thread: the NIC switches the frames through its VEB ({}, {}, free)",
                       send, receive);
  }
  return o.threaded()
             ? fmt::format(
                   "2 threads: device engine on cpu {} (adaptive polling), guests on cpu {} "
                   "({}, {}, free)",
                   o.engine_cpu, o.guest_cpu, send, receive)
             : fmt::format(
                   "1 thread: device engine stepped inline on the guests' core "
                   "({}, poll_once, {}, free)",
                   send, receive);
}

std::string drop_list(const Verdict& v) {
  if (v.drops.empty()) return "none";
  std::string out;
  for (const NamedCount& d : v.drops)
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", d.name, d.value);
  return out;
}

void print_json(const Options& o, const Rig& rig, const Totals& t, const Verdict& v) {
  const Split s = split(o, t);
  const sim::Accounting& a = v.accounting;
  nlohmann::json j;
  j["scenario"] = to_string(o.scenario);
  j["pairs"] =
      o.scenario == Scenario::kVfToVf ? nlohmann::json(o.pairs()) : nlohmann::json(nullptr);
  j["vfs"] = o.vfs;
  j["queues"] = o.queues;
  j["flows"] = o.flows;
  j["sender"] = rig.sender_kind();
  j["receiver"] = rig.receiver_kind();
  j["wire"] = (o.scenario == Scenario::kVfToWire || o.scenario == Scenario::kWireToVf)
                  ? nlohmann::json(o.builtin_wire() ? std::string("builtin") : o.wire)
                  : nlohmann::json(nullptr);
  j["frame_bytes"] = o.size;
  j["burst"] = o.burst;
  j["ring"] = o.ring;
  j["threading"] = threading(o);
  j["seconds"] = t.seconds;
  j["packets"] = {{"sent", t.sent},
                  {"received", t.received},
                  {"tx_ring_full", t.tx_full},
                  {"alloc_failed", t.alloc_fail}};
  j["mpps"] = static_cast<double>(t.received) / t.seconds / 1e6;
  j["gbit_per_s_l2"] = static_cast<double>(t.rx_bytes) * 8 / t.seconds / 1e9;
  j["drops"] = v.drop_total;
  nlohmann::json by = nlohmann::json::object();
  for (const NamedCount& d : v.drops) by[d.name] = d.value;
  j["drops_by_reason"] = by;
  j["engine_placement"] = o.engine;
  // vf_rx/vf_tx: the receiving and the sending driver (in pf-to-vf the sender is the PF's host
  // queues, the same dp code on the PF's registers).
  j["cycles_per_packet"] = {{"guest_core_total", s.total},
                            {"engine", s.engine},
                            {"vf_driver", s.driver},
                            {"vf_rx", s.rx},
                            {"vf_tx", s.tx},
                            {"wire_peer", s.peer},
                            {"app", s.app}};
  j["rx_queue_packets"] = rx_per_queue(rig);
  j["tsc_hz_estimated"] = t.tsc_hz;
  j["engine_polls"] = t.polls;
  if (v.wire) {
    j["wire_stats"] = {{"tx_offered", v.wire->tx_offered},
                       {"tx_frames", v.wire->tx_frames},
                       {"tx_refused", v.wire->tx_refused},
                       {"tx_no_mbuf", v.wire->tx_no_mbuf},
                       {"rx_frames", v.wire->rx_frames}};
  }
  j["device"] = o.device.spec.str();
  if (o.on_device()) {
    j["accounting"] = {{"ok", v.ok()}, {"problems", v.problems}, {"device", false}};
    fmt::print("{}\n", j.dump(2));
    return;
  }
  j["accounting"] = {{"ok", v.ok()},           {"check", v.device_check},
                     {"problems", v.problems}, {"summary", a.summary()},
                     {"offered", a.offered()}, {"delivered", a.delivered},
                     {"to_wire", a.to_wire}};
  fmt::print("{}\n", j.dump(2));
}

void print_text(const Options& o, const Rig& rig, const Totals& t, const Verdict& v) {
  const Split s = split(o, t);
  const sim::Accounting& a = v.accounting;
  fmt::print("sriov-bench {}: {}\n", to_string(o.scenario), headline(o, rig));
  fmt::print("threading: {}\n", threading(o));
  fmt::print("run: {:.3f} s, {} engine polls\n", t.seconds, t.polls);
  fmt::print("packets: sent {}, received {}, tx ring full {} (not offered), alloc failed {}\n",
             t.sent, t.received, t.tx_full, t.alloc_fail);
  fmt::print("rate: {:.3f} Mpps, {:.3f} Gbit/s (L2 bytes without FCS)\n",
             static_cast<double>(t.received) / t.seconds / 1e6,
             static_cast<double>(t.rx_bytes) * 8 / t.seconds / 1e9);
  if (o.on_device()) {
    fmt::print("device: {}\n", o.device.spec.str());
    fmt::print("drops: {} ({}; sent minus received: a real NIC keeps no ledger here)\n",
               v.drop_total, drop_list(v));
  } else {
    fmt::print("drops: {} ({}; device accounting{})\n", v.drop_total, drop_list(v),
               v.wire ? " and the wire" : "");
  }
  if (o.threaded()) {
    fmt::print(
        "cycles/packet: engine {:.1f} (its own core, passes that moved frames); guests' core "
        "{:.1f} = {} + "
        "app and waiting {:.1f}\n",
        s.engine, s.total, driver_terms(o, s), s.app);
  } else {
    fmt::print("cycles/packet: {:.1f} total = engine {:.1f} + {} + app {:.1f}\n", s.total, s.engine,
               driver_terms(o, s), s.app);
  }
  if (o.queues > 1) {
    // RSS inside a VF's pool needs the VF's VFPSRTYPE.RQPL; without it every frame is on queue 0.
    const std::vector<uint64_t> q = rx_per_queue(rig);
    if (!q.empty())
      fmt::print("rx queues: {} (frames per VF queue, all receiving VFs)\n", fmt::join(q, " "));
  }
  if (v.wire) {
    fmt::print(
        "wire: device sent {} (ethdev took {}, refused {}, no mbuf {}), device received {}\n",
        v.wire->tx_offered, v.wire->tx_frames, v.wire->tx_refused, v.wire->tx_no_mbuf,
        v.wire->rx_frames);
  }
  fmt::print("tsc: {:.3f} GHz (rdtsc against steady_clock over the run)\n", t.tsc_hz / 1e9);
  const uint64_t device_drops = a.frame_drops() + a.copy_drops();
  if (o.on_device()) {
    if (v.ok()) {
      fmt::print("accounting: ok (real device: sent {}, received {}, lost {})\n", t.sent,
                 t.received, v.drop_total);
    } else {
      fmt::print("accounting: FAILED {}\n", fmt::join(v.problems, "; "));
    }
  } else if (v.ok()) {
    const std::string to_wire =
        a.to_wire != 0 || v.wire ? fmt::format(" + to wire {}", a.to_wire) : "";
    fmt::print("accounting: ok (offered {} = delivered {}{} + dropped {}; received {})\n",
               a.offered(), a.delivered, to_wire, device_drops, t.received);
  } else {
    fmt::print("accounting: FAILED {}; {}\n", fmt::join(v.problems, "; "), a.summary());
  }
}

}  // namespace

void print_report(const Options& o, const Rig& rig, const Totals& t, const Verdict& v) {
  if (o.json) {
    print_json(o, rig, t, v);
  } else {
    print_text(o, rig, t, v);
  }
}

}  // namespace bench
