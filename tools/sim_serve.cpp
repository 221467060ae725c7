#include "tools/sim_serve.hpp"

#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "harness/hw/hw_host.hpp"
#include "harness/hw/pf_serve.hpp"
#include "tools/stop_signals.hpp"
#include "tools/trace_out.hpp"

namespace tools {

namespace {

int serve_failed(const std::string& msg) {
  fmt::print(stderr, "sriov-sim: {}\n", msg);
  return 1;
}

std::string event_line(const pf::Event& e) {
  return fmt::format("event {} {} {}: {}", e.seq, e.vf ? fmt::format("vf={}", *e.vf) : "pf",
                     pf::to_string(e.code), e.reason.view());
}

/// The VFs and how to hand one to a VM.
void print_vfs(harness::HwHost& h, const std::string& device) {
  pf::PfDriver& p = *h.pf();
  const std::vector<std::string> vfs = h.vf_addresses();
  fmt::print("{}: serving {} VFs for VMs (our PF driver; VT mode {} pools x {} queues; link {})\n",
             device, vfs.size(), p.num_pools(), p.queues_per_pool(),
             p.link_up() ? fmt::format("up {} Mb/s", p.link_mbps()) : std::string("down"));
  fmt::print("VF token {}\n", h.vf_token());
  fmt::print("{:<3} {:<13} {:<17} {:<9} {:<5} {}\n", "VF", "BDF", "ADMIN MAC", "VLAN/QOS",
             "TRUST", "SPOOFCHK");
  for (unsigned i = 0; i < vfs.size(); ++i) {
    const pf::VfInfo in = p.vf_info(hal::VfId{i});
    fmt::print("{:<3} {:<13} {:<17} {:<9} {:<5} {}\n", i, vfs[i],
               in.admin_mac ? in.mac.to_string() : std::string("-"),
               fmt::format("{}/{}", in.vlan, in.qos), in.trusted ? "on" : "off",
               in.spoofchk ? "on" : "off");
  }
  // QEMU presents the token with the device (its vfio-pci vf-token property, QEMU 8.1 and
  // later); without it, or with another, vfio-pci refuses the VF (EACCES).
  fmt::print("give a VF to a VM (QEMU 8.1+, VF bound to vfio-pci):\n");
  fmt::print("  qemu-system-x86_64 ... -device vfio-pci,host={},vf-token={}\n",
             vfs.empty() ? std::string("BDF") : vfs.front(), h.vf_token());
  fmt::print("serving until SIGINT or SIGTERM (stop the VMs first: removing a VF a VM holds "
             "waits for QEMU to release it)\n");
}

}  // namespace

int serve_on_device(const HwSimArgs& a) {
  harness::HwHostOptions ho = hw_host_options(a);
  ho.open_vfs = false;
  auto mode = harness::HwHost::preflight(ho);
  if (!mode) return serve_failed(mode.error());
  if (*mode != hal::vfio::Role::kPf) {
    fmt::print(stderr,
               "sriov-sim: --serve: needs a PF (--device vfio:PF, bound to vfio-pci); the VFs "
               "named are served by their PF elsewhere\n");
    return 2;
  }
  std::shared_ptr<TraceOut> trace;
  if (a.trace_registers) {
    auto t = TraceOut::open(a.trace_file);
    if (!t) return serve_failed(t.error());
    trace = std::move(*t);
    ho.register_trace = register_trace_to(trace);
  }
  // Lines appear as they happen, also into a pipe or a file.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  // Blocked from before bring-up: a Ctrl-C during it waits, and the loop then stops at once
  // with the same clean teardown.
  auto signals = StopSignals::open();
  if (!signals) return serve_failed(signals.error());

  auto host = harness::HwHost::open(std::move(ho));
  if (!host) return serve_failed(host.error());
  harness::HwHost& h = **host;
  pf::PfDriver& p = *h.pf();
  if (a.events) {
    // The bring-up's events, then the rest as they happen.
    const pf::EventLog& log = p.events();
    for (size_t i = 0; i < log.size(); ++i) fmt::print("{}\n", event_line(log[i]));
  }
  print_vfs(h, a.device.spec.str());
  p.set_event_listener([](const pf::Event& e) { fmt::print("{}\n", event_line(e)); });

  harness::PollServeWait wait(p.interrupt(), signals->fd());
  harness::PfServeLoop loop(p, h.clock(), wait);
  const std::atomic<bool> never{false};  // the signalfd ends the loop, through the wait
  const harness::ServeStats& s = loop.run(never);
  fmt::print("stopping: {} wake-ups ({} by interrupt), {} events handled\n",
             s.interrupts + s.timeouts, s.interrupts, s.handled);
  host->reset();  // PfDriver::stop(): VFs disabled, chip quiesced; its event prints above
  fmt::print("stopped\n");
  return 0;
}

}  // namespace tools
