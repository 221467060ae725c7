#pragma once
// SIGINT/SIGTERM for the commands that run until stopped (`events -f`, `capture`): the signal
// sets a flag, and shuts down the one socket a blocking receive may be waiting on, so that
// receive returns at once (rtnl's receive retries EINTR, so the signal alone would not end it).
// Every other command keeps the default action: a request waiting for its answer dies at
// Ctrl-C, as `ip` does, instead of retrying its receive until the timeout.

#include "sriovctl/command.hpp"

namespace sriovctl {

/// Whether `cmd` runs until stopped (`capture`, `events -f`): only those want the handlers.
bool runs_until_stopped(const Command& cmd);
/// Installs the handlers (without SA_RESTART). Call once, from main, before the command runs,
/// and only when runs_until_stopped().
void install_interrupt_handlers();
/// True once SIGINT or SIGTERM was received. Async-signal-safe to set, safe to read anywhere.
bool interrupted();

/// While alive, a signal shuts down `fd` (shutdown(2), SHUT_RDWR) besides setting the flag; a
/// signal that came before it was made shuts `fd` down at once. One at a time.
class InterruptWatch {
 public:
  explicit InterruptWatch(int fd);
  ~InterruptWatch();
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;
};

}  // namespace sriovctl
