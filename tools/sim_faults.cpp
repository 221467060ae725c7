// sriov-sim --scenario faults (sim_faults.hpp).
#include "tools/sim_faults.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "datapath/eal.hpp"
#include "harness/faults/scenarios.hpp"
#include "tools/sim_report.hpp"

namespace tools {

namespace hf = harness::faults;

namespace {

std::string counters_text(const std::map<std::string, uint64_t>& m) {
  std::string s;
  for (const auto& [k, v] : m) s += fmt::format("{}{}={}", s.empty() ? "" : " ", k, v);
  return s.empty() ? "-" : s;
}

bool row_ok(const hf::FaultResult& f) {
  return f.recovered && f.config_restored && f.invariant_held && f.problems.empty() && f.frames.in_flight == 0 &&
         f.frames.bad_delivered == 0;
}
}  // namespace

std::string format_fault_table(const std::vector<hf::FaultResult>& rows, uint64_t seed) {
  std::string out = fmt::format("Fault scenarios (seed {}, 4 VFs, simulated time, 100 us ticks)\n", seed);
  out += fmt::format("{:<20} {:>9} {:>12} {:>10} {:>9} {:>9} {:>8} {:>7} {:>9} {:>9}\n", "fault", "fault ms",
                     "recovery ms", "outage ms", "sent", "received", "dropped", "config", "invariant", "result");
  for (const auto& f : rows) {
    out += fmt::format("{:<20} {:>9.1f} {:>12} {:>10.2f} {:>9} {:>9} {:>8} {:>7} {:>9} {:>9}\n", f.name,
                       ms(f.fault_duration),
                       f.recovery ? fmt::format("{:.2f}", ms(*f.recovery)) : std::string("never"), ms(f.outage),
                       f.frames.sent(),
                       f.frames.received(), f.frames.dropped(), f.config_restored ? "same" : "CHANGED",
                       f.invariant_held ? "held" : "BROKEN", row_ok(f) ? "ok" : "FAILED");
  }
  for (const auto& f : rows) {
    std::string outages;
    for (const auto& [path, gap] : f.path_outages) outages += fmt::format("{}{}={:.2f}", outages.empty() ? "" : " ", path, ms(gap));
    out += fmt::format("\n{}\n  expected: {}\n  observed: {}\n  drops:    {}\n  MAC:      {}\n  outages:  {} (ms; misdelivered probes {})\n",
                       f.name, f.expected, f.observed, counters_text(f.frames.drops), counters_text(f.frames.mac),
                       outages.empty() ? "-" : outages, f.misdelivered);
    if (!f.problems.empty()) out += fmt::format("  problems: {}\n", f.problems);
  }
  return out;
}

nlohmann::json faults_json(const std::vector<hf::FaultResult>& rows, uint64_t seed) {
  nlohmann::json j;
  j["seed"] = seed;
  j["faults"] = nlohmann::json::array();
  for (const auto& f : rows) {
    nlohmann::json r;
    r["name"] = f.name;
    r["expected"] = f.expected;
    r["observed"] = f.observed;
    r["recovered"] = f.recovered;
    r["config_restored"] = f.config_restored;
    r["invariant_held"] = f.invariant_held;
    r["problems"] = f.problems;
    r["fault_ns"] = f.fault_duration.count();
    r["recovery_ns"] = f.recovery ? nlohmann::json(f.recovery->count()) : nlohmann::json(nullptr);
    r["affected_vfs"] = f.affected;
    r["outage_ns"] = f.outage.count();
    r["misdelivered"] = f.misdelivered;
    nlohmann::json po = nlohmann::json::object();
    for (const auto& [path, gap] : f.path_outages) po[path] = gap.count();
    r["path_outage_ns"] = std::move(po);
    r["frames"] = {{"sent", f.frames.sent()},
                   {"received", f.frames.received()},
                   {"dropped", f.frames.dropped()},
                   {"in_flight", f.frames.in_flight},
                   {"guest_sent", f.frames.guest_sent},
                   {"guest_received", f.frames.guest_received},
                   {"peer_sent", f.frames.peer_sent},
                   {"peer_received", f.frames.peer_received},
                   {"bad_delivered", f.frames.bad_delivered},
                   {"drops", f.frames.drops},
                   {"mac", f.frames.mac}};
    j["faults"].push_back(std::move(r));
  }
  return j;
}

int run_fault_report(bool json, uint64_t seed) {
  if (!dp::Eal::running()) {
    if (const auto& e = dp::shared_eal(); !e) {
      std::fprintf(stderr, "sriov-sim: EAL: %s\n", fmt::format("{}", e.error()).c_str());
      return 2;
    }
  }
  const auto rows = hf::run_all_faults(seed);
  const std::string text = json ? faults_json(rows, seed).dump(2) + "\n" : format_fault_table(rows, seed);
  std::fputs(text.c_str(), stdout);
  for (const auto& f : rows) {
    if (!row_ok(f)) return 1;
  }
  return 0;
}

}  // namespace tools
