// ControlServer: one instance per name, stale sockets, the socket's mode, clients coming and
// going, slow clients, and the ways run() ends.

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "tests/file_text.hpp"
#include "ctl/client.hpp"
#include "ctl/daemon_transport.hpp"
#include "ctl/runtime_dir.hpp"
#include "ctl_rig.hpp"
#include "netlink/exchange.hpp"
#include "netlink/getlink_request.hpp"

using ctltest::json;
using ctltest::ServingServer;
using ctltest::TempRuntimeDir;

namespace {


ctl::DaemonTransport connect(const std::string& name) {
  auto t = ctl::DaemonTransport::connect(name);
  if (!t) FAIL(t.error().to_string());
  return std::move(*t);
}

// Blocks `sig` in the calling thread for the scope, so a signal sent to the process can only
// land in a signalfd, never in Catch2's handler.
class SignalBlocked {
 public:
  explicit SignalBlocked(int sig) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  ~SignalBlocked() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

 private:
  sigset_t old_{};
};

}  // namespace

TEST_CASE("A second server of the same name is refused and names the running one's pid",
          "[ctl][server]") {
  TempRuntimeDir dir;
  auto first = simd::ControlServer::open({.name = "pf0"});
  REQUIRE(first.has_value());
  auto second = simd::ControlServer::open({.name = "pf0"});
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error() == fmt::format("a daemon named pf0 is already running (pid {})", getpid()));
  // The refused one touched nothing: the first's socket is still there.
  struct stat st {};
  CHECK(lstat(dir.file("pf0.sock").c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
}

TEST_CASE("ControlServer::open refuses a malformed name", "[ctl][server]") {
  TempRuntimeDir dir;
  auto s = simd::ControlServer::open({.name = "a/b"});
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error() == "invalid daemon name: name 'a/b': only letters, digits, '_', '.' and '-'");
}

TEST_CASE("A stale socket left by a dead daemon is replaced and served", "[ctl][server]") {
  TempRuntimeDir dir;
  ctltest::make_stale_socket(dir.file("pf0.sock"));
  REQUIRE_FALSE(ctl::DaemonTransport::connect("pf0").has_value());
  ServingServer s({.name = "pf0"});
  auto t = connect("pf0");
  auto r = ctl::request(t, "echo");
  REQUIRE(r.has_value());
  CHECK((*r)["server"] == "fake");
}

TEST_CASE("A file at the socket path that is not a socket is refused and left alone",
          "[ctl][server]") {
  TempRuntimeDir dir;
  std::ofstream(dir.file("pf0.sock")) << "precious\n";
  auto s = simd::ControlServer::open({.name = "pf0"});
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error() ==
        dir.file("pf0.sock") + " exists and is not a socket; not touching it (remove it yourself)");
  CHECK(testutil::read_file(dir.file("pf0.sock")) == "precious\n");
}

TEST_CASE("The socket has mode 0660, the lock file the pid, and both outlive nothing",
          "[ctl][server]") {
  TempRuntimeDir dir;
  // A runtime directory that does not exist yet is created 0755.
  const std::string runtime = dir.file("run");
  setenv("SRIOVKIT_RUNTIME_DIR", runtime.c_str(), 1);
  // Neither mode may depend on the umask: under 077 a plain mkdir would give 0700 and lock
  // the socket's group out of the directory.
  const mode_t old_umask = umask(077);
  auto s = simd::ControlServer::open({.name = "pf0"});
  umask(old_umask);
  REQUIRE(s.has_value());
  CHECK((*s)->socket_path() == runtime + "/pf0.sock");
  struct stat st {};
  REQUIRE(stat(runtime.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  REQUIRE(lstat((*s)->socket_path().c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 07777) == 0660);
  CHECK(testutil::read_file(runtime + "/pf0.lock") == fmt::format("{}\n", getpid()));
  s->reset();
  CHECK(lstat((runtime + "/pf0.sock").c_str(), &st) != 0);
  CHECK(errno == ENOENT);
  // The lock file stays (removing it races with a starter), emptied.
  CHECK(testutil::read_file(runtime + "/pf0.lock").empty());
}

TEST_CASE("A server leaves a socket at its path alone once it is not its own", "[ctl][server]") {
  TempRuntimeDir dir;
  auto s = simd::ControlServer::open({.name = "pf0"});
  REQUIRE(s.has_value());
  REQUIRE(unlink(dir.file("pf0.sock").c_str()) == 0);
  ctltest::make_stale_socket(dir.file("pf0.sock"));
  struct stat before {};
  REQUIRE(lstat(dir.file("pf0.sock").c_str(), &before) == 0);
  s->reset();
  struct stat after {};
  REQUIRE(lstat(dir.file("pf0.sock").c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);
}

TEST_CASE("A request and its JSON reply round-trip through the daemon socket",
          "[ctl][server][client]") {
  TempRuntimeDir dir;
  ServingServer s({.name = "pf0"});
  auto t = connect("pf0");
  auto r = ctl::request(t, "echo", {{"vf", 3}, {"text", "caf\xc3\xa9"}});
  REQUIRE(r.has_value());
  CHECK((*r)["echo"] == json{{"op", "echo"}, {"vf", 3}, {"text", "caf\xc3\xa9"}});
  // A second request on the same connection gets its own sequence number and answer.
  auto again = ctl::request(t, "echo", {{"vf", 4}});
  REQUIRE(again.has_value());
  CHECK((*again)["echo"]["vf"] == 4);
}

TEST_CASE("An ACK answers a request with an empty object", "[ctl][server][client]") {
  TempRuntimeDir dir;
  ServingServer s({.name = "pf0"});
  auto t = connect("pf0");
  auto r = ctl::request(t, "ack", {{"numvfs", 2}});
  REQUIRE(r.has_value());
  CHECK(*r == json::object());
}

TEST_CASE("A refusal comes back as kRefused with the daemon's errno and text",
          "[ctl][server][client]") {
  TempRuntimeDir dir;
  ServingServer s({.name = "pf0"});
  auto t = connect("pf0");
  auto r = ctl::request(t, "fail");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == rtnl::ErrorCode::kRefused);
  CHECK(r.error().errnum == EBUSY);
  CHECK(r.error().peer_message == "text");
  CHECK(r.error().detail == "request 'fail' refused by the daemon pf0");
}

TEST_CASE("request refuses arguments that are not a JSON object", "[ctl][client]") {
  TempRuntimeDir dir;
  ServingServer s({.name = "pf0"});
  auto t = connect("pf0");
  auto r = ctl::request(t, "echo", json::array({1, 2}));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == rtnl::ErrorCode::kInvalidArgument);
}

TEST_CASE("rtnl::exchange runs over the daemon socket as over the kernel's",
          "[ctl][server][client]") {
  TempRuntimeDir dir;
  ServingServer s({.name = "pf0"});
  auto t = connect("pf0");
  auto req = rtnl::build_getlink(std::string("eth9"));
  REQUIRE(req.has_value());
  auto r = rtnl::exchange(t, *req);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == rtnl::ErrorCode::kRefused);
  CHECK(r.error().errnum == ENODEV);
  CHECK(r.error().peer_message == "no such link here");
  CHECK_THAT(r.error().detail, Catch::Contains("refused by the daemon pf0"));
}

TEST_CASE("A capture hands over its start, every frame, and the daemon's dropped count",
          "[ctl][server][client]") {
  TempRuntimeDir dir;
  ServingServer s({.name = "pf0"});
  auto t = connect("pf0");
  json start;
  std::vector<ctl::CapturedFrame> frames;
  std::vector<std::vector<std::byte>> bytes;
  auto end = ctl::capture(
      t, {{"target", "wire"}, {"count", 3}}, [&](const json& j) { start = j; },
      [&](const ctl::CapturedFrame& f) {
        frames.push_back(f);
        bytes.emplace_back(f.bytes.begin(), f.bytes.end());
        return true;
      });
  REQUIRE(end.has_value());
  CHECK(end->frames == 3);
  CHECK(end->dropped == 2);
  CHECK(start["interface"] == "test");
  REQUIRE(frames.size() == 3);
  CHECK(frames[0].time_ns == 1000);
  CHECK(frames[0].orig_len == 64);
  CHECK(frames[0].direction == ctl::FrameDirection::kInbound);
  CHECK(bytes[0] == std::vector<std::byte>(60, std::byte{0xaa}));
  CHECK(frames[1].direction == ctl::FrameDirection::kOutbound);
  CHECK(bytes[1] == std::vector<std::byte>(61, std::byte{0xbb}));
  CHECK(frames[2].time_ns == 3000);
  CHECK(bytes[2] == std::vector<std::byte>(62, std::byte{0xcc}));
}

TEST_CASE("A capture ends early when the frame callback says so", "[ctl][server][client]") {
  TempRuntimeDir dir;
  ServingServer s({.name = "pf0"});
  auto t = connect("pf0");
  auto end = ctl::capture(
      t, {{"target", "wire"}}, [](const json&) {}, [](const ctl::CapturedFrame&) { return false; });
  REQUIRE(end.has_value());
  CHECK(end->frames == 1);
  CHECK(end->dropped == 0);
}

TEST_CASE("on_close is called with the connection that made the requests when it goes",
          "[ctl][server]") {
  TempRuntimeDir dir;
  ServingServer s({.name = "pf0"});
  {
    auto t = connect("pf0");
    REQUIRE(ctl::request(t, "echo").has_value());
  }
  REQUIRE(s.handler.wait_closed(1));
  REQUIRE(s.handler.requesters().size() == 1);
  CHECK(s.handler.closed() == s.handler.requesters());
}

TEST_CASE("A request sent just before hanging up is still carried out", "[ctl][server]") {
  TempRuntimeDir dir;
  ServingServer s({.name = "pf0"});
  {
    auto t = connect("pf0");
    REQUIRE(t.send(ctltest::raw_request(R"({"op":"ack"})")).has_value());
  }
  REQUIRE(s.handler.wait_closed(1));
  CHECK(s.handler.requesters().size() == 1);
}

TEST_CASE(
    "A client that does not read fills its bounded queue: send() refuses, the loop "
    "goes on",
    "[ctl][server]") {
  TempRuntimeDir dir;
  ServingServer s({.name = "pf0", .max_queued = 4});
  auto slow = connect("pf0");
  REQUIRE(slow.send(ctltest::raw_request(R"({"op":"flood"})")).has_value());
  const auto flood = s.handler.wait_flood();
  REQUIRE(flood.has_value());
  CHECK(flood->refused);
  CHECK(flood->accepted >= 4);  // at least the queue's worth, whatever the socket buffer took
  // The loop is not stuck on the slow client: another one is served.
  auto quick = connect("pf0");
  CHECK(ctl::request(quick, "echo").has_value());
  CHECK(s.handler.closed().empty());
}

TEST_CASE("A client that does not read is bounded by bytes too, whatever the count allows",
          "[ctl][server]") {
  TempRuntimeDir dir;
  constexpr size_t kBudget = 256 * 1024;
  ServingServer s({.name = "pf0", .max_queued = 4096, .max_queued_bytes = kBudget});
  auto slow = connect("pf0");
  REQUIRE(slow.send(ctltest::raw_request(R"({"op":"flood"})")).has_value());
  const auto flood = s.handler.wait_flood();
  REQUIRE(flood.has_value());
  CHECK(flood->refused);
  // 64 KiB datagrams: the budget holds 4, the socket buffer a few more. By count alone the
  // queue would have taken 4096 of them (256 MiB).
  CHECK(flood->accepted >= kBudget / (64 * 1024));
  CHECK(flood->accepted < 64);
}

TEST_CASE("A client over max_clients is closed at once, the others are served", "[ctl][server]") {
  TempRuntimeDir dir;
  ServingServer s({.name = "pf0", .max_clients = 1});
  auto first = connect("pf0");
  REQUIRE(ctl::request(first, "echo").has_value());
  auto second = connect("pf0");  // the backlog takes it; the server then closes it
  auto r = ctl::request(second, "echo");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == rtnl::ErrorCode::kClosed);
  CHECK(ctl::request(first, "echo").has_value());
}

TEST_CASE("stop() from another thread ends run() with 0", "[ctl][server]") {
  TempRuntimeDir dir;
  ServingServer s({.name = "pf0"});
  auto t = connect("pf0");
  REQUIRE(ctl::request(t, "echo").has_value());
  CHECK(s.stop() == 0);
  // run() closed its clients on the way out.
  CHECK(s.handler.closed().size() == 1);
}

TEST_CASE("SIGTERM to the process ends run() with SIGTERM", "[ctl][server]") {
  TempRuntimeDir dir;
  SignalBlocked blocked(SIGTERM);  // in every thread: the server's starts after this
  ServingServer s({.name = "pf0"});
  auto t = connect("pf0");
  REQUIRE(ctl::request(t, "echo").has_value());
  REQUIRE(kill(getpid(), SIGTERM) == 0);
  CHECK(s.join() == SIGTERM);
}

TEST_CASE("A SIGINT pending before run() ends it with SIGINT", "[ctl][server]") {
  TempRuntimeDir dir;
  SignalBlocked blocked(SIGINT);
  auto s = simd::ControlServer::open({.name = "pf0"});
  REQUIRE(s.has_value());
  REQUIRE(kill(getpid(), SIGINT) == 0);
  ctltest::FakeHandler h;
  CHECK((*s)->run(h) == SIGINT);
}

TEST_CASE("Servers of different names serve side by side", "[ctl][server]") {
  TempRuntimeDir dir;
  ServingServer a({.name = "a"}, "server a");
  ServingServer b({.name = "b"}, "server b");
  auto ta = connect("a");
  auto tb = connect("b");
  auto ra = ctl::request(ta, "echo");
  auto rb = ctl::request(tb, "echo");
  REQUIRE(ra.has_value());
  REQUIRE(rb.has_value());
  CHECK((*ra)["server"] == "server a");
  CHECK((*rb)["server"] == "server b");
  CHECK(ctl::list_daemons() == std::vector<std::string>{"a", "b"});
}

namespace {

// Lowers RLIMIT_NOFILE's soft limit for the scope; the old one comes back.
class FdLimit {
 public:
  explicit FdLimit(rlim_t soft) {
    REQUIRE(getrlimit(RLIMIT_NOFILE, &old_) == 0);
    rlimit lowered = old_;
    lowered.rlim_cur = soft;
    REQUIRE(setrlimit(RLIMIT_NOFILE, &lowered) == 0);
  }
  ~FdLimit() { restore(); }
  FdLimit(const FdLimit&) = delete;
  FdLimit& operator=(const FdLimit&) = delete;
  void restore() {
    if (!restored_) setrlimit(RLIMIT_NOFILE, &old_);
    restored_ = true;
  }

 private:
  rlimit old_{};
  bool restored_ = false;
};

}  // namespace

TEST_CASE("Out of fds with no client to leave, the listener is taken up again after a while",
          "[ctl][server]") {
#if defined(__SANITIZE_ADDRESS__)
  // The sanitizer runtimes need fds of their own while the table is exhausted (UBSan's vptr
  // check probes memory through a pipe, and reports a false "invalid vptr" when it cannot make
  // one). The normal build runs this test.
  WARN("skipped under sanitizers: their runtime needs free fds to check this test's code");
  return;
#endif
  TempRuntimeDir dir;
  ServingServer s({.name = "pf0", .accept_retry = std::chrono::milliseconds(200)});
  REQUIRE(s.server->accepting());
  // Every fd below the lowest free one is taken; a limit one above it leaves exactly one.
  const int lowest_free = open("/dev/null", O_RDONLY | O_CLOEXEC);
  REQUIRE(lowest_free >= 0);
  close(lowest_free);
  FdLimit limit(static_cast<rlim_t>(lowest_free) + 1);
  // The client's socket takes the last fd; the server's accept4 then fails with EMFILE.
  auto t = ctl::DaemonTransport::connect("pf0", {.timeout = std::chrono::seconds(30)});
  REQUIRE(t.has_value());
  const auto deadline = std::chrono::steady_clock::now() + ctltest::kPatience;
  while (s.server->accepting() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE_FALSE(s.server->accepting());
  // fds are free again, but no client of the server left: only the retry takes the listener
  // up (before, it waited for a close that never came, and this request timed out).
  limit.restore();
  auto r = ctl::request(*t, "echo");
  REQUIRE(r.has_value());
  CHECK((*r)["server"] == "fake");
  CHECK(s.server->accepting());
}

TEST_CASE("A stop signal pending when the server goes kills the process only after cleanup",
          "[ctl][server]") {
  TempRuntimeDir dir;
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child: only _exit, never back into Catch2 (whose own SIGTERM handler goes too).
    signal(SIGTERM, SIG_DFL);
    auto s = simd::ControlServer::open({.name = "pf0"});
    if (!s) _exit(70);
    kill(getpid(), SIGTERM);
    ctltest::FakeHandler h;
    if ((*s)->run(h) != SIGTERM) _exit(71);
    // A second SIGTERM, pending (blocked) while the server is torn down: it must not strike
    // before the socket is unlinked and the lock released.
    kill(getpid(), SIGTERM);
    s->reset();
    _exit(72);  // not reached: the mask restored last lets the pending SIGTERM in
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
  struct stat st {};
  CHECK(lstat(dir.file("pf0.sock").c_str(), &st) != 0);  // no stale socket left
  CHECK(testutil::read_file(dir.file("pf0.lock")).empty());        // the lock file emptied
}
