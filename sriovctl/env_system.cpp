// The real Env: what sriovctl reaches on the machine it runs on.

#include <net/if.h>
#include <sys/stat.h>
#include <time.h>

#include <cstdlib>

#include "ctl/daemon_transport.hpp"
#include "ctl/runtime_dir.hpp"
#include "netlink/kernel_socket.hpp"
#include "sriovctl/env.hpp"
#include "sriovctl/interrupt.hpp"

namespace sriovctl {
namespace {

std::string sysfs_root_from_env() {
  const char* v = std::getenv("SRIOVKIT_SYSFS");
  return v != nullptr && *v != '\0' ? std::string(v) : std::string("/sys");
}

void sleep_unless_interrupted(std::chrono::milliseconds d) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(d.count() / 1000);
  ts.tv_nsec = static_cast<long>(d.count() % 1000) * 1'000'000L;
  // A signal ends nanosleep early with EINTR (the handler has no SA_RESTART): return then.
  while (!interrupted() && nanosleep(&ts, &ts) != 0) {
  }
}

}  // namespace

Env system_env(std::ostream& out, std::ostream& err) {
  return Env{
      .out = out,
      .err = err,
      .open_kernel = []() -> std::expected<TransportPtr, rtnl::Error> {
        auto s = rtnl::KernelSocket::open();
        if (!s) return std::unexpected(s.error());
        return std::make_unique<rtnl::KernelSocket>(std::move(*s));
      },
      .connect_daemon = [](const std::string& name) -> std::expected<TransportPtr, rtnl::Error> {
        auto t = ctl::DaemonTransport::connect(name);
        if (!t) return std::unexpected(t.error());
        return std::make_unique<ctl::DaemonTransport>(std::move(*t));
      },
      .kernel_link_exists =
          [](const std::string& name) { return if_nametoindex(name.c_str()) != 0; },
      .daemon_exists =
          [](const std::string& name) {
            struct stat st {};
            return ctl::check_name(name).empty() && lstat(ctl::socket_path(name).c_str(), &st) == 0;
          },
      .list_daemons = [] { return ctl::list_daemons(); },
      .runtime_dir = ctl::runtime_dir(),
      .sysfs_root = sysfs_root_from_env(),
      .interrupted = [] { return interrupted(); },
      .sleep = sleep_unless_interrupted,
  };
}

}  // namespace sriovctl
