// sriov-sim: a simulated host with one 82599 PF and N VFs, each brought up by a guest's VF
// driver through the real mailbox protocol. Prints a row per VF and the bring-up time; with
// --traffic, then runs traffic between the VFs (tools/sim_traffic.hpp) and prints per-VF rates.
// Exit: 0 every VF up (and, with --traffic, every frame accounted for); 1 a VF did not come up
// or the traffic run failed (reasons on stderr); 2 bad arguments.
// --device vfio:BDF runs the bring-up and --traffic on real functions instead
// (tools/sim_hw.hpp), or with --serve our PF serving VFs left to VMs until SIGINT/SIGTERM
// (tools/sim_serve.hpp); the modes that need the simulated device's internals refuse it
// (exit 2).
// With --name NAME it runs as a daemon instead, serving sriovctl on its control socket until
// SIGINT/SIGTERM (tools/sim_daemon_main.hpp, docs/daemon.md); exit 0 after a clean stop, 1
// when it could not start.

#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "ctl/runtime_dir.hpp"
#include "daemon/launch_paths.hpp"
#include "datapath/eal.hpp"
#include "hal/ixgbe/ids.hpp"
#include "hal/sim/reg_trace.hpp"
#include "harness/sim_host.hpp"
#include "mailbox/trace.hpp"
#include "tools/device_args.hpp"
#include "tools/flood_args.hpp"
#include "tools/sim_daemon_main.hpp"
#include "tools/sim_failover.hpp"
#include "tools/sim_faults.hpp"
#include "tools/sim_hw.hpp"
#include "tools/sim_report.hpp"
#include "tools/sim_serve.hpp"
#include "tools/sim_soak.hpp"
#include "tools/sim_traffic.hpp"
#include "tools/loss_rule.hpp"
#include "tools/trace_out.hpp"
#include "tools/vf_args.hpp"

namespace {

struct Args {
  unsigned vfs = 8;
  bool json = false;
  bool trace_mailbox = false;
  bool trace_registers = false;
  std::string trace_file;  // --trace-registers FILE; "" or "-": stdout
  bool events = false;
  bool serve = false;
  bool hugepages = false;
  std::string mode = "threaded";
  bool vf_interrupts = false;
  uint64_t seed = 1;
  std::string name;  // daemon mode when set
  std::string wire;
  std::string event_log;
  bool foreground = false;
  std::vector<std::string> vf_mac, vf_vlan, vf_trust, vf_spoofchk;
  double traffic = 0;  // seconds; 0: no traffic
  std::string pattern = "ring";
  unsigned frame_size = 60;
  uint64_t rate = 0;
  double max_loss = 0;
  std::string scenario;
  pf::MailboxFloodPolicy mailbox_flood;
};

int usage_error(const std::string& msg) {
  fmt::print(stderr, "sriov-sim: {}\n", msg);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  CLI::App app{"Simulated SR-IOV host: one Intel 82599 PF, N VFs brought up by their drivers"};
  app.add_option("--vfs", a.vfs, "number of VFs to enable (0-63)")
      ->check(CLI::Range(0u, hal::ixgbe::kMaxVfsDriver));
  app.add_flag("--json", a.json, "print JSON instead of a table");
  app.add_flag("--trace-mailbox", a.trace_mailbox, "print every mailbox message");
  app.add_option("--trace-registers", a.trace_file,
                 "print every register and config-space access (a bus analyser's view; with "
                 "--device vfio, our drivers' accesses, named) to stdout, or to FILE")
      ->expected(0, 1)
      ->type_name("[FILE]");
  app.add_flag("--events", a.events,
               "print the PF event log at the end (--serve: as the events happen)");
  app.add_flag("--serve", a.serve,
               "--device vfio:PF: bring the PF up, enable --vfs VFs and leave them bound to "
               "vfio-pci for VMs (Linux ixgbevf), then serve their mailbox until SIGINT/SIGTERM "
               "(docs/hardware.md, setup b)");
  app.add_flag("--hugepages", a.hugepages,
               "--device vfio: the VF ports' DMA memory (DPDK's heap) on hugepages; checked "
               "before DPDK starts");
  app.add_option("--mode", a.mode, "stepped (deterministic, simulated time), inline or threaded")
      ->check(CLI::IsMember({"stepped", "inline", "threaded"}));
  app.add_flag("--vf-interrupts", a.vf_interrupts, "threaded mode: guests sleep on mailbox interrupts");
  app.add_option("--seed", a.seed, "seed of the guests' random MACs");
  auto* name = app.add_option("--name", a.name,
                              "run as a daemon named NAME, serving sriovctl (see docs/daemon.md)");
  app.add_option("--wire", a.wire,
                 "daemon: the wire's DPDK devargs (net_tap0,iface=x ...); default: a built-in "
                 "wire that drops what it is sent")
      ->needs(name);
  app.add_flag("--foreground", a.foreground, "daemon: stay in the foreground (log to stderr)")
      ->needs(name);
  app.add_option("--event-log", a.event_log, "daemon: the event log file (default: "
                                             "<runtime dir>/NAME.events.log)")
      ->needs(name);

  app.add_option("--vf-mac", a.vf_mac, "N=MAC: admin MAC for VF N (repeatable)");
  app.add_option("--vf-vlan", a.vf_vlan, "N=VID[:QOS]: port VLAN for VF N (repeatable)");
  app.add_option("--vf-trust", a.vf_trust, "N[=on|off]: trust VF N (repeatable)");
  app.add_option("--vf-spoofchk", a.vf_spoofchk, "N=on|off: spoof check for VF N (repeatable)");
  tools::add_flood_options(app, a.mailbox_flood);
  auto* scenario = app.add_option("--scenario", a.scenario,
                                  "run a scenario and print its figures: faults (every fault of "
                                  "docs/reliability.md with its recovery time; --json, --seed); "
                                  "migrate (a guest with a failover NIC migrates between two hosts; "
                                  "--rate and the migrate options); team-failover (an active-backup "
                                  "team of VFs on two PFs loses a wire; --rate). docs/guest-failover.md")
                       ->check(CLI::IsMember({"faults", "migrate", "team-failover"}));
  auto* traffic = app.add_option("--traffic", a.traffic,
                                 "run traffic between the VFs for SECONDS and print per-VF rates")
                      ->check(CLI::Range(0.001, 3600.0));
  app.add_option("--pattern", a.pattern, "traffic: ring (VF i -> i+1) or pairs (2k <-> 2k+1)")
      ->check(CLI::IsMember({"ring", "pairs"}))
      ->needs(traffic);
  app.add_option("--frame-size", a.frame_size, "traffic: frame length without FCS (60-1514)")
      ->check(CLI::Range(60u, 1514u))
      ->needs(traffic);
  app.add_option("--rate", a.rate,
                 "traffic: packets per second per VF (0: unlimited); migrate, team-failover: probes "
                 "per second each way (default 100000)");
  app.add_option("--max-loss", a.max_loss,
                 "traffic on --device vfio: fail when a VF lost more than PERCENT of its "
                 "sender's frames (default: 0 with --rate; without, only a VF that received "
                 "none fails)")
      ->type_name("PERCENT")
      ->needs(traffic);
  // The one-shot run's options mean nothing to a daemon: refuse them rather than ignore them.
  for (const char* one_shot : {"--traffic", "--pattern", "--frame-size", "--rate",
                               "--max-loss", "--json",
                               "--events", "--trace-mailbox", "--trace-registers",
                               "--vf-interrupts", "--serve", "--hugepages"}) {
    name->excludes(app.get_option(one_shot));
  }
  for (const char* other : {"--name", "--traffic", "--mode", "--vfs", "--trace-mailbox",
                            "--trace-registers", "--events", "--vf-interrupts", "--serve",
                            "--hugepages"}) {
    scenario->excludes(app.get_option(other));
  }
  // The fault scenarios build their own hosts with the default flood policy: refuse the
  // --mailbox-* options rather than ignore them (the soak runs with them).
  for (const char* flood : tools::kFloodOptionNames) scenario->excludes(app.get_option(flood));
  tools::FailoverArgs failover;
  tools::add_failover_options(app, failover);
  tools::SoakArgs soak;
  tools::add_soak_options(app, soak, &a.mailbox_flood);
  tools::DeviceArgs device;
  tools::add_device_options(app, device);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }
  if (const std::string why = tools::check_flood_options(app, a.mailbox_flood); !why.empty()) {
    return usage_error(why);
  }
  if (const std::string why = tools::check_device_args(device); !why.empty()) {
    return usage_error(why);
  }
  if (const std::string why = tools::check_failover_options(app, a.scenario); !why.empty()) {
    return usage_error(why);
  }
  const bool failover_scenario = a.scenario == "migrate" || a.scenario == "team-failover";
  if (app.count("--rate") != 0 && a.traffic <= 0 && !failover_scenario) {
    return usage_error("--rate: with --traffic, or --scenario migrate or team-failover");
  }
  // Every gap includes one probe interval: below 10000/s that alone is 100 us of a 1 ms target.
  if (failover_scenario && app.count("--rate") != 0 && (a.rate < 10000 || a.rate > 10000000)) {
    return usage_error(fmt::format("--rate {}: the failover scenarios want 10000..10000000 probes/s", a.rate));
  }
  if (failover_scenario) {
    for (const char* admin_opt : {"--vf-mac", "--vf-vlan", "--vf-trust", "--vf-spoofchk"}) {
      if (app.count(admin_opt) != 0) {
        return usage_error(fmt::format("{}: not with --scenario {} (the scenario sets its VFs up itself)",
                                       admin_opt, a.scenario));
      }
    }
  }
  a.trace_registers = app.count("--trace-registers") != 0;
  if (a.serve && !device.vfio()) {
    return usage_error(
        "--serve: serves VMs' VFs from our PF on a real 82599 (--device vfio:PF); on the "
        "simulated device run the daemon instead (--name NAME, docs/daemon.md)");
  }
  if (a.hugepages && !device.vfio()) {
    return usage_error(
        "--hugepages: with --device vfio only (the simulated device's DMA needs none, and CI "
        "runs without them)");
  }
  if (app.count("--max-loss") != 0) {
    if (!device.vfio()) {
      return usage_error(
          "--max-loss: with --device vfio only (on the simulated device every frame is "
          "accounted for exactly)");
    }
    if (const std::string why = tools::check_max_loss(a.max_loss); !why.empty()) {
      return usage_error(why);
    }
  }
  if (a.serve) {
    for (const char* not_served : {"--traffic", "--json", "--hugepages"}) {
      if (app.count(not_served) != 0) {
        return usage_error(fmt::format(
            "{}: not with --serve (the VFs are the VMs'; nothing here sends or maps DMA "
            "memory)",
            not_served));
      }
    }
  }
  if (device.vfio()) {
    // What needs the simulated device's internals is refused by name, before anything opens.
    if (soak.requested()) {
      return usage_error(tools::sim_only(
          "--soak", "it injects PF resets, FLRs and guest faults and checks the device's "
                    "internal packet accounting"));
    }
    if (a.scenario == "faults") {
      return usage_error(tools::sim_only(
          "--scenario faults", "it injects faults into the simulated 82599's internals"));
    }
    if (failover_scenario) {
      return usage_error(tools::sim_only(
          "--scenario " + a.scenario, "it needs two simulated hosts and a simulated ToR switch"));
    }
    if (!a.name.empty()) {
      return usage_error(
          "--name: the daemon serves the simulated host only; on --device vfio it is not "
          "implemented yet (run sriov-sim --device vfio:... without --name)");
    }
    if (app.count("--mode") != 0 && a.mode != "inline") {
      return usage_error(tools::sim_only(
          "--mode " + a.mode, "a real device runs inline (one thread, real time)"));
    }
    if (a.vf_interrupts) {
      return usage_error(tools::sim_only("--vf-interrupts", "it is a threaded-mode option"));
    }
  }
  if (soak.requested()) {
    if (!a.scenario.empty()) return usage_error("--soak: not with --scenario");
    return tools::run_soak_main(soak, app.count("--vfs") != 0 ? a.vfs : 63, a.seed, a.json);
  }
  if (a.scenario == "faults") return tools::run_fault_report(a.json, a.seed);
  if (a.scenario == "migrate") {
    return tools::run_migration_report(tools::migration_options(failover, a.rate, a.seed), a.json);
  }
  if (a.scenario == "team-failover") {
    return tools::run_team_report(tools::team_options(failover, a.rate, a.seed), a.json);
  }

  // --vf-mac, --vf-vlan, --vf-trust, --vf-spoofchk: the same for a run and for a daemon.
  std::map<unsigned, harness::VfAdmin> admin;
  const std::pair<const char*, const std::vector<std::string>*> per_vf[] = {
      {"mac", &a.vf_mac}, {"vlan", &a.vf_vlan}, {"trust", &a.vf_trust}, {"spoofchk", &a.vf_spoofchk}};
  for (const auto& [what, list] : per_vf) {
    for (const auto& arg : *list) {
      if (auto r = tools::apply_vf_arg(what, arg, a.vfs, admin); !r) return usage_error(r.error());
    }
  }

  if (!a.name.empty()) {
    if (const std::string why = ctl::check_name(a.name); !why.empty()) {
      return usage_error("--name: " + why);
    }
    if (app.count("--mode") != 0 && a.mode != "inline") {
      return usage_error("--mode: a daemon runs its host inline (one thread, real time)");
    }
    tools::DaemonArgs da;
    da.name = a.name;
    da.vfs = a.vfs;
    // Absolute before run_daemon detaches and works from "/".
    da.wire = simd::absolute_wire_paths(a.wire);
    da.event_log = simd::absolute_path(a.event_log);
    da.foreground = a.foreground;
    da.seed = a.seed;
    da.admin = std::move(admin);
    da.mailbox_flood = a.mailbox_flood;
    return tools::run_daemon(da);
  }

  tools::TrafficOptions topts;
  topts.seconds = a.traffic;
  topts.pattern = *tools::parse_pattern(a.pattern);
  topts.frame_len = a.frame_size;
  topts.rate_pps = a.rate;
  if (app.count("--max-loss") != 0) topts.max_loss = a.max_loss;
  if (device.vfio()) {
    tools::HwSimArgs hw;
    hw.device = device;
    hw.vfs = a.vfs;
    hw.vfs_given = app.count("--vfs") != 0;
    hw.seed = a.seed;
    hw.json = a.json;
    hw.events = a.events;
    hw.trace_mailbox = a.trace_mailbox;
    hw.trace_registers = a.trace_registers;
    hw.trace_file = a.trace_file;
    hw.hugepages = a.hugepages;
    hw.admin = std::move(admin);
    hw.mailbox_flood = a.mailbox_flood;
    hw.traffic = a.traffic;
    hw.topts = topts;
    return a.serve ? tools::serve_on_device(hw) : tools::run_on_device(hw);
  }
  if (a.traffic > 0 && a.vfs < 2) return usage_error("--traffic: needs at least 2 VFs");

  harness::HostOptions opts;
  opts.num_vfs = a.vfs;
  opts.mode = *harness::parse_mode(a.mode);
  opts.vf_interrupts = a.vf_interrupts;
  opts.seed = a.seed;
  opts.admin = std::move(admin);
  opts.mailbox_flood = a.mailbox_flood;
  if (a.trace_mailbox) {
    opts.mailbox_trace = [](hal::VfId vf, mbx::Direction d, std::span<const uint32_t> w) {
      std::fputs((mbx::format_trace(vf, d, w) + "\n").c_str(), stdout);
    };
  }

  std::shared_ptr<tools::TraceOut> trace;
  if (a.trace_registers) {
    auto t = tools::TraceOut::open(a.trace_file);
    if (!t) {
      fmt::print(stderr, "sriov-sim: {}\n", t.error());
      return 1;
    }
    trace = std::move(*t);
  }
  auto host = harness::SimHost::create(std::move(opts));
  if (trace) {
    host->device().set_trace(
        [trace](const sim::RegAccess& r) { trace->line("reg " + sim::format_access(r)); });
  }
  auto report = host->bring_up();
  if (!report) {
    fmt::print(stderr, "sriov-sim: {}\n", report.error());
    return 1;
  }
  host->stop();
  // Traffic only between VFs that all came up: a missing one would only show as loss.
  std::optional<tools::TrafficReport> traffic_report;
  std::string traffic_error;
  if (a.traffic > 0 && report->all_up()) {
    dp::EalOptions eo;
    eo.program = "sriov-sim";
    eo.memory_mb = tools::traffic_memory_mb(a.vfs, topts);
    auto eal = dp::Eal::init(eo);
    if (!eal) {
      traffic_error = fmt::format("traffic: EAL: {}", eal.error());
    } else if (auto t = tools::run_traffic(*host, topts); !t) {
      traffic_error = fmt::format("traffic: {}", t.error());
    } else {
      traffic_report = std::move(*t);
      if (!traffic_report->ok()) {
        traffic_error = "traffic: a frame is not accounted for (see the accounting line)";
      }
    }
  }
  if (a.json) {
    nlohmann::json j = tools::to_json(*host, *report);
    if (traffic_report) j["traffic"] = tools::traffic_json(*traffic_report);
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("{}", tools::format_table(*host, *report));
    if (traffic_report) fmt::print("{}", tools::format_traffic(*traffic_report));
  }
  if (a.events) {
    const pf::EventLog& log = host->pf().events();
    for (size_t i = 0; i < log.size(); ++i) {
      const pf::Event& e = log[i];
      fmt::print("event {} {} {}: {}\n", e.seq, e.vf ? fmt::format("vf={}", *e.vf) : "pf",
                 pf::to_string(e.code), e.reason.view());
    }
  }
  for (const auto& f : report->failures) fmt::print(stderr, "sriov-sim: {}\n", f);
  if (!traffic_error.empty()) fmt::print(stderr, "sriov-sim: {}\n", traffic_error);
  return report->all_up() && traffic_error.empty() ? 0 : 1;
}
