// DaemonTransport's failures, each in words a person can act on, and never a hang.

#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "ctl/client.hpp"
#include "ctl/daemon_transport.hpp"
#include "ctl/runtime_dir.hpp"
#include "ctl_rig.hpp"

using ctltest::TempRuntimeDir;
using rtnl::ErrorCode;

TEST_CASE("Connecting to a daemon that does not exist names it and how to start one",
          "[ctl][transport]") {
  TempRuntimeDir dir;
  auto t = ctl::DaemonTransport::connect("ghost");
  REQUIRE_FALSE(t.has_value());
  CHECK(t.error().code == ErrorCode::kSystem);
  CHECK(t.error().errnum == ENOENT);
  CHECK(t.error().detail == "no sriov-sim daemon named ghost (no socket at " +
                                dir.file("ghost.sock") +
                                "); start one with: sriov-sim --name ghost");
}

TEST_CASE("A socket file nobody listens on is reported as a stale socket", "[ctl][transport]") {
  TempRuntimeDir dir;
  ctltest::make_stale_socket(dir.file("stale.sock"));
  auto t = ctl::DaemonTransport::connect("stale");
  REQUIRE_FALSE(t.has_value());
  CHECK(t.error().code == ErrorCode::kSystem);
  CHECK(t.error().errnum == ECONNREFUSED);
  CHECK(t.error().detail ==
        "daemon stale is not running (stale socket " + dir.file("stale.sock") + ")");
}

TEST_CASE("connect refuses a malformed daemon name before touching the file system",
          "[ctl][transport]") {
  TempRuntimeDir dir;
  auto t = ctl::DaemonTransport::connect("../etc");
  REQUIRE_FALSE(t.has_value());
  CHECK(t.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(t.error().detail, Catch::Contains("only letters"));
}

TEST_CASE("A daemon that never answers is a timeout, not a hang", "[ctl][transport]") {
  TempRuntimeDir dir;
  // Listening but never accepting: connect() and send() succeed, no answer ever comes.
  ctl::UniqueFd listener(socket(AF_UNIX, SOCK_SEQPACKET, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = dir.file("mute.sock");
  std::memcpy(addr.sun_path, path.data(), path.size());
  REQUIRE(bind(listener.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(listen(listener.get(), 4) == 0);

  auto t = ctl::DaemonTransport::connect("mute", {.timeout = std::chrono::milliseconds(200)});
  REQUIRE(t.has_value());
  CHECK(t->peer_name() == "daemon mute");
  auto r = ctl::request(*t, "info");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kTimeout);
  CHECK_THAT(r.error().detail, Catch::Contains("no answer from daemon mute"));
}

TEST_CASE("Without permission on the 0660 socket the error says what to do", "[ctl][transport]") {
  if (geteuid() != 0) {
    WARN("needs root to drop to another user");
    return;
  }
  TempRuntimeDir dir;
  REQUIRE(chmod(dir.path().c_str(), 0755) == 0);  // only the socket's own mode stops "nobody"
  auto server = simd::ControlServer::open({.name = "perm"});
  REQUIRE(server.has_value());
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    // The child must leave through _exit only: it shares Catch2's state with the parent.
    if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) _exit(10);
    auto t = ctl::DaemonTransport::connect("perm");
    if (t) _exit(11);
    if (t.error().errnum != EACCES) _exit(12);
    if (t.error().detail != "no permission to use " + ctl::socket_path("perm") +
                                " (mode 0660: run as root or as a member of its group)") {
      _exit(13);
    }
    _exit(0);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}
