#include "tools/sim_daemon_main.hpp"

#include <pthread.h>
#include <signal.h>

#include <cstring>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "ctl/runtime_dir.hpp"
#include "daemon/control_server.hpp"
#include "daemon/detach.hpp"
#include "daemon/sim_daemon.hpp"
#include "daemon/telemetry.hpp"
#include "datapath/eal.hpp"

namespace tools {
namespace {

/// Where start-up failures go: the waiting parent when detached, else stderr.
class StartReport {
 public:
  explicit StartReport(std::optional<simd::Detach> d) : detach_(std::move(d)) {}
  int fail(const std::string& msg) {
    if (detach_) {
      detach_->failed(msg);
    } else {
      fmt::print(stderr, "sriov-sim: {}\n", msg);
    }
    return 1;
  }
  void ready(const std::string& msg) {
    fmt::print(stderr, "sriov-sim: {}\n", msg);
    if (detach_) detach_->ready();
  }

 private:
  std::optional<simd::Detach> detach_;
};

int block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

/// DPDK heap for the guests' pools and rings: under 1 MiB per VF at the daemon's ring size,
/// plus DPDK's own.
constexpr unsigned kEalMemoryMb = 128;

}  // namespace

int run_daemon(const DaemonArgs& args) {
  std::optional<simd::Detach> detach;
  if (!args.foreground) {
    auto d = simd::Detach::start(simd::DetachOptions{});
    if (!d) {
      fmt::print(stderr, "sriov-sim: {}\n", d.error());
      return 1;
    }
    detach.emplace(std::move(*d));
  }
  StartReport report(std::move(detach));

  // Blocked for the rest of the process's life, before the server saves the mask: the mask
  // it restores when destroyed then keeps them blocked. Otherwise a second SIGTERM pending
  // since run() returned would kill the process at that point, before the EAL below is torn
  // down. Stop signals are only ever taken through the server's signalfd.
  if (const int err = block_stop_signals(); err != 0) {
    return report.fail(fmt::format("pthread_sigmask: {}", std::strerror(err)));
  }
  auto server = simd::ControlServer::open(simd::ServerOptions{.name = args.name});
  if (!server) return report.fail(server.error());

  dp::EalOptions eo;
  eo.program = "sriov-sim";
  eo.memory_mb = kEalMemoryMb;
  eo.file_prefix = "sriovkit-" + args.name;
  eo.telemetry = true;
  auto eal = dp::Eal::init(eo);
  if (!eal) return report.fail(fmt::format("EAL: {}", eal.error()));

  simd::SimDaemonOptions so;
  so.name = args.name;
  so.num_vfs = args.vfs;
  so.wire = args.wire;
  so.event_log = args.event_log.empty() ? ctl::event_log_path(args.name) : args.event_log;
  so.seed = args.seed;
  so.admin = args.admin;
  so.mailbox_flood = args.mailbox_flood;
  auto daemon = simd::SimDaemon::create(std::move(so));
  if (!daemon) return report.fail(daemon.error());
  simd::SimDaemon& d = **daemon;

  simd::TelemetryProviders tp;
  tp.pf = [&d] { return d.info_json(); };
  tp.vfs = [&d] { return d.vfs_json(); };
  tp.vf = [&d](unsigned vf) -> std::optional<nlohmann::json> {
    nlohmann::json j = d.vf_json(vf);
    if (j.is_null()) return std::nullopt;
    return j;
  };
  // 32 events flatten to 224 dict entries: under DPDK 22.11's 256 and its 16 KiB reply.
  tp.events = [&d] { return d.recent_events_json(32); };
  if (auto r = simd::register_telemetry(std::move(tp)); !r) {
    fmt::print(stderr, "sriov-sim: telemetry off: {}\n", r.error());
  }

  report.ready(fmt::format("{} ready: {} VFs, socket {}", args.name, d.host().pf().num_vfs(),
                           (*server)->socket_path()));
  const int sig = (*server)->run(d);

  // Telemetry first (its threads read the daemon), then the host, the socket, the EAL. The
  // stop signals stay blocked throughout (see above), so each step runs to its end.
  simd::unregister_telemetry();
  const char* sig_name = sig > 0 ? sigabbrev_np(sig) : nullptr;
  d.shutdown(sig_name ? fmt::format("stopping on SIG{}", sig_name) : std::string("stopping"));
  daemon->reset();
  server->reset();
  return sig < 0 ? 1 : 0;
}

}  // namespace tools
