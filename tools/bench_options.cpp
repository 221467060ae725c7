#include "tools/bench_options.hpp"

#include <algorithm>
#include <bit>
#include <map>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "pf_driver/vt_mode.hpp"
#include "tools/loss_rule.hpp"

namespace bench {

namespace {

const std::map<std::string, Scenario>& scenarios() {
  static const std::map<std::string, Scenario> m = {{"vf-to-vf", Scenario::kVfToVf},
                                                    {"vf-to-wire", Scenario::kVfToWire},
                                                    {"wire-to-vf", Scenario::kWireToVf},
                                                    {"pf-to-vf", Scenario::kPfToVf}};
  return m;
}

/// CLI11's messages may span lines; a usage error is one line.
std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

std::unexpected<int> usage_error(const std::string& what) {
  fmt::print(stderr, "sriov-bench: {}\n", one_line(what));
  return std::unexpected(2);
}

/// --device vfio: what the real-device run can take. Fills in o.vfs from the addresses when
/// several VFs are named (VF mode). Returns "" or the usage error.
std::string check_on_device(const CLI::App& app, Options& o, const std::string& scenario,
                            unsigned pairs) {
  if (o.scenario != Scenario::kVfToVf) {
    const char* why =
        o.scenario == Scenario::kPfToVf
            ? "the PF's host queues on a real PF are not wired into the bench yet"
            : "the wire is the real port: the frames leave the host and nothing here sends or "
              "sinks them (use an external generator)";
    return fmt::format("{} on --device vfio is not supported: {}; vf-to-vf runs there", scenario,
                       why);
  }
  for (const char* sim_only : {"--engine", "--engine-cpu", "--guest-cpu"}) {
    if (app.count(sim_only) != 0) {
      return fmt::format(
          "{}: places the simulated device's engine; on --device vfio the NIC moves the frames "
          "and the bench runs on the calling thread",
          sim_only);
    }
  }
  const auto named = static_cast<unsigned>(o.device.spec.bdfs.size());
  if (named > 1) {
    // VF mode: the VFs are the addresses given, in pairs.
    const unsigned asked = pairs != 0 ? 2 * pairs : o.vfs;
    if (asked != 0 && asked != named) {
      return fmt::format("--device names {} VFs, --vfs/--pairs asks for {}", named, asked);
    }
    if (named % 2 != 0) {
      return fmt::format("--device names {} VFs: vf-to-vf needs an even number (VF 2k -> 2k+1)",
                         named);
    }
    o.vfs = named;
  }
  o.engine = "nic";
  return {};
}

}  // namespace

std::string_view to_string(Scenario s) {
  for (const auto& [name, v] : scenarios()) {
    if (v == s) return name;
  }
  return "?";
}

std::expected<Options, int> parse_options(int argc, char** argv) {
  Options o;
  std::string scenario;
  unsigned pairs = 0;
  CLI::App app{
      "sriovkit data-path benchmark: the real drivers on the simulated 82599 (default), or "
      "vf-to-vf on a real one (--device vfio:...)"};
  app.add_option(
         "scenario", scenario,
         "vf-to-vf: VF pairs hairpinned through the VEB; vf-to-wire: VFs send out of the port "
         "(the wire peer sinks); wire-to-vf: the wire peer sends to the VFs; pf-to-vf: the PF's "
         "host queues send to the VFs")
      ->required()
      ->check(CLI::IsMember({"vf-to-vf", "vf-to-wire", "wire-to-vf", "pf-to-vf"}));
  auto* pairs_opt = app.add_option("--pairs", pairs, "vf-to-vf: VF pairs (sender, receiver), 1..31")
                        ->check(CLI::Range(1u, 31u));
  app.add_option(
         "--vfs", o.vfs,
         "VFs: vf-to-vf 2 x pairs (even, default 2); otherwise the VFs that send or receive "
         "(1..63, default 1)")
      ->check(CLI::Range(1u, 63u))
      ->excludes(pairs_opt);
  app.add_option(
         "--queues", o.queues,
         "RX/TX queue pairs per VF (and PF host queues in pf-to-vf), 1..4, at most what the PF "
         "grants: 4 with up to 31 VFs, 2 above (default 1)")
      ->check(CLI::Range(1u, 4u));
  app.add_option(
         "--flows", o.flows,
         "IPv4/UDP flows per sender (source address and UDP port vary), 1..4096 (default 64)")
      ->check(CLI::Range(1u, 4096u));
  app.add_option("--size", o.size, "frame length in bytes without FCS, as in the mbuf (64..9000)")
      ->check(CLI::Range(64u, 9000u));
  app.add_option("--burst", o.burst, "packets per tx_burst/rx_burst (1..32)")
      ->check(CLI::Range(1u, kMaxBurst));
  app.add_option("--ring", o.ring, "descriptors per RX/TX ring (power of two, 64..4096)")
      ->check(CLI::Range(64u, 4096u));
  auto* dur = app.add_option("--duration", o.duration, "seconds to send (default 2)")
                  ->check(CLI::Range(0.001, 3600.0));
  app.add_option("--packets", o.packets, "send this many packets instead of running for a duration")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 48))
      ->excludes(dur);
  app.add_flag("--json", o.json, "one JSON object instead of text");
  app.add_option("--engine", o.engine,
                 "where the device engine runs: thread (its own pinned core; default with 2+ CPUs) "
                 "or inline (stepped on the guests' core)")
      ->check(CLI::IsMember({"thread", "inline"}));
  app.add_option("--engine-cpu", o.engine_cpu, "CPU of the engine thread (default 0)")
      ->check(CLI::Range(0, 1023));
  app.add_option("--guest-cpu", o.guest_cpu,
                 "CPU of the guests' thread with --engine thread (default 1)")
      ->check(CLI::Range(0, 1023));
  tools::add_device_options(app, o.device);
  app.add_flag("--hugepages", o.hugepages,
               "--device vfio: the VF ports' DMA memory (DPDK's heap) on hugepages; checked "
               "before DPDK starts");
  double max_loss = 0;
  auto* max_loss_opt = app.add_option(
      "--max-loss", max_loss,
      "--device vfio: fail when a VF pair lost more than PERCENT of the frames sent (default: "
      "only a receiver that got none fails; the bench sends at full rate, where a real NIC may "
      "drop)");
  max_loss_opt->type_name("PERCENT");
  auto* wire_opt = app.add_option(
      "--wire", o.wire,
      "vf-to-wire, wire-to-vf: the device's port as DPDK devargs (docs/wire.md); default builtin, "
      "the "
      "net_ring peer the bench drives on the guests' core. wire-to-vf needs the built-in peer");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e);
    return std::unexpected(0);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  if (const std::string why = tools::check_device_args(o.device); !why.empty())
    return usage_error(why);
  o.scenario = scenarios().at(scenario);
  if (o.hugepages && !o.on_device()) {
    return usage_error(
        "--hugepages: with --device vfio only (the simulated device's DMA needs none, and CI "
        "runs without them)");
  }
  if (max_loss_opt->count() != 0) {
    if (!o.on_device()) {
      return usage_error(
          "--max-loss: with --device vfio only (on the simulated device every frame is "
          "accounted for exactly)");
    }
    if (const std::string why = tools::check_max_loss(max_loss); !why.empty()) {
      return usage_error(why);
    }
    o.max_loss = max_loss;
  }
  if (o.on_device()) {
    if (auto why = check_on_device(app, o, scenario, pairs); !why.empty()) return usage_error(why);
  }
  const bool pair_scenario = o.scenario == Scenario::kVfToVf;
  if (pairs != 0 && !pair_scenario)
    return usage_error(fmt::format("--pairs is for vf-to-vf; {} takes --vfs", scenario));
  if (pair_scenario) {
    if (pairs != 0) o.vfs = 2 * pairs;
    if (o.vfs == 0) o.vfs = 2;
    if (o.vfs % 2 != 0 || o.vfs > 62) {
      return usage_error(
          fmt::format("--vfs {}: vf-to-vf needs an even number of VFs, 2..62 (or --pairs)", o.vfs));
    }
  } else if (o.vfs == 0) {
    o.vfs = 1;
  }
  if (!std::has_single_bit(o.ring))
    return usage_error(fmt::format("--ring: {} is not a power of two", o.ring));
  // The PF's layout rule (the same one GET_QUEUES reports from): a clear refusal here, rather
  // than a setup failure after the host is up.
  const unsigned per_pool = pf::choose_vt_layout(o.vfs).queues_per_pool;
  // VF mode (several VFs named): their PF is elsewhere and grants what it grants (GET_QUEUES;
  // a refusal names it at setup).
  const bool pf_elsewhere = o.on_device() && o.device.spec.bdfs.size() > 1;
  if (!pf_elsewhere && o.queues > per_pool) {
    return usage_error(fmt::format("--queues {}: with {} VFs the PF grants each VF {} queue pairs",
                                   o.queues, o.vfs, per_pool));
  }
  const bool wire_scenario = o.scenario == Scenario::kVfToWire || o.scenario == Scenario::kWireToVf;
  if (wire_opt->count() != 0) {
    if (!wire_scenario)
      return usage_error(fmt::format("--wire is for vf-to-wire and wire-to-vf, not {}", scenario));
    if (o.wire == "memory") {
      return usage_error(
          "--wire memory: a MemoryWire keeps every frame; give DPDK devargs or builtin");
    }
    if (o.scenario == Scenario::kWireToVf && !o.builtin_wire()) {
      return usage_error(
          fmt::format("--wire {}: wire-to-vf generates on the built-in peer (builtin)", o.wire));
    }
  }
  if (o.on_device()) return o;  // no simulated engine to place
  if (o.engine.empty()) o.engine = std::thread::hardware_concurrency() >= 2 ? "thread" : "inline";
  if (o.threaded() && o.engine_cpu == o.guest_cpu) {
    // Two busy pollers on one core collapse throughput: refuse rather than measure that.
    return usage_error(
        fmt::format("--engine-cpu and --guest-cpu must differ (both {})", o.engine_cpu));
  }
  return o;
}

}  // namespace bench
