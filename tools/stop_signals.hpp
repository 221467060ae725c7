#pragma once
// SIGINT and SIGTERM as a readable fd for a tool's foreground loop (sriov-sim --serve): blocked
// on the calling thread and delivered to a signalfd the loop polls, so a stop request waits
// for the loop instead of interrupting a register sequence halfway. When the object goes, the
// pending stop signals are consumed (they were served), the fd closed and the old mask put
// back.

#include <signal.h>

#include <expected>
#include <string>

namespace tools {

class StopSignals {
 public:
  /// Blocks SIGINT and SIGTERM and opens the signalfd. Call before starting threads (they
  /// inherit the mask). Errors: "pthread_sigmask: ..." or "signalfd: ...".
  static std::expected<StopSignals, std::string> open();
  StopSignals(StopSignals&& o) noexcept;
  StopSignals& operator=(StopSignals&&) = delete;
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;
  ~StopSignals();

  /// Readable once a stop signal is pending (and stays readable: it is not consumed).
  int fd() const { return fd_; }

 private:
  StopSignals(int fd, const sigset_t& old) : fd_(fd), old_(old) {}
  int fd_ = -1;
  sigset_t old_{};
};

}  // namespace tools
