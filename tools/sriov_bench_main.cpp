// sriov-bench: data-path benchmarks of our drivers, on the simulated 82599 or (vf-to-vf) on a
// real one through VFIO.
//  - vf-to-vf: N VF pairs, VF 2k sends to VF 2k+1's MAC; the frames hairpin through the VEB
//    (PFDTXGSWC.VT_LBEN, as the PF programs it).
//  - vf-to-wire: N VFs send to an address nobody on the host has; the switch sends them out of
//    the port, where the built-in net_ring peer sinks them (rte_eth_rx_burst, free) on the
//    guests' core, or another ethdev (--wire) takes them.
//  - wire-to-vf: the built-in peer sends to the N VFs' MACs (rte_eth_tx_burst on the guests'
//    core); the engine takes them from the wire and the VFs receive.
//  - pf-to-vf: the PF's host queues on its default pool (pf::HostQueues) send to the N VFs
//    through the VEB.
// Each VF may use several queue pairs (--queues): senders spread their bursts over their TX
// queues, receivers poll every RX queue, RSS spreads flows inside the pool (--flows vary the
// IPv4 source and UDP port).
// --device vfio:BDF runs vf-to-vf on real functions (harness::HwHost): one 82599 PF bound to
// vfio-pci (our PF driver enables --vfs VFs, our VF drivers probe them) or 2k VFs bound to
// vfio-pci (their PF elsewhere); the NIC's VEB hairpins the frames and nothing is stepped. The
// sysfs checks run before DPDK starts, so a host without the device fails at once (exit 1).
// There the run fails when a receiver got none of its sender's frames, or with --max-loss
// when a pair lost more (tools/loss_rule.hpp).
// Placement (--engine):
//  - thread (default with 2+ CPUs): the device engine on its own pinned core (sim::EngineThread,
//    --engine-cpu), the guests (and the wire peer) on another (--guest-cpu). Two cores, one
//    poller each.
//  - inline: one thread, the engine stepped on the guests' core: send, dev.poll_once(), receive.
// Cycles are read with rdtsc around each call and split between the device engine (inside
// poll_once; on its own core, the cycles of passes that moved frames), the drivers (inside
// rx_burst and tx_burst), the wire peer (its rte_eth_* bursts) and the application (the rest of
// the guests' core: mbuf allocation, length setting, freeing, the loop, and with the engine
// elsewhere any waiting for it). The TSC rate is estimated against steady_clock over the run. A
// benchmark, not a test: it asserts only the packet accounting.

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>

#include <fmt/format.h>
#include <rte_lcore.h>

#include "datapath/eal.hpp"
#include "doctor/fs.hpp"
#include "hal/sim/engine_thread.hpp"
#include "hal/vfio/preflight_hugepages.hpp"
#include "harness/hw/hw_host.hpp"
#include "tools/bench_loop.hpp"
#include "tools/bench_options.hpp"
#include "tools/bench_report.hpp"
#include "tools/bench_rig.hpp"

namespace {

using SteadyClock = std::chrono::steady_clock;

/// Bound on a --packets run: a stopped queue must not hang the tool.
constexpr double kPacketsRunLimitSeconds = 60;

int fail(const std::string& what) {
  fmt::print(stderr, "sriov-bench: {}\n", what);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = bench::parse_options(argc, argv);
  if (!parsed) return parsed.error();
  const bench::Options& o = *parsed;
  if (o.on_device()) {
    // The sysfs checks before DPDK exists: no such function, wrong driver, no IOMMU fail here.
    harness::HwHostOptions check;
    check.bdfs = o.device.spec.bdfs;
    check.num_vfs = o.vfs;  // PF mode: that many can be enabled (enable_sriov, sriov_totalvfs)
    check.vf_token = o.device.token;  // VF mode: a VF of a vfio-pci PF needs one
    auto mode = harness::HwHost::preflight(check);
    if (!mode) return fail(mode.error());
    if (*mode == hal::vfio::Role::kVf && o.device.spec.bdfs.size() < 2) {
      fmt::print(stderr,
                 "sriov-bench: --device {}: one VF; vf-to-vf needs pairs (name 2, 4, ... VFs, or "
                 "the PF)\n",
                 o.device.spec.str());
      return 2;
    }
    // Before the EAL: without free hugepages it would fail later, with DPDK's own words.
    if (o.hugepages) {
      if (auto r = hal::vfio::hugepages_check(doctor::Fs(check.root)); !r) {
        return fail(fmt::format("--hugepages: {}", r.error().message()));
      }
    }
  }

  dp::EalOptions eo;
  eo.program = "sriov-bench";
  eo.memory_mb = bench::heap_mb(o);
  eo.huge_pages = o.hugepages;
  // Every pool is sized for full rings: many VFs, queues, long rings and jumbo frames multiply.
  // Refuse what would take more than half the machine rather than fail half-way or swap.
  const uint64_t phys_mb = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                           static_cast<uint64_t>(sysconf(_SC_PAGE_SIZE)) / (1024 * 1024);
  if (phys_mb != 0 && eo.memory_mb > phys_mb / 2) {
    fmt::print(stderr,
               "sriov-bench: these options need {} MiB of DPDK memory, more than half of this "
               "machine's {} MiB: "
               "fewer --vfs or --queues, a shorter --ring or a smaller --size\n",
               eo.memory_mb, phys_mb);
    return 2;
  }
  auto eal = dp::Eal::init(eo);
  if (!eal) return fail(fmt::format("EAL: {}", eal.error()));

  int rc = 0;
  {
    auto rig = bench::Rig::create(o);
    if (!rig) return fail(rig.error());
    if (harness::HwHost* hw = (*rig)->hw_host(); hw && hw->mode() == hal::vfio::Role::kPf) {
      fmt::print(stderr, "sriov-bench: PF mode on {}, VF token {}\n", o.device.spec.bdfs.front(),
                 hw->vf_token());
    }
    // A --packets run gets a generous safety bound instead of the duration.
    const double seconds = o.packets != 0 ? kPacketsRunLimitSeconds : o.duration;
    const auto deadline = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(
                                                   std::chrono::duration<double>(seconds));
    std::unique_ptr<sim::EngineThread> engine;
    if (o.threaded()) {
      sim::EngineThreadOptions eto;
      eto.cpu = o.engine_cpu;
      // The engine thread drives the wire ports' mempools (EthdevWire): as a registered
      // non-EAL lcore it gets a mempool cache instead of going to the pool's ring per mbuf.
      // Not unregistered at the end: that would strand the mbufs in its mempool caches, and
      // the process ends with the run anyway.
      eto.on_start = [] { (void)rte_thread_register(); };
      auto e = sim::EngineThread::start((*rig)->device(), eto);
      if (!e) return fail(fmt::format("engine thread: {}", e.error()));
      engine = std::move(*e);
      if (auto r = sim::pin_current_thread(o.guest_cpu); !r)
        return fail(fmt::format("guest thread: {}", r.error()));
    }
    bench::Totals t = bench::run(**rig, o, deadline);
    if (engine) {
      engine->stop();
      const sim::EngineThreadStats es = engine->stats();
      t.cyc_engine = es.busy_cycles;
      t.polls = es.passes;
    }
    const bench::Verdict v = (*rig)->judge(t, o.packets);
    bench::print_report(o, **rig, t, v);
    rc = v.ok() ? 0 : 1;
  }
  return rc;
}
