#include "tools/sim_serve.hpp"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "harness/hw/hw_host.hpp"
#include "harness/hw/pf_serve.hpp"
#include "tools/stop_signals.hpp"
#include "tools/trace_out.hpp"

namespace tools {

namespace {

int serve_failed(const DeviceEnv& env, const std::string& msg) {
  fmt::print(env.err, "sriov-sim: {}\n", msg);
  return 1;
}

std::string event_line(const pf::Event& e) {
  return fmt::format("event {} {} {}: {}", e.seq, e.vf ? fmt::format("vf={}", *e.vf) : "pf",
                     pf::to_string(e.code), e.reason.view());
}

/// The VFs and how to hand one to a VM.
void print_vfs(std::FILE* out, harness::HwHost& h, const std::string& device) {
  pf::PfDriver& p = *h.pf();
  const std::vector<std::string> vfs = h.vf_addresses();
  fmt::print(out,
             "{}: serving {} VFs for VMs (our PF driver; VT mode {} pools x {} queues; link {})\n",
             device, vfs.size(), p.num_pools(), p.queues_per_pool(),
             p.link_up() ? fmt::format("up {} Mb/s", p.link_mbps()) : std::string("down"));
  fmt::print(out, "VF token {}\n", h.vf_token());
  fmt::print(out, "{:<3} {:<13} {:<17} {:<9} {:<5} {}\n", "VF", "BDF", "ADMIN MAC",
             "VLAN/QOS", "TRUST", "SPOOFCHK");
  for (unsigned i = 0; i < vfs.size(); ++i) {
    const pf::VfInfo in = p.vf_info(hal::VfId{i});
    fmt::print(out, "{:<3} {:<13} {:<17} {:<9} {:<5} {}\n", i, vfs[i],
               in.admin_mac ? in.mac.to_string() : std::string("-"),
               fmt::format("{}/{}", in.vlan, in.qos), in.trusted ? "on" : "off",
               in.spoofchk ? "on" : "off");
  }
  // QEMU presents the token with the device (its vfio-pci vf-token property, QEMU 8.1 and
  // later); without it, or with another, vfio-pci refuses the VF (EACCES).
  fmt::print(out, "give a VF to a VM (QEMU 8.1+, VF bound to vfio-pci):\n");
  fmt::print(out, "  qemu-system-x86_64 ... -device vfio-pci,host={},vf-token={}\n",
             vfs.empty() ? std::string("BDF") : vfs.front(), h.vf_token());
  fmt::print(out,
             "serving until SIGINT or SIGTERM (stop the VMs first: removing a VF a VM holds "
             "waits for QEMU to release it)\n");
}

}  // namespace

int serve_on_device(const HwSimArgs& a, const DeviceEnv& env) {
  harness::HwHostOptions ho = hw_host_options(a, env);
  ho.open_vfs = false;
  auto mode = harness::HwHost::preflight(ho);
  if (!mode) return serve_failed(env, mode.error());
  if (*mode != hal::vfio::Role::kPf) {
    fmt::print(env.err,
               "sriov-sim: --serve: needs a PF (--device vfio:PF, bound to vfio-pci); the VFs "
               "named are served by their PF elsewhere\n");
    return 2;
  }
  if (a.vfs == 0) {
    fmt::print(env.err, "sriov-sim: --vfs 0: --serve on {} enables 1..63 VFs for VMs\n",
               a.device.spec.bdfs.front());
    return 2;
  }
  // Every check passed: only now may an existing trace file be truncated.
  auto trace = open_register_trace(a, ho);
  if (!trace) return serve_failed(env, trace.error());
  // Lines appear as they happen, also into a pipe or a file.
  std::setvbuf(env.out, nullptr, _IOLBF, 0);
  // Blocked from before bring-up: a Ctrl-C during it waits, and the loop then stops at once
  // with the same clean teardown.
  std::optional<StopSignals> signals;
  if (!env.serve_wait) {
    auto sig = StopSignals::open();
    if (!sig) return serve_failed(env, sig.error());
    signals.emplace(std::move(*sig));
  }

  auto host = harness::HwHost::open(std::move(ho));
  if (!host) return serve_failed(env, host.error());
  harness::HwHost& h = **host;
  pf::PfDriver& p = *h.pf();
  if (a.events) {
    // The bring-up's events, then the rest as they happen.
    const pf::EventLog& log = p.events();
    for (size_t i = 0; i < log.size(); ++i) fmt::print(env.out, "{}\n", event_line(log[i]));
  }
  print_vfs(env.out, h, a.device.spec.str());
  p.set_event_listener(
      [out = env.out](const pf::Event& e) { fmt::print(out, "{}\n", event_line(e)); });

  std::unique_ptr<harness::ServeWait> wait =
      env.serve_wait ? env.serve_wait(h)
                     : std::make_unique<harness::PollServeWait>(p.interrupt(), signals->fd());
  // At most kHwMaxSleep between passes: a lost interrupt must cost a VM's driver less than
  // its mailbox timeout. The PF's function going away ends the loop, and so does the kernel
  // asking for it back (unbind, hot-unplug: vfio-pci's request channel), which would
  // otherwise wait on us forever.
  hal::vfio::VfioFunction* pf_fn = h.pf_function();
  bool released = false;
  harness::PfServeLoop loop(p, h.clock(), *wait, harness::PfServeLoop::kHwMaxSleep,
                            [pf_fn, &released] {
                              if (pf_fn == nullptr) return false;
                              released = pf_fn->release_requested();
                              return released || pf_fn->gone();
                            });
  const std::atomic<bool> never{false};  // the signalfd ends the loop, through the wait
  const harness::ServeStats& s = loop.run(never);
  const size_t vfs = h.vf_addresses().size();
  if (s.gone && released) {
    fmt::print(env.err, "sriov-sim: the kernel asks for PF {} back (unbind or removal): "
               "stopping\n", a.device.spec.bdfs.front());
    host->reset();
    return 1;
  }
  if (s.gone) {
    fmt::print(env.err, "sriov-sim: PF {} is gone (surprise removal?): {} wake-ups, {} events "
               "handled; tearing down\n",
               a.device.spec.bdfs.front(), s.interrupts + s.timeouts, s.handled);
    host->reset();
    return 1;
  }
  fmt::print(env.out, "stopping: {} wake-ups ({} by interrupt), {} events handled\n",
             s.interrupts + s.timeouts, s.interrupts, s.handled);
  // sriov_numvfs = 0 blocks in the kernel until every VF's device is released: a VM still
  // running keeps this waiting.
  if (vfs != 0) {
    fmt::print(env.out, "disabling {} VFs (waits for every VM to release its VF)\n", vfs);
  }
  host->reset();  // PfDriver::stop(): VFs disabled, chip quiesced; its event prints above
  fmt::print(env.out, "stopped\n");
  return 0;
}

}  // namespace tools
