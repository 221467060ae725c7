#pragma once
// sriov-sim --soak DURATION: the soak (harness/soak/runner.hpp) from the command line. 63 VFs
// (or --vfs N), random administrative changes, PF resets, FLRs, guest resets and traffic for
// DURATION of wall time, or exactly --soak-iterations N iterations (a replay); then the checks,
// a summary (--json: JSON) and the exit status: 0 every check passed, 1 a check failed or the
// soak could not run (the reasons on stderr), 2 bad arguments.

#include <cstdint>
#include <string>

#include "pf_driver/options.hpp"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace tools {

struct SoakArgs {
  std::string duration;     ///< --soak DURATION
  uint64_t iterations = 0;  ///< --soak-iterations N (0: not given)
  CLI::Option* soak = nullptr;
  CLI::Option* soak_iterations = nullptr;
  /// The flood policy the --mailbox-* options fill in (add_soak_options' `mailbox_flood`);
  /// null: the soak runs with the defaults and those options are refused with --soak.
  const pf::MailboxFloodPolicy* mailbox_flood = nullptr;
  /// True when --soak or --soak-iterations was given (after parsing).
  bool requested() const;
};

/// Adds --soak DURATION and --soak-iterations N to `app`. Call after sriov-sim's other options
/// exist: the soak excludes the ones that mean nothing to it (--name and the daemon's options,
/// --traffic and its options, --mode, the traces, --events and the per-VF admin settings), so
/// giving one with --soak is a usage error. A bad DURATION is a parse error naming it.
/// `mailbox_flood`: the policy tools::add_flood_options fills in (it must outlive the run); the
/// soak's PF runs with it. Null: the --mailbox-* options are excluded too (refused, never
/// silently ignored) and the soak runs with the default policy.
void add_soak_options(CLI::App& app, SoakArgs& args,
                      const pf::MailboxFloodPolicy* mailbox_flood = nullptr);

/// Runs the soak `args` asks for with `vfs` VFs (2..63; sriov-sim passes 63 unless --vfs was
/// given) and `seed`, printing the seed first (so an interrupted run can be replayed), then the
/// summary as a table or, with `json`, as JSON. Returns the exit status (see above). Brings up
/// and tears down its own EAL.
int run_soak_main(const SoakArgs& args, unsigned vfs, uint64_t seed, bool json);

}  // namespace tools
