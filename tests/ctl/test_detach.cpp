// Detach: the command that starts a daemon exits 0 once it serves, or 1 with its reason.
// Each test forks a "command" process that calls Detach::start(); its daemon child plays a
// scenario. The test checks the command's exit status and what it printed.

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "tests/file_text.hpp"
#include "ctl_rig.hpp"
#include "daemon/detach.hpp"

using ctltest::TempRuntimeDir;

namespace {


struct CommandResult {
  int exit_status = -1;
  std::string err;  ///< what the command printed on stderr
};

// Makes the test process the reaper of the daemons its commands leave behind, so each test
// waits for its daemon to end instead of leaving it (or its zombie) to the system.
class ReapOrphans {
 public:
  ReapOrphans() { REQUIRE(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0); }
  ~ReapOrphans() {
    int status = 0;
    while (waitpid(-1, &status, 0) > 0 || errno == EINTR) {
    }
    prctl(PR_SET_CHILD_SUBREAPER, 0);
  }
  ReapOrphans(const ReapOrphans&) = delete;
  ReapOrphans& operator=(const ReapOrphans&) = delete;
};

// Runs `daemon` in the daemon process Detach::start() makes; the daemon must end in _exit.
// Exit status 70 from the command: start() failed there (its message is on its stderr).
CommandResult run_command(const TempRuntimeDir& dir, simd::DetachOptions opts,
                          const std::function<void(simd::Detach&)>& daemon) {
  const std::string err_path = dir.file("command.err");
  ReapOrphans reaper;
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The command process: only _exit, never back into Catch2.
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (err < 0 || dup2(err, STDERR_FILENO) < 0) _exit(71);
    close(err);
    auto d = simd::Detach::start(opts);
    if (!d) {
      fmt::print(stderr, "{}\n", d.error());
      _exit(70);
    }
    daemon(*d);
    _exit(72);  // a scenario that forgot to end
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return {WEXITSTATUS(status), testutil::read_file(err_path)};
}

}  // namespace

TEST_CASE("Detach: the command exits 0 silently once the daemon is ready", "[ctl][detach]") {
  TempRuntimeDir dir;
  const std::string log = dir.file("daemon.log");
  auto r = run_command(dir, {.log_path = log}, [](simd::Detach& d) {
    char cwd[256] = {};
    fmt::print(stdout, "cwd {}\n", getcwd(cwd, sizeof(cwd)) != nullptr ? cwd : "?");
    std::fflush(stdout);
    fmt::print(stderr, "session leader {}\n", getsid(0) == getpid());
    fmt::print(stderr, "stdin is /dev/null {}\n", read(STDIN_FILENO, cwd, 1) == 0);
    d.ready();
    _exit(0);
  });
  CHECK(r.exit_status == 0);
  CHECK(r.err.empty());
  // The daemon wrote before reporting ready, so its lines are in the log by now.
  CHECK(testutil::read_file(log) == "cwd /\nsession leader true\nstdin is /dev/null true\n");
}

TEST_CASE("Detach: the daemon's failure reason is the command's one line, exit 1",
          "[ctl][detach]") {
  TempRuntimeDir dir;
  auto r = run_command(dir, {}, [](simd::Detach& d) {
    d.failed("a daemon named pf0 is already running (pid 42)");
    _exit(1);
  });
  CHECK(r.exit_status == 1);
  CHECK(r.err == "sriov-sim: a daemon named pf0 is already running (pid 42)\n");
}

TEST_CASE("Detach: a multi-line reason is printed as one line", "[ctl][detach]") {
  TempRuntimeDir dir;
  auto r = run_command(dir, {.log_path = "", .program = "tool"}, [](simd::Detach& d) {
    d.failed("first\nsecond");
    _exit(1);
  });
  CHECK(r.exit_status == 1);
  CHECK(r.err == "tool: first second\n");
}

TEST_CASE("Detach: a daemon that dies before reporting fails the command with its status",
          "[ctl][detach]") {
  TempRuntimeDir dir;
  auto exited = run_command(dir, {}, [](simd::Detach&) { _exit(3); });
  CHECK(exited.exit_status == 1);
  CHECK(exited.err == "sriov-sim: daemon exited during start-up (exit status 3)\n");

  auto killed = run_command(dir, {}, [](simd::Detach&) {
    raise(SIGKILL);
    _exit(0);
  });
  CHECK(killed.exit_status == 1);
  CHECK(killed.err == "sriov-sim: daemon exited during start-up (killed by SIGKILL)\n");
}

TEST_CASE("Detach: dropping the Detach without a report fails the command, never hangs it",
          "[ctl][detach]") {
  TempRuntimeDir dir;
  auto r = run_command(dir, {}, [](simd::Detach& d) {
    const pid_t command = getppid();
    { simd::Detach dropped = std::move(d); }
    // Stays alive (only the report can end the command's wait) until the command is gone,
    // bounded so no stray process outlives a broken test for long.
    for (int i = 0; i < 600 && getppid() == command; ++i) usleep(100 * 1000);
    _exit(0);
  });
  CHECK(r.exit_status == 1);
  CHECK(r.err == "sriov-sim: start-up ended without reporting\n");
}

TEST_CASE("Detach: a log that cannot be opened is start()'s error, nothing forked",
          "[ctl][detach]") {
  TempRuntimeDir dir;
  const std::string log = dir.file("missing/daemon.log");
  auto r = run_command(dir, {.log_path = log}, [](simd::Detach&) { _exit(0); });
  CHECK(r.exit_status == 70);
  CHECK(r.err == "cannot open " + log + ": No such file or directory\n");
}

TEST_CASE("Detach: a daemon that never reports is given up on after startup_timeout, left running",
          "[ctl][detach]") {
  TempRuntimeDir dir;
  const std::string pid_file = dir.file("daemon.pid");
  auto r = run_command(
      dir,
      {.log_path = "", .program = "sriov-sim", .startup_timeout = std::chrono::milliseconds(500)},
      [&](simd::Detach& d) {
        std::ofstream(pid_file) << getpid();
        const pid_t command = getppid();
        // Wedged in start-up: neither reports nor exits, until the command has given up (then
        // it must still be alive to see that), bounded so a broken test ends anyway.
        for (int i = 0; i < 600 && getppid() == command; ++i) usleep(100 * 1000);
        d.ready();  // nobody is listening any more
        _exit(0);
      });
  CHECK(r.exit_status == 1);
  CHECK(r.err == fmt::format("sriov-sim: daemon (pid {}) did not finish starting within 0.5 s; "
                             "it keeps running\n",
                             testutil::read_file(pid_file)));
}
