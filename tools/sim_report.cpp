#include "tools/sim_report.hpp"

#include <fmt/format.h>

namespace tools {
namespace {

struct Row {
  unsigned vf;
  std::string bdf;
  std::string mac;
  bool admin_mac;
  uint16_t vlan;
  uint8_t qos;
  bool trusted;
  bool spoofchk;
  bool link;
  std::string api;
  unsigned txq, rxq;
  std::string state;
  std::string link_state;
};

Row make_row(harness::SimHost& host, unsigned i) {
  harness::Guest& g = host.guest(i);
  const pf::VfInfo info = host.with_pf([&](pf::PfDriver& p) { return p.vf_info(g.id()); });
  const vf::VfDriver& d = g.driver();
  std::string name = g.function().name();
  const size_t colon = name.find(':');
  return Row{i,
             colon == std::string::npos ? name : name.substr(colon + 1),
             d.mac().to_string(),
             info.admin_mac,
             info.vlan,
             info.qos,
             info.trusted,
             info.spoofchk,
             g.is_up(),
             std::string(mbx::to_string(d.api())),
             d.tx_queues(),
             d.rx_queues(),
             std::string(vf::to_string(d.state())),
             std::string(pf::to_string(info.link_state))};
}


}  // namespace

std::string format_table(harness::SimHost& host, const harness::BringUpReport& report) {
  const auto& o = host.options();
  std::string out = fmt::format(
      "{}: {} of {} VFs up in {:.3f} ms ({} mode{}), wall {:.3f} ms; VT mode {} pools x {} queues\n",
      o.name, report.up, report.vfs, ms(report.enable_to_all_up), harness::to_string(o.mode),
      o.mode == harness::Mode::kStepped ? ", simulated time" : "", ms(report.wall),
      host.with_pf([](pf::PfDriver& p) { return p.num_pools(); }),
      host.with_pf([](pf::PfDriver& p) { return p.queues_per_pool(); }));
  out += fmt::format("{:<3} {:<13} {:<17} {:<5} {:<9} {:<5} {:<8} {:<9} {:<4} {:<6} {}\n", "VF",
                     "BDF", "MAC", "ADMIN", "VLAN/QOS", "TRUST", "SPOOFCHK", "LINK", "API",
                     "QUEUES", "STATE");
  for (unsigned i = 0; i < host.num_guests(); ++i) {
    const Row r = make_row(host, i);
    out += fmt::format("{:<3} {:<13} {:<17} {:<5} {:<9} {:<5} {:<8} {:<9} {:<4} {:<6} {}\n", r.vf,
                       r.bdf, r.mac, r.admin_mac ? "yes" : "no", fmt::format("{}/{}", r.vlan, r.qos),
                       r.trusted ? "on" : "off", r.spoofchk ? "on" : "off",
                       fmt::format("{}/{}", r.link ? "up" : "down", r.link_state), r.api,
                       fmt::format("{}/{}", r.txq, r.rxq), r.state);
  }
  return out;
}

nlohmann::json to_json(harness::SimHost& host, const harness::BringUpReport& report) {
  const auto& o = host.options();
  nlohmann::json j;
  j["pf"] = host.device().pf().name();
  j["mode"] = harness::to_string(o.mode);
  j["num_vfs"] = report.vfs;
  j["vfs_up"] = report.up;
  j["bring_up_ms"] = ms(report.enable_to_all_up);
  j["wall_ms"] = ms(report.wall);
  j["pools"] = host.with_pf([](pf::PfDriver& p) { return p.num_pools(); });
  j["queues_per_pool"] = host.with_pf([](pf::PfDriver& p) { return p.queues_per_pool(); });
  j["failures"] = report.failures;
  j["vfs"] = nlohmann::json::array();
  for (unsigned i = 0; i < host.num_guests(); ++i) {
    const Row r = make_row(host, i);
    j["vfs"].push_back({{"vf", r.vf},
                        {"bdf", r.bdf},
                        {"mac", r.mac},
                        {"mac_admin_set", r.admin_mac},
                        {"vlan", r.vlan},
                        {"qos", r.qos},
                        {"trust", r.trusted},
                        {"spoofchk", r.spoofchk},
                        {"link", r.link ? "up" : "down"},
                        {"link_state", r.link_state},
                        {"api", r.api},
                        {"tx_queues", r.txq},
                        {"rx_queues", r.rxq},
                        {"state", r.state}});
  }
  return j;
}

namespace {

struct Rates {
  double tx_mpps, tx_gbps, rx_mpps, rx_gbps, latency_us;
};

Rates rates(const TrafficReport& r, const harness::apps::GenCounters& tx,
            const harness::apps::FlowCounters& rx) {
  const double s = r.seconds > 0 ? r.seconds : 1;
  const double lat_cycles = rx.latency_avg();
  return Rates{static_cast<double>(tx.sent) / s / 1e6, static_cast<double>(tx.bytes) * 8 / s / 1e9,
               static_cast<double>(rx.received) / s / 1e6,
               static_cast<double>(rx.bytes) * 8 / s / 1e9,
               r.tsc_hz > 0 ? lat_cycles / r.tsc_hz * 1e6 : 0};
}

std::string peer(const std::optional<unsigned>& p) { return p ? std::to_string(*p) : "-"; }

/// Every VF's counters summed (latency: the average over all frames).
VfTraffic total(const TrafficReport& r) {
  VfTraffic t;
  for (const VfTraffic& v : r.vfs) {
    t.tx.sent += v.tx.sent;
    t.tx.bytes += v.tx.bytes;
    t.tx.tx_refused += v.tx.tx_refused;
    t.tx.alloc_failed += v.tx.alloc_failed;
    t.rx.all.received += v.rx.all.received;
    t.rx.all.bytes += v.rx.all.bytes;
    t.rx.all.reordered += v.rx.all.reordered;
    t.rx.all.duplicate += v.rx.all.duplicate;
    t.rx.all.latency_sum += v.rx.all.latency_sum;
    t.rx.bad += v.rx.bad;
    t.loss += v.loss;
  }
  return t;
}

constexpr const char* kThreading =
    "1 thread: device engine stepped inline between the generators and the sinks";
constexpr const char* kThreadingHw =
    "1 thread: the NIC moves the frames, generators and sinks polled in turn";

const char* threading(const TrafficReport& r) {
  return r.device_accounting ? kThreading : kThreadingHw;
}

}  // namespace

std::string format_traffic(const TrafficReport& r) {
  std::string out =
      fmt::format("traffic: {}, {} VFs, {}-byte frames, {}, {:.3f} s, {} engine passes ({})\n",
                  to_string(r.opts.pattern), r.vfs.size(), r.opts.frame_len,
                  r.opts.rate_pps != 0 ? fmt::format("{} pps per VF", r.opts.rate_pps)
                                       : std::string("unlimited rate"),
                  r.seconds, r.rounds, threading(r));
  const auto row = [&](const std::string& vf, const std::string& to, const std::string& from,
                       const VfTraffic& v) {
    const Rates x = rates(r, v.tx, v.rx.all);
    return fmt::format(
        "{:<4} {:<3} {:<4} {:>8.3f} {:>9.3f} {:>8.3f} {:>9.3f} {:>11} {:>11} {:>8} {:>9} {:>6} "
        "{:>6} {:>8} {:>8.2f}\n",
        vf, to, from, x.tx_mpps, x.tx_gbps, x.rx_mpps, x.rx_gbps, v.tx.sent, v.rx.all.received,
        v.loss, v.rx.all.reordered, v.rx.all.duplicate, v.rx.bad, v.tx.tx_refused, x.latency_us);
  };
  out += fmt::format(
      "{:<4} {:<3} {:<4} {:>8} {:>9} {:>8} {:>9} {:>11} {:>11} {:>8} {:>9} {:>6} {:>6} {:>8} "
      "{:>8}\n",
      "VF", "TO", "FROM", "TX_MPPS", "TX_GBIT/S", "RX_MPPS", "RX_GBIT/S", "SENT", "RECEIVED",
      "LOSS", "REORDERED", "DUP", "BAD", "TX_FULL", "LAT_US");
  for (const VfTraffic& v : r.vfs) out += row(std::to_string(v.vf), peer(v.to), peer(v.from), v);
  out += row("all", "", "", total(r));
  const sim::Accounting& a = r.accounting;
  if (!r.device_accounting) {
    // A real NIC: its engine keeps no ledger we can read here; the sinks' view is the check.
    out += r.ok() ? fmt::format("accounting: ok (real device: loss {} of {} sent; bound {})\n",
                                total(r).loss, total(r).tx.sent,
                                r.opts.max_loss ? fmt::format("{}% per VF pair", *r.opts.max_loss)
                                                : std::string("none, unlimited rate"))
                  : fmt::format("accounting: FAILED {}\n", r.accounting_check);
  } else if (r.ok()) {
    const uint64_t dropped = a.frame_drops() + a.copy_drops();
    // Drops are not a failure (a port VLAN filters, a full ring drops): say where they went.
    out += fmt::format("accounting: ok (offered {} = delivered {} + to wire {} + dropped {}){}\n",
                       a.offered(), a.delivered, a.to_wire, dropped,
                       dropped != 0 ? "; " + a.summary() : std::string());
  } else {
    out += fmt::format("accounting: FAILED {}; {}\n", r.accounting_check, a.summary());
  }
  return out;
}

nlohmann::json traffic_json(const TrafficReport& r) {
  const auto vf_json = [&](const VfTraffic& v) {
    const Rates x = rates(r, v.tx, v.rx.all);
    nlohmann::json j = {{"tx_packets", v.tx.sent},
                        {"tx_bytes", v.tx.bytes},
                        {"tx_ring_full", v.tx.tx_refused},
                        {"tx_alloc_failed", v.tx.alloc_failed},
                        {"rx_packets", v.rx.all.received},
                        {"rx_bytes", v.rx.all.bytes},
                        {"loss", v.loss},
                        {"reordered", v.rx.all.reordered},
                        {"duplicate", v.rx.all.duplicate},
                        {"bad", v.rx.bad},
                        {"tx_mpps", x.tx_mpps},
                        {"tx_gbit_per_s", x.tx_gbps},
                        {"rx_mpps", x.rx_mpps},
                        {"rx_gbit_per_s", x.rx_gbps},
                        {"latency_avg_us", x.latency_us}};
    return j;
  };
  nlohmann::json j;
  j["pattern"] = to_string(r.opts.pattern);
  j["frame_bytes"] = r.opts.frame_len;
  j["rate_pps_per_vf"] = r.opts.rate_pps;
  j["ring"] = r.opts.ring_size;
  j["seconds"] = r.seconds;
  j["engine_passes"] = r.rounds;
  j["threading"] = threading(r);
  j["vfs"] = nlohmann::json::array();
  for (const VfTraffic& v : r.vfs) {
    nlohmann::json e = vf_json(v);
    e["vf"] = v.vf;
    e["to"] = v.to ? nlohmann::json(*v.to) : nlohmann::json(nullptr);
    e["from"] = v.from ? nlohmann::json(*v.from) : nlohmann::json(nullptr);
    j["vfs"].push_back(std::move(e));
  }
  j["total"] = vf_json(total(r));
  const sim::Accounting& a = r.accounting;
  if (!r.device_accounting) {
    j["accounting"] = {{"ok", r.ok()},
                       {"check", r.accounting_check},
                       {"device", false},
                       {"max_loss_percent", r.opts.max_loss ? nlohmann::json(*r.opts.max_loss)
                                                            : nlohmann::json(nullptr)}};
    return j;
  }
  j["accounting"] = {{"ok", r.ok()},
                     {"check", r.accounting_check},
                     {"summary", a.summary()},
                     {"offered", a.offered()},
                     {"delivered", a.delivered},
                     {"to_wire", a.to_wire},
                     {"dropped", a.frame_drops() + a.copy_drops()}};
  return j;
}

}  // namespace tools
