#pragma once
// sriovctl's execution layer: one function per command, each talking rtnetlink (and sriovkit's
// own requests) through the transports its Env opens, printing to env.out and env.err, and
// returning the exit status. None of them throws.

#include "sriovctl/command.hpp"
#include "sriovctl/env.hpp"

namespace sriovctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  ///< refused, or a PF or daemon that cannot be reached
inline constexpr int kExitUsage = 2;   ///< malformed command (the parser's; nothing was sent)

/// Runs `cmd`. Help and version print to env.out and return 0.
int run(const Command& cmd, Env& env);

/// `link show`: one link, or every kernel link then every daemon's PF (stale daemons noted on
/// env.err). Text as `ip link show`, JSON as `ip -j link show`.
int run_link_show(const LinkShowCmd& cmd, const GlobalOptions& opts, Env& env);
/// `link set`: one RTM_SETLINK with every group. Against a kernel PF, a refusal is followed by
/// a second RTM_SETLINK putting back what the first one changed (rollback.hpp).
int run_link_set(const LinkSetCmd& cmd, Env& env);
/// `dev PF numvfs N`: the daemon's "numvfs" op, or the kernel PF's sysfs sriov_numvfs.
int run_numvfs(const NumVfsCmd& cmd, Env& env);
/// `vf show`: the daemon's "vf_show" op, or what rtnetlink reports for a kernel PF's VF.
int run_vf_show(const VfShowCmd& cmd, const GlobalOptions& opts, Env& env);
/// `events`: the daemon's "events" op, once or (-f) every 200 ms until interrupted.
int run_events(const EventsCmd& cmd, const GlobalOptions& opts, Env& env);
/// `capture`: the daemon's "capture" op written to a pcapng file.
int run_capture(const CaptureCmd& cmd, Env& env);
/// `guest`: the daemon's "guest_mac" op.
int run_guest(const GuestMacCmd& cmd, Env& env);

}  // namespace sriovctl
