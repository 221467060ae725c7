// sriov-sim: a simulated host with one 82599 PF and N VFs, each brought up by a guest's VF
// driver through the real mailbox protocol. Prints a row per VF and the bring-up time.
// Exit: 0 every VF up; 1 a VF did not come up (reasons on stderr); 2 bad arguments.

#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "hal/ixgbe/ids.hpp"
#include "hal/sim/reg_trace.hpp"
#include "harness/sim_host.hpp"
#include "mailbox/trace.hpp"
#include "tools/sim_report.hpp"
#include "tools/vf_args.hpp"

namespace {

struct Args {
  unsigned vfs = 8;
  bool json = false;
  bool trace_mailbox = false;
  bool trace_registers = false;
  bool events = false;
  std::string mode = "threaded";
  bool vf_interrupts = false;
  uint64_t seed = 1;
  std::string name = "sim0";
  std::vector<std::string> vf_mac, vf_vlan, vf_trust, vf_spoofchk;
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
  app.add_flag("--trace-registers", a.trace_registers,
               "print every register and config-space access (a bus analyser's view)");
  app.add_flag("--events", a.events, "print the PF event log at the end");
  app.add_option("--mode", a.mode, "stepped (deterministic, simulated time), inline or threaded")
      ->check(CLI::IsMember({"stepped", "inline", "threaded"}));
  app.add_flag("--vf-interrupts", a.vf_interrupts, "threaded mode: guests sleep on mailbox interrupts");
  app.add_option("--seed", a.seed, "seed of the guests' random MACs");
  app.add_option("--name", a.name, "device name");
  app.add_option("--vf-mac", a.vf_mac, "N=MAC: admin MAC for VF N (repeatable)");
  app.add_option("--vf-vlan", a.vf_vlan, "N=VID[:QOS]: port VLAN for VF N (repeatable)");
  app.add_option("--vf-trust", a.vf_trust, "N[=on|off]: trust VF N (repeatable)");
  app.add_option("--vf-spoofchk", a.vf_spoofchk, "N=on|off: spoof check for VF N (repeatable)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return usage_error(e.what());
  }

  harness::HostOptions opts;
  opts.name = a.name;
  opts.num_vfs = a.vfs;
  opts.mode = *harness::parse_mode(a.mode);
  opts.vf_interrupts = a.vf_interrupts;
  opts.seed = a.seed;
  const std::pair<const char*, const std::vector<std::string>*> per_vf[] = {
      {"mac", &a.vf_mac}, {"vlan", &a.vf_vlan}, {"trust", &a.vf_trust}, {"spoofchk", &a.vf_spoofchk}};
  for (const auto& [what, list] : per_vf) {
    for (const auto& arg : *list) {
      if (auto r = tools::apply_vf_arg(what, arg, a.vfs, opts.admin); !r) return usage_error(r.error());
    }
  }
  if (a.trace_mailbox) {
    opts.mailbox_trace = [](hal::VfId vf, mbx::Direction d, std::span<const uint32_t> w) {
      std::fputs((mbx::format_trace(vf, d, w) + "\n").c_str(), stdout);
    };
  }

  auto host = harness::SimHost::create(std::move(opts));
  if (a.trace_registers) {
    host->device().set_trace([](const sim::RegAccess& r) {
      std::fputs(("reg " + sim::format_access(r) + "\n").c_str(), stdout);
    });
  }
  auto report = host->bring_up();
  if (!report) {
    fmt::print(stderr, "sriov-sim: {}\n", report.error());
    return 1;
  }
  host->stop();
  if (a.json) {
    fmt::print("{}\n", tools::to_json(*host, *report).dump(2));
  } else {
    fmt::print("{}", tools::format_table(*host, *report));
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
  return report->all_up() ? 0 : 1;
}
