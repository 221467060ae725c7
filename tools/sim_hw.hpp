#pragma once
// sriov-sim --device vfio:...: the bring-up report and the traffic run (--traffic) on real
// functions, through harness::HwHost. PF mode (one 82599 PF bound to vfio-pci): our PF driver
// brings the chip up, enables --vfs VFs through sysfs and our VF driver probes each; VF mode
// (VFs bound to vfio-pci, their PF elsewhere): our VF driver probes each VF named. Then a row
// per VF, as on the simulation, and with --traffic VF-to-VF traffic through the NIC's VEB.
//
// With --serve (PF mode only) our PF serves VFs left to VMs instead (tools/sim_serve.hpp).
// --trace-registers [FILE] traces our drivers' register accesses through hal::TracingFunction,
// --trace-mailbox every mailbox message (PF mode: our PF's view; VF mode: our VF drivers').
// What needs the simulated device's internals (--scenario faults, --soak, the scheduling
// modes) is refused before this is reached (sriov_sim_main.cpp).

#include <cstdint>
#include <expected>
#include <map>
#include <memory>

#include "harness/host_options.hpp"
#include "harness/hw/hw_host.hpp"
#include "pf_driver/options.hpp"
#include "tools/device_args.hpp"
#include "tools/device_env.hpp"
#include "tools/sim_traffic.hpp"

namespace tools {

class TraceOut;

struct HwSimArgs {
  DeviceArgs device;
  /// PF mode: VFs to enable. VF mode: must not be given (the VFs are the addresses).
  unsigned vfs = 8;
  bool vfs_given = false;
  uint64_t seed = 1;
  bool json = false;
  bool events = false;
  bool trace_mailbox = false;
  /// --trace-registers given: "" or "-" stdout, else the file.
  bool trace_registers = false;
  std::string trace_file;
  /// --hugepages: the EAL's heap (the VF ports' pools) on hugepages, checked before it starts.
  bool hugepages = false;
  /// PF mode only (the PF's owner sets them otherwise).
  std::map<unsigned, harness::VfAdmin> admin;
  pf::MailboxFloodPolicy mailbox_flood;
  /// 0: no traffic.
  double traffic = 0;
  TrafficOptions topts;
};

/// Runs it. Returns the exit status: 0 every VF up (and, with traffic, no frame received that
/// was not sent and no loss beyond tools/loss_rule.hpp's bound), 1 the device is not usable
/// (the OpenError's "what. Fix: ..." line on stderr, before DPDK starts) or a step failed or
/// the traffic lost frames, 2 an option the mode cannot take (VF mode with --vfs, VF settings
/// or --events; PF mode with --vfs 0; traffic with fewer than 2 VFs). `env`: the host around
/// it (tests: the fake kernel's).
int run_on_device(const HwSimArgs& args, const DeviceEnv& env = {});

/// The HwHost options the arguments ask for, with env's root, OS calls and clock (no register
/// trace: the caller installs its sink; the mailbox trace goes to env.out).
harness::HwHostOptions hw_host_options(const HwSimArgs& args, const DeviceEnv& env);

/// --trace-registers: opens the FILE (created or truncated) and installs it in `ho`; nullptr
/// without the option. Call once every check has passed. Errors: TraceOut::open's.
std::expected<std::shared_ptr<TraceOut>, std::string> open_register_trace(
    const HwSimArgs& args, harness::HwHostOptions& ho);

/// "reg <line>" for each traced register access, as the simulation's --trace-registers.
hal::AccessTraceFn register_trace_to(std::shared_ptr<TraceOut> out);

}  // namespace tools
