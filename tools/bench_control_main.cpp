// sriov-bench-control: control-plane benchmarks of the simulated host.
//  - bring-up: time from enabling 63 VFs (set_num_vfs) to all 63 up (API negotiated, queues
//    known, link up), repeated;
//  - set-mac: round trip of SET_MAC_ADDR from a VF driver call to its return.
// Each in the scheduling modes the harness offers. A benchmark, not a test: it asserts nothing.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/sim_host.hpp"
#include "tools/device_args.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Variant {
  const char* label;
  harness::Mode mode;
  bool pf_busy_poll;
  bool vf_interrupts;
};

constexpr Variant kVariants[] = {
    {"inline (1 thread, PF polled by the guest loop)", harness::Mode::kInline, false, false},
    {"threaded, PF busy-polls, VF spins", harness::Mode::kThreaded, true, false},
    {"threaded, PF on interrupt, VF spins", harness::Mode::kThreaded, false, false},
    {"threaded, PF on interrupt, VF on interrupt", harness::Mode::kThreaded, false, true},
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[i];
}

harness::HostOptions host_options(const Variant& v, unsigned vfs) {
  harness::HostOptions o;
  o.num_vfs = vfs;
  o.mode = v.mode;
  o.pf_busy_poll = v.pf_busy_poll;
  o.vf_interrupts = v.vf_interrupts;
  return o;
}

/// Milliseconds from set_num_vfs(vfs) to all up, `reps` times; empty on a failed run.
std::vector<double> bench_bring_up(const Variant& v, unsigned vfs, unsigned reps) {
  std::vector<double> ms;
  for (unsigned r = 0; r < reps; ++r) {
    auto host = harness::SimHost::create(host_options(v, vfs));
    auto rep = host->bring_up();
    if (!rep || !rep->all_up()) {
      fmt::print(stderr, "bring-up failed: {}\n", rep ? fmt::format("{} of {} up", rep->up, rep->vfs) : rep.error());
      return {};
    }
    ms.push_back(static_cast<double>(rep->enable_to_all_up.count()) / 1e6);
  }
  return ms;
}

/// Microseconds per SET_MAC_ADDR round trip, `n` samples after `warmup`.
std::vector<double> bench_set_mac(const Variant& v, unsigned n, unsigned warmup) {
  auto host = harness::SimHost::create(host_options(v, 1));
  auto rep = host->bring_up();
  if (!rep || !rep->all_up()) return {};
  vf::VfDriver& d = host->guest(0).driver();
  const hal::MacAddr macs[2] = {hal::MacAddr({0x02, 0, 0, 0, 0, 0x10}), hal::MacAddr({0x02, 0, 0, 0, 0, 0x11})};
  std::vector<double> us;
  us.reserve(n);
  for (unsigned i = 0; i < n + warmup; ++i) {
    const auto t0 = Clock::now();
    auto r = d.set_mac(macs[i & 1]);
    const auto t1 = Clock::now();
    if (!r) {
      fmt::print(stderr, "set_mac failed: {}\n", vf::to_string(r.error()));
      return {};
    }
    if (i >= warmup) us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  return us;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned vfs = 63, reps = 20, samples = 20000;
  bool only_polling = false;
  CLI::App app{"sriovkit control-plane benchmark: VF bring-up time and mailbox round trip"};
  app.add_option("--vfs", vfs, "VFs to bring up")->check(CLI::Range(1u, 63u));
  app.add_option("--reps", reps, "bring-up repetitions")->check(CLI::Range(1u, 10000u));
  app.add_option("--samples", samples, "SET_MAC_ADDR round trips")->check(CLI::Range(1u, 10000000u));
  app.add_flag("--polling-only", only_polling, "only the polling variants");
  tools::DeviceArgs device;
  tools::add_device_options(app, device);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "sriov-bench-control: {}\n", e.what());
    return 2;
  }
  std::string why = tools::check_device_args(device);
  if (why.empty() && device.vfio()) {
    why = tools::sim_only("sriov-bench-control",
                          "it compares the simulated host's scheduling modes; on a real device "
                          "sriov-sim --device vfio:... reports the bring-up time");
  }
  if (!why.empty()) {
    fmt::print(stderr, "sriov-bench-control: {}\n", why);
    return 2;
  }

  fmt::print("# bring-up: set_num_vfs({}) to all {} VFs up, {} runs, milliseconds\n", vfs, vfs, reps);
  fmt::print("{:<48} {:>9} {:>9} {:>9}\n", "mode", "median", "min", "max");
  for (const Variant& v : kVariants) {
    if (only_polling && v.vf_interrupts) continue;
    const auto ms = bench_bring_up(v, vfs, reps);
    if (ms.empty()) return 1;
    fmt::print("{:<48} {:>9.3f} {:>9.3f} {:>9.3f}\n", v.label, percentile(ms, 0.5), percentile(ms, 0.0),
               percentile(ms, 1.0));
  }
  fmt::print("\n# SET_MAC_ADDR round trip, {} samples, microseconds\n", samples);
  fmt::print("{:<48} {:>9} {:>9} {:>9}\n", "mode", "median", "p99", "p99.9");
  for (const Variant& v : kVariants) {
    if (only_polling && v.vf_interrupts) continue;
    const auto us = bench_set_mac(v, samples, samples / 10 + 10);
    if (us.empty()) return 1;
    fmt::print("{:<48} {:>9.2f} {:>9.2f} {:>9.2f}\n", v.label, percentile(us, 0.5), percentile(us, 0.99),
               percentile(us, 0.999));
  }
  return 0;
}
