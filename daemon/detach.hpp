#pragma once
// Becoming a daemon (sriov-sim without --foreground): the command returns once the daemon is
// serving, with exit status 0, or fails with the daemon's own one-line reason and status 1,
// so `sriov-sim --name x && sriovctl -n x ...` works without sleeping or polling.
//
// Why the fork must come first, before DPDK's EAL, the simulated host or any other thread:
// fork() copies only the calling thread. Every other thread (EAL's lcore workers, its
// interrupt and telemetry threads, the device engine) is simply absent in the child, with
// whatever locks it held still locked and its half-done work frozen; EAL also keeps
// per-process state a fork does not carry over (fcntl locks on its runtime config and
// hugepage files belong to the process that took them, the primary's pid is recorded). A
// daemon made by forking after rte_eal_init() deadlocks or corrupts shared memory; one made
// before it initialises EAL itself, as its only process. For the same reason the
// ControlServer is opened after the fork: its flock, pid file and signal mask then belong to
// the daemon, not to the process that exits.

#include <chrono>
#include <expected>
#include <string>
#include <string_view>

#include "ctl/unique_fd.hpp"

namespace simd {

struct DetachOptions {
  /// Where the daemon's stdout and stderr go, appended (created with mode 0640); empty sends
  /// them to /dev/null. Opened before the fork, so a bad path is start()'s error.
  std::string log_path;
  /// Leads the messages the exiting parent prints ("sriov-sim: ...").
  std::string program = "sriov-sim";
  /// How long the parent waits for the start-up report. Generous: EAL start-up with hugepages
  /// can take a while; it only has to turn a wedged start-up into an error instead of a hang.
  std::chrono::milliseconds startup_timeout{120'000};
};

/// The daemon's end of the start-up report. Move-only; exists only in the daemon process.
class Detach {
 public:
  /// Forks. Returns only in the child (the daemon-to-be), which has become a session leader
  /// (setsid: no controlling terminal, immune to the shell's hangup), has "/" as its working
  /// directory (it holds no mount busy), reads stdin from /dev/null and writes stdout/stderr
  /// to opts.log_path or /dev/null. The parent never returns: it waits until the child calls
  /// ready() (parent _exit(0), printing nothing) or failed(msg) (it prints "PROGRAM: msg" to
  /// its stderr, _exit(1)), or dies without either (it prints "PROGRAM: daemon exited during
  /// start-up (exit status N | killed by SIGNAME)", _exit(1)), or opts.startup_timeout passes
  /// first (it prints "PROGRAM: daemon (pid P) did not finish starting within N s; it keeps
  /// running", _exit(1): the daemon is left alone, to finish or be stopped). _exit, not
  /// exit: the parent's atexit handlers and static destructors belong to the daemon now.
  /// Call it while the process has one thread and before EAL (see above). Pending stdio
  /// output is flushed first so it is not written twice. Errors (returned in the original
  /// process, nothing forked): the log cannot be opened, socketpair or fork failed.
  static std::expected<Detach, std::string> start(const DetachOptions& opts);

  Detach(Detach&&) noexcept = default;
  /// A pending report this one held is sent as failed() first, as the destructor would.
  Detach& operator=(Detach&& o) noexcept;
  Detach(const Detach&) = delete;
  Detach& operator=(const Detach&) = delete;
  /// A Detach dropped without a report reports failed("start-up ended without reporting"):
  /// the parent must never wait on a daemon that forgot it.
  ~Detach();

  /// The daemon serves: the parent exits 0. Later calls do nothing.
  void ready();
  /// Start-up failed for `message` (one line; newlines become spaces; without the program
  /// name): the parent prints it and exits 1. The caller then exits too. Later calls do
  /// nothing.
  void failed(std::string_view message);
  /// True until ready() or failed() was called.
  bool pending() const { return report_.valid(); }

 private:
  explicit Detach(ctl::UniqueFd report) : report_(std::move(report)) {}
  void send_report(std::string_view line);

  ctl::UniqueFd report_;  ///< the daemon's end of a socketpair to the waiting parent
};

}  // namespace simd
