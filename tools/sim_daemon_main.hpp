#pragma once
// sriov-sim --name NAME: the simulated host as a daemon serving sriovctl (daemon/sim_daemon.hpp)
// on its control socket, with DPDK telemetry on. docs/daemon.md describes it.

#include <map>
#include <string>

#include "harness/host_options.hpp"

namespace tools {

struct DaemonArgs {
  std::string name;
  unsigned vfs = 8;
  std::string wire;       ///< devargs; empty: the built-in memory wire
  std::string event_log;  ///< empty: ctl::event_log_path(name)
  bool foreground = false;
  uint64_t seed = 1;
  std::map<unsigned, harness::VfAdmin> admin;
  /// The PF's mailbox flood guard (--mailbox-*, tools/flood_args.hpp).
  pf::MailboxFloodPolicy mailbox_flood;
};

/// Runs the daemon until SIGINT or SIGTERM. Order: without --foreground, detach first (one
/// thread, no EAL yet: daemon/detach.hpp says why); the control socket next (it blocks the
/// signals before any thread exists); then the EAL (telemetry on, file prefix
/// "sriovkit-NAME"), the host, the telemetry commands; "ready"; serve; a clean shutdown.
/// Returns the exit status: 0 after a signal, 1 when start-up failed (the reason on stderr,
/// or the detached parent's stderr).
int run_daemon(const DaemonArgs& args);

}  // namespace tools
