#pragma once
// Our drivers on functions opened through VFIO: what `--device vfio:BDF` runs.
//
// PF mode (the address is an 82599 PF bound to vfio-pci): our PF driver initialises the whole
// chip, enables num_vfs VFs through sysfs (vfio-pci's enable_sriov, with a VF token), and our
// VF driver probes each VF, opened through VFIO with that token. VF mode (one or more 82599
// VFs bound to vfio-pci, their PF run by the Linux ixgbe driver or by another sriovkit
// process): our VF driver probes each. Either way each VF gets a VfPort (mempool mapped into
// the VF's IOMMU domain, queue pairs), so the scenarios of sriov-bench and sriov-sim run on
// it as on the simulation.
//
// The same code runs in CI against a fake kernel that serves the simulated 82599 as VFIO
// devices (tests/harness/sim_vfio_kernel.hpp; tests/harness/test_hw_*.cpp), and on a real
// X520 (docs/hardware.md).

#include <expected>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hal/clock.hpp"
#include "hal/tracing_function.hpp"
#include "hal/vfio/open.hpp"
#include "harness/datapath_host.hpp"
#include "harness/host_options.hpp"
#include "mailbox/trace.hpp"
#include "pf_driver/pf_driver.hpp"

namespace harness {

struct HwHostOptions {
  /// One PF, or one or more VFs (all of one kind).
  std::vector<std::string> bdfs;
  /// PF mode: VFs to enable (1..63). VF mode: ignored.
  unsigned num_vfs = 2;
  /// PF mode: its MAC (zero: the one the EEPROM loaded into RAR 0) and MTU.
  hal::MacAddr pf_mac{};
  uint32_t pf_mtu = 1500;
  /// PF mode: the administrator's settings per VF number (ip link set PF vf N ...), applied
  /// after the VFs are enabled and before their drivers probe. VF mode: must be empty (the
  /// PF's owner sets them).
  std::map<unsigned, VfAdmin> admin;
  /// PF mode: the PF's mailbox flood guard.
  pf::MailboxFloodPolicy mailbox_flood;
  /// Every mailbox message: PF mode, as our PF reads or writes it (set before the VFs exist,
  /// so their bring-up is in it; also the messages of VFs in VMs); VF mode, as each of our VF
  /// drivers writes or reads it (labelled with the port index), from before its probe.
  mbx::TraceFn mailbox_trace;
  /// Every BAR0 and config-space access of our drivers, in sim::format_access's format
  /// (hal/tracing_function.hpp): the PF driver and each VF driver run on a TracingFunction
  /// over their VFIO function (function -1 the PF, n VF n in PF mode or port n in VF mode).
  /// Called on the host's thread. Empty: no wrapper, no cost.
  hal::AccessTraceFn register_trace;
  /// PF mode: probe our VF driver on each VF (true), or leave the VFs bound to vfio-pci,
  /// unopened, for others (false: VMs with Linux ixgbevf, `sriov-sim --serve`); then
  /// num_ports() is 0 and vf_addresses() lists them. VF mode: must be true.
  bool open_vfs = true;
  /// Applied to every VF port; driver.mac_seed is the seed of the VFs' random MACs: VF i's
  /// driver gets seed * 1000 + i, as SimHost's guests, so a --seed picks the same MACs here
  /// and on the simulation.
  PortOptions port;
  /// Shared by the PF and the VFs it creates; a random one when not given (PF mode) or none
  /// (VF mode).
  std::optional<hal::vfio::VfToken> vf_token;
  /// Root of /sys and /dev, and the OS calls (tests: a fixture tree and a fake kernel).
  std::filesystem::path root = "/";
  hal::vfio::SysOps* ops = nullptr;
  /// Where the functions' one-line reports go once open (device gone, a DMA map refused);
  /// empty: stderr (hal::vfio::OpenOptions::log).
  std::function<void(std::string_view)> log;
  /// The clock the drivers' waits run on; nullptr: the monotonic clock. Tests pass a
  /// ManualClock they step.
  hal::Clock* clock = nullptr;
  /// Run on every pause of a driver's wait, after the host's own work (the PF's mailbox
  /// service in PF mode): the rest of a world the host does not own. Tests: the fake kernel's
  /// device engine, or the simulated Linux PF of VF mode. Empty: nothing.
  std::function<void()> on_wait;
  /// What moves frames besides the NIC, run by the tools' traffic loops every round
  /// (poll_engine()): nothing on a real device; tests, the simulated device's engine behind
  /// the fake kernel. Returns what it moved.
  std::function<size_t()> engine;
};

/// Not thread-safe: one thread opens, steps and destroys it. A driver's wait (probe, a
/// mailbox exchange) pauses on that thread: with `clock` a hal::ManualClock each pause advances
/// it by the wait's interval (a stepped world, as DatapathHost's); otherwise it relaxes the
/// CPU (PF mode: after one pass of the PF's service, so the VF's PF answers) or sleeps (VF
/// mode and the PF's own hardware waits: the other side is elsewhere).
class HwHost {
 public:
  /// Only the sysfs checks of open(), for every address (hal::vfio::discover and preflight):
  /// the functions exist, are 82599s bound to vfio-pci in viable groups, and are one PF or
  /// only VFs; PF mode, num_vfs VFs can be enabled (vfio-pci's enable_sriov on, num_vfs <=
  /// sriov_totalvfs, sriov_numvfs writable by this process; not checked for num_vfs 0); VF
  /// mode, a VF of a vfio-pci PF has a vf_token. Opens nothing and needs no EAL, so a tool
  /// runs it before starting DPDK and a host without the device fails in milliseconds.
  /// Returns the mode open() would run.
  /// Errors: as open()'s for those steps (the OpenError's message: what, then "Fix: ...").
  static std::expected<hal::vfio::Role, std::string> preflight(const HwHostOptions& opts);
  /// Opens, initialises and probes everything; on any failure what was done is undone and
  /// the error is one line naming the step (an OpenError's message() for VFIO failures).
  static std::expected<std::unique_ptr<HwHost>, std::string> open(HwHostOptions opts);
  /// Teardown in reverse: ports, VF drivers, VF functions, then (PF mode) the PF driver's
  /// stop() (VFs disabled through sysfs, chip quiesced, link down) and the PF function.
  ~HwHost();
  HwHost(const HwHost&) = delete;
  HwHost& operator=(const HwHost&) = delete;

  hal::vfio::Role mode() const;
  /// PF mode: our PF driver; nullptr in VF mode.
  pf::PfDriver* pf();
  unsigned num_ports() const;
  VfPort& port(unsigned i);
  /// Port i's MAC (its VF driver's).
  hal::MacAddr mac(unsigned i) const;
  hal::vfio::VfioFunction& vf_function(unsigned i);
  /// PF mode: the PF's function (its gone() state, for the serve loop); nullptr in VF mode.
  hal::vfio::VfioFunction* pf_function();
  /// One run of HwHostOptions::engine (0 without one): a traffic loop calls it every round.
  size_t poll_engine();
  /// One pass: the PF's mailbox service (PF mode) and every VF driver's watchdog.
  size_t step();
  hal::Clock& clock();
  /// The VF token in use ("" in VF mode without one), for the operator's log.
  std::string vf_token() const;
  /// The VFs' addresses in VF order: PF mode, as sysfs lists the PF's VFs (virtfn links),
  /// opened by us or not (open_vfs); VF mode, the addresses given.
  std::vector<std::string> vf_addresses() const;

 private:
  HwHost() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace harness
