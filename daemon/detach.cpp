#include "daemon/detach.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <thread>

namespace simd {
namespace {

using ctl::UniqueFd;

// First byte of the one report line the daemon sends.
constexpr char kReady = 'R';
constexpr char kFailed = 'F';
// Longer reasons are cut: the parent prints one line, not a log.
constexpr size_t kMaxReport = 4096;

std::unexpected<std::string> failed_call(std::string_view what, int err) {
  return std::unexpected(fmt::format("{}: {}", what, std::strerror(err)));
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return name != nullptr ? fmt::format("killed by SIG{}", name)
                           : fmt::format("killed by signal {}", WTERMSIG(status));
  }
  return fmt::format("status {:#x}", status);
}

// How long the command waits to reap a daemon that closed its report without one.
constexpr std::chrono::seconds kReapWait{5};

struct Report {
  std::string line;        ///< without its newline; empty when none came whole
  bool timed_out = false;  ///< the deadline passed first
};

// Reads the daemon's report up to its newline or end-of-file, or until `timeout` passes.
Report read_report(int fd, std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  std::string line;
  char buf[512];
  while (line.size() < kMaxReport) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Report{{}, true};
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), INT_MAX)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;  // the deadline is checked at the top
    if (ready < 0) break;
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    line.append(buf, static_cast<size_t>(n));
    if (line.find('\n') != std::string::npos) break;
  }
  if (const auto nl = line.find('\n'); nl != std::string::npos) return Report{line.substr(0, nl)};
  return {};  // no whole line: the daemon died (or wrote garbage) before reporting
}

[[noreturn]] void wait_as_parent(pid_t child, UniqueFd report, const DetachOptions& opts) {
  const Report r = read_report(report.get(), opts.startup_timeout);
  if (r.timed_out) {
    // Not killed: it may yet come up, and killing half-initialised EAL state is worse than
    // leaving a daemon the operator can see and stop.
    fmt::print(stderr,
               "{}: daemon (pid {}) did not finish starting within {:g} s; it keeps "
               "running\n",
               opts.program, child, std::chrono::duration<double>(opts.startup_timeout).count());
    _exit(1);
  }
  const std::string& line = r.line;
  if (!line.empty() && line[0] == kReady) _exit(0);
  if (!line.empty() && line[0] == kFailed) {
    fmt::print(stderr, "{}: {}\n", opts.program, std::string_view(line).substr(1));
    _exit(1);
  }
  // End of file without a report: the daemon is exiting, so reaping it is quick. Bounded all
  // the same: a daemon that closed its end and lives on must not hold the command forever.
  const auto reap_deadline = std::chrono::steady_clock::now() + kReapWait;
  int status = 0;
  for (;;) {
    const pid_t got = waitpid(child, &status, WNOHANG);
    if (got == child) break;
    if (got < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() >= reap_deadline) {
      fmt::print(stderr, "{}: daemon (pid {}) ended its start-up report without a result; it "
                 "keeps running\n", opts.program, child);
      _exit(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  fmt::print(stderr, "{}: daemon exited during start-up ({})\n", opts.program,
             describe_status(status));
  _exit(1);
}

}  // namespace

std::expected<Detach, std::string> Detach::start(const DetachOptions& opts) {
  UniqueFd null_fd(open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null_fd.valid()) return failed_call("cannot open /dev/null", errno);
  UniqueFd log_fd;
  if (!opts.log_path.empty()) {
    log_fd.reset(open(opts.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    if (!log_fd.valid()) return failed_call(fmt::format("cannot open {}", opts.log_path), errno);
  }
  // A stream socket, not a pipe: send(MSG_NOSIGNAL) lets a daemon whose parent was killed
  // report into the void instead of dying of SIGPIPE.
  int ends[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
    return failed_call("socketpair", errno);
  }
  UniqueFd parent_end(ends[0]);
  UniqueFd child_end(ends[1]);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return failed_call("fork", errno);
  if (pid > 0) {
    child_end.reset();
    wait_as_parent(pid, std::move(parent_end), opts);
  }
  parent_end.reset();
  Detach d(std::move(child_end));
  const int out = log_fd.valid() ? log_fd.get() : null_fd.get();
  // dup2 clears close-on-exec on the copies: 0, 1 and 2 stay open across an exec.
  if (setsid() < 0 || chdir("/") != 0 || dup2(null_fd.get(), STDIN_FILENO) < 0 ||
      dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0) {
    d.failed(fmt::format("cannot detach: {}", std::strerror(errno)));
    _exit(1);
  }
  return d;
}

Detach& Detach::operator=(Detach&& o) noexcept {
  if (this != &o) {
    if (pending()) failed("start-up ended without reporting");
    report_ = std::move(o.report_);
  }
  return *this;
}

Detach::~Detach() {
  if (pending()) failed("start-up ended without reporting");
}

void Detach::ready() { send_report(std::string(1, kReady)); }

void Detach::failed(std::string_view message) {
  std::string line(1, kFailed);
  line.append(message.substr(0, kMaxReport - 2));
  std::replace(line.begin(), line.end(), '\n', ' ');
  send_report(line);
}

void Detach::send_report(std::string_view line) {
  if (!pending()) return;
  std::string msg(line);
  msg += '\n';
  size_t at = 0;
  while (at < msg.size()) {
    const ssize_t n = send(report_.get(), msg.data() + at, msg.size() - at, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // the parent is gone: nobody to tell
    at += static_cast<size_t>(n);
  }
  report_.reset();
}

}  // namespace simd
