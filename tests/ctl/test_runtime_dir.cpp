// Where daemons live: the runtime directory, name rules, and the daemons listed from it.

#include <fstream>

#include "ctl/runtime_dir.hpp"
#include "ctl_rig.hpp"

using ctltest::TempRuntimeDir;

TEST_CASE("runtime_dir is $SRIOVKIT_RUNTIME_DIR, or /run/sriovkit when unset or empty",
          "[ctl][runtime_dir]") {
  {
    TempRuntimeDir dir;
    CHECK(ctl::runtime_dir() == dir.path());
    setenv("SRIOVKIT_RUNTIME_DIR", "", 1);
    CHECK(ctl::runtime_dir() == "/run/sriovkit");
    unsetenv("SRIOVKIT_RUNTIME_DIR");
    CHECK(ctl::runtime_dir() == "/run/sriovkit");
  }
}

TEST_CASE("socket, lock and event log paths are NAME.sock/.lock/.events.log in the runtime dir",
          "[ctl][runtime_dir]") {
  TempRuntimeDir dir;
  CHECK(ctl::socket_path("pf0") == dir.file("pf0.sock"));
  CHECK(ctl::lock_path("pf0") == dir.file("pf0.lock"));
  CHECK(ctl::event_log_path("pf0") == dir.file("pf0.events.log"));
}

TEST_CASE("check_name accepts letters, digits, '_', '.' and '-' up to 15 characters",
          "[ctl][runtime_dir]") {
  for (const char* ok : {"pf0", "a", "sim.A-b_9", "abcdefghijklmno"}) {
    INFO(ok);
    CHECK(ctl::check_name(ok).empty());
  }
}

TEST_CASE("check_name explains each refusal", "[ctl][runtime_dir]") {
  CHECK(ctl::check_name("") == "the name is empty");
  CHECK_THAT(ctl::check_name("abcdefghijklmnop"),
             Catch::Contains("16 characters") && Catch::Contains("at most 15"));
  CHECK(ctl::check_name("a/b") == "name 'a/b': only letters, digits, '_', '.' and '-'");
  CHECK_THAT(ctl::check_name("a b"), Catch::Contains("only letters"));
  CHECK_THAT(ctl::check_name("caf\xc3\xa9"), Catch::Contains("only letters"));
  CHECK(ctl::check_name(".") == "name '.': not a name");
  CHECK(ctl::check_name("..") == "name '..': not a name");
}

TEST_CASE("list_daemons names the socket files in the runtime dir, sorted, stale ones too",
          "[ctl][runtime_dir]") {
  TempRuntimeDir dir;
  ctltest::make_stale_socket(dir.file("zeta.sock"));
  ctltest::make_stale_socket(dir.file("alpha.sock"));
  std::ofstream(dir.file("file.sock")) << "not a socket\n";
  std::ofstream(dir.file("alpha.lock")) << "1\n";
  ctltest::make_stale_socket(dir.file("bad name.sock"));
  CHECK(ctl::list_daemons() == std::vector<std::string>{"alpha", "zeta"});
}

TEST_CASE("list_daemons of a runtime dir that does not exist is empty", "[ctl][runtime_dir]") {
  TempRuntimeDir dir;
  setenv("SRIOVKIT_RUNTIME_DIR", dir.file("missing").c_str(), 1);
  CHECK(ctl::list_daemons().empty());
}
