// sriovctl: iproute2-style SR-IOV VF control, of a kernel PF netdev or a sriov-sim daemon's
// simulated PF, over rtnetlink (docs/sriovctl.md).
// Exit: 0 done; 1 refused or failed (one line on stderr with the PF's reason); 2 malformed
// command (one line on stderr naming the token, nothing sent).

#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "sriovctl/args.hpp"
#include "sriovctl/env.hpp"
#include "sriovctl/interrupt.hpp"
#include "sriovctl/run.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto cmd = sriovctl::parse_args(args);
  if (!cmd) {
    std::cerr << cmd.error().to_line() << '\n';
    return sriovctl::kExitUsage;
  }
  // Only a command that runs until stopped catches SIGINT; a request/response command keeps
  // the default action, so Ctrl-C ends it at once even while it waits for an answer.
  if (sriovctl::runs_until_stopped(*cmd)) sriovctl::install_interrupt_handlers();
  int rc = sriovctl::kExitFailed;
  try {
    sriovctl::Env env = sriovctl::system_env(std::cout, std::cerr);
    rc = sriovctl::run(*cmd, env);
  } catch (const std::exception& e) {
    // run() does not throw by design; this is the backstop for a reply shaped in a way no
    // check foresaw: one line and a failure, never an abort.
    std::cout.flush();
    std::cerr << "sriovctl: internal error: " << e.what() << '\n';
    return sriovctl::kExitFailed;
  }
  std::cout.flush();
  return rc;
}
