#pragma once
// An Env (sriovctl/env.hpp) over fake PFs: the kernel is one FakePf (or none), each daemon
// another; output is captured; nothing on the machine is touched.

#include <catch2/catch.hpp>

#include <cerrno>
#include <map>
#include <sstream>

#include "fake_pf.hpp"
#include "sriovctl/args.hpp"
#include "sriovctl/env.hpp"
#include "sriovctl/run.hpp"

namespace sctest {

/// Lends a transport the test keeps (to look at what it was sent afterwards).
class Borrowed final : public rtnl::Transport {
 public:
  explicit Borrowed(rtnl::Transport& t) : t_(t) {}
  std::expected<void, rtnl::Error> send(std::span<const std::byte> r) override {
    return t_.send(r);
  }
  std::expected<size_t, rtnl::Error> receive(std::vector<std::byte>& b) override {
    return t_.receive(b);
  }
  std::string_view peer_name() const override { return t_.peer_name(); }

 private:
  rtnl::Transport& t_;
};

struct TestEnv {
  std::ostringstream out;
  std::ostringstream err;
  FakePf* kernel = nullptr;                ///< its link is the only kernel link
  std::map<std::string, FakePf*> daemons;  ///< running daemons by name
  std::vector<std::string> stale;          ///< sockets whose daemon is gone
  std::string sysfs_root = "/nonexistent-sysfs";
  int polls_before_interrupt = -1;  ///< sleep() calls until interrupted(); -1 never
  int sleeps = 0;

  sriovctl::Env env() {
    return sriovctl::Env{
        .out = out,
        .err = err,
        .open_kernel = [this]() -> std::expected<sriovctl::TransportPtr, rtnl::Error> {
          if (kernel == nullptr)
            return std::unexpected(rtnl::Error(rtnl::ErrorCode::kSystem, EACCES, "socket"));
          return std::make_unique<Borrowed>(*kernel);
        },
        .connect_daemon =
            [this](const std::string& name) -> std::expected<sriovctl::TransportPtr, rtnl::Error> {
          if (auto it = daemons.find(name); it != daemons.end()) {
            return std::make_unique<Borrowed>(*it->second);
          }
          if (std::find(stale.begin(), stale.end(), name) != stale.end()) {
            return std::unexpected(
                rtnl::Error(rtnl::ErrorCode::kSystem, ECONNREFUSED,
                            "daemon " + name + " is not running (stale socket)"));
          }
          return std::unexpected(
              rtnl::Error(rtnl::ErrorCode::kSystem, ENOENT, "no sriov-sim daemon named " + name));
        },
        .kernel_link_exists =
            [this](const std::string& name) {
              return kernel != nullptr && kernel->link.name == name;
            },
        .daemon_exists =
            [this](const std::string& name) {
              return daemons.contains(name) ||
                     std::find(stale.begin(), stale.end(), name) != stale.end();
            },
        .list_daemons =
            [this] {
              std::vector<std::string> names;
              for (const auto& [n, _] : daemons) names.push_back(n);
              names.insert(names.end(), stale.begin(), stale.end());
              std::sort(names.begin(), names.end());
              return names;
            },
        .sysfs_root = sysfs_root,
        .interrupted =
            [this] { return polls_before_interrupt >= 0 && sleeps >= polls_before_interrupt; },
        .sleep = [this](std::chrono::milliseconds) { ++sleeps; },
    };
  }
};

/// Lines of `text`, without their '\n'.
/// Parses `args` as sriovctl's command line (it must parse) and runs it in `te`; the exit code.
inline int run_line(TestEnv& te, std::vector<std::string> args) {
  auto cmd = sriovctl::parse_args(args);
  REQUIRE(cmd.has_value());
  sriovctl::Env env = te.env();
  return sriovctl::run(*cmd, env);
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace sctest
