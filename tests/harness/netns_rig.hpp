#pragma once
// Helpers for tests that put the Linux end of a wire into a network namespace of their own, so
// the host's root namespace (its addresses, routes and neighbours) is never touched: a named
// namespace that is deleted at the end of the test even when the test fails, and a child process
// whose output the test reads without blocking while it keeps polling the device and its guests.

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

extern char** environ;

namespace netnstest {

/// What a shell command printed (standard output and error together) and how it ended.
struct ShellResult {
  int status = -1;  ///< pclose's wait status: 0 when the command exited 0
  std::string output;
  bool ok() const { return status == 0; }
};

/// Runs `cmd` through /bin/sh and collects everything it prints.
inline ShellResult shell(const std::string& cmd) {
  ShellResult r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) {
    r.output = fmt::format("popen: {}", std::strerror(errno));
    return r;
  }
  char buf[4096];
  while (const size_t n = std::fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
  r.status = ::pclose(p);
  return r;
}

/// A named network namespace (`ip netns add`), deleted with `ip netns del` when destroyed.
/// Interfaces moved in with adopt() are first moved back to the test's own namespace, so the
/// process that owns one (a DPDK net_tap port, which addresses its interface by name in the
/// namespace it was created in) finds it again when it closes it. A tap interface left inside
/// would be deleted with the namespace anyway: the kernel removes virtual devices then.
class NetNs {
 public:
  /// Creates namespace `name` (letters, digits and '-' only: it goes through the shell). nullptr
  /// when that fails (`ip netns` unavailable, no permission, the name taken), with `ip`'s words
  /// in `why`.
  static std::unique_ptr<NetNs> add(const std::string& name, std::string& why) {
    const ShellResult r = shell(fmt::format("ip netns add {}", name));
    if (!r.ok()) {
      why = fmt::format("'ip netns add {}' failed: {}", name, r.output);
      return nullptr;
    }
    return std::unique_ptr<NetNs>(new NetNs(name));
  }

  ~NetNs() {
    const pid_t self = ::getpid();
    for (const std::string& ifname : adopted_) {
      // Failure is not an error: the interface may already be gone with its owner.
      shell(fmt::format("ip -n {} link set {} netns {}", name_, ifname, self));
    }
    if (const ShellResult r = shell(fmt::format("ip netns del {}", name_)); !r.ok()) {
      // No exception from a destructor: say it where the test log shows it.
      std::fprintf(stderr, "netns: 'ip netns del %s' failed: %s\n", name_.c_str(), r.output.c_str());
    }
  }
  NetNs(const NetNs&) = delete;
  NetNs& operator=(const NetNs&) = delete;

  const std::string& name() const { return name_; }

  /// `ip -n NAME args`: a command on the namespace.
  ShellResult ip(const std::string& args) const { return shell(fmt::format("ip -n {} {}", name_, args)); }

  /// Moves interface `ifname` from the test's namespace into this one, gives it address `cidr`
  /// ("10.231.0.1/24") and brings it up (a move leaves an interface down). REQUIREs each step.
  void adopt(const std::string& ifname, const std::string& cidr) {
    const ShellResult moved = shell(fmt::format("ip link set {} netns {}", ifname, name_));
    INFO(moved.output);
    REQUIRE(moved.ok());
    adopted_.push_back(ifname);
    const ShellResult addr = ip(fmt::format("addr add {} dev {}", cidr, ifname));
    INFO(addr.output);
    REQUIRE(addr.ok());
    const ShellResult up = ip(fmt::format("link set {} up", ifname));
    INFO(up.output);
    REQUIRE(up.ok());
  }

 private:
  explicit NetNs(std::string name) : name_(std::move(name)) {}

  std::string name_;
  std::vector<std::string> adopted_;
};

/// A child process started with posix_spawnp (PATH searched), its standard output and error
/// into one pipe that poll() reads without blocking. It inherits no descriptor of ours beyond
/// 0..2 (the EAL's and the tap's stay here). Destroyed while still running, it is killed
/// (SIGKILL, by its pid) and reaped, so a failing test leaves no process behind.
class Child {
 public:
  /// Starts argv[0] with arguments argv[1..]. REQUIREs that it started.
  explicit Child(const std::vector<std::string>& argv) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    // dup2 clears close-on-exec on the copies: the child writes into the pipe, nothing else.
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    const int rc = ::posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      pid_ = -1;
    }
    INFO(fmt::format("spawning {}: {}", argv.front(), std::strerror(rc)));
    REQUIRE(rc == 0);
    fd_ = fds[0];
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }

  ~Child() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) ::close(fd_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  /// Collects what the child printed so far; true once it has exited (then everything it
  /// printed is in output()).
  bool poll() {
    if (exited_) return true;
    read_available();
    if (::waitpid(pid_, &status_, WNOHANG) != pid_) return false;
    exited_ = true;
    read_available();  // the rest, written before it exited
    return true;
  }

  /// The exit code once poll() returned true; -1 when it died of a signal.
  int exit_code() const { return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1; }
  const std::string& output() const { return out_; }

 private:
  void read_available() {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n > 0) {
        out_.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return;  // EAGAIN: nothing more now; 0: the child closed its end
    }
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  bool exited_ = false;
  int status_ = 0;
  std::string out_;
};

}  // namespace netnstest
