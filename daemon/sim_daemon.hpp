#pragma once
// The sriov-sim daemon's logic: a simulated host (one 82599, the real PF driver, a built-in
// guest per VF with its data path) answering rtnetlink link requests and sriovkit's own
// requests (ctl/protocol.hpp) from the ControlServer's clients. docs/daemon.md describes it
// for operators.
//
// Everything runs on the server's thread: poll() moves the host on (PF mailbox service, the
// guests' watchdogs, one device engine pass, the guests' responders and announcements, the
// captures, the DMA-fault watch), on_request() answers. The one exception is DPDK's telemetry
// thread, which reads through the *_json() providers; one mutex (the host lock) serialises
// the three. An idle daemon does one cheap pass per idle_timeout() and sleeps in between.

#include <array>
#include <chrono>
#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "daemon/capture.hpp"
#include "daemon/event_journal.hpp"
#include "daemon/guest_path.hpp"
#include "daemon/link_view.hpp"
#include "daemon/request_handler.hpp"
#include "daemon/vf_detail.hpp"
#include "hal/sim/wire_port.hpp"
#include "harness/sim_host.hpp"
#include "harness/wire/open_wire.hpp"

namespace simd {

/// sriovkit's version, as "info" reports it.
inline constexpr std::string_view kVersion = SRIOVKIT_VERSION;  // from the top CMakeLists.txt

struct SimDaemonOptions {
  /// The daemon's name, which is also its PF's link name (ctl::check_name rules).
  std::string name = "sim0";
  unsigned num_vfs = 8;  ///< 0..63 at start
  /// A wire for harness::open_wire ("net_tap0,iface=sriov0", "memory", ...); empty keeps a
  /// built-in memory wire whose sent frames are counted and dropped every poll().
  std::string wire;
  /// The event log file; empty keeps none (the ring still answers "events"). A relative path
  /// is relative to the daemon's working directory ("/" once detached): sriov-sim makes it
  /// absolute first (daemon/launch_paths.hpp).
  std::string event_log;
  /// Guest v's IPv4 address is 10.<ip_net>.0.<v + 1>.
  uint8_t ip_net = 0;
  /// Gratuitous ARP period per up guest (0: every poll, for tests).
  hal::Nanos announce_every = std::chrono::seconds(1);
  /// Longest sleep after an idle poll().
  std::chrono::milliseconds idle_timeout{10};
  /// Seeds the guests' random MACs.
  uint64_t seed = 1;
  /// Administrator settings applied at start, before the guests probe (sriov-sim --vf-mac ...).
  std::map<unsigned, harness::VfAdmin> admin;
  /// The PF's mailbox flood guard for this host (docs/reliability.md).
  pf::MailboxFloodPolicy mailbox_flood;
};

class SimDaemon final : public RequestHandler {
 public:
  /// Opens the event log, builds the host on the real clock (SimHost inline mode), opens the
  /// wire, brings the PF up (link up) with opts.num_vfs VFs and their guests, and records
  /// daemon_started. Needs a running EAL (the guests' data paths use DPDK mempools).
  /// Errors (one line): the log file, the wire, the PF's refusal.
  static std::expected<std::unique_ptr<SimDaemon>, std::string> create(SimDaemonOptions opts);
  ~SimDaemon() override;
  SimDaemon(const SimDaemon&) = delete;
  SimDaemon& operator=(const SimDaemon&) = delete;

  // RequestHandler (server thread). None throws: an exception from inside is answered EIO
  // (on_request) and recorded as internal-error; the daemon keeps serving.
  void on_request(Connection& c, std::span<const std::byte> datagram) override;
  void on_close(Connection& c) override;
  size_t poll() override;
  /// opts.idle_timeout, or less when the PF's next_service_due() comes sooner (a request the
  /// flood guard holds raises no interrupt): as the last poll() found it.
  std::chrono::milliseconds idle_timeout() const override { return idle_bound_; }

  /// Ends every capture (each client gets its NLMSG_DONE), records daemon_stopped with
  /// `why`, stops the guests' data paths and disables the VFs (numvfs 0). Call once, before
  /// destroying the daemon; later requests still get answers (with no VFs).
  void shutdown(std::string_view why);

  // Providers for DPDK telemetry (any thread: each takes the host lock).
  nlohmann::json info_json();
  /// Every VF in columns: {"vf": [0, 1, ...], "mac": [...], "vlan", "qos", "spoofchk",
  /// "trust", "link_state", "max_tx_rate", "guest_up", "rx_packets", "tx_packets",
  /// "rx_dropped", "tx_dropped"}, element i of each array about VF i. Columns, not one object
  /// per VF, so 63 VFs fit DPDK telemetry's limits (256 dict entries, 16 KiB).
  nlohmann::json vfs_json();
  /// vf_show's body, or null for a VF that does not exist.
  nlohmann::json vf_json(unsigned vf);
  nlohmann::json events_json(uint64_t since, size_t max);
  /// The newest `n` events (oldest of them first), as events_json() shapes them.
  nlohmann::json recent_events_json(size_t n);

  // For tests and the tool, without the lock (the caller is the only thread).
  harness::SimHost& host() { return *host_; }
  /// The guest path of VF `vf`, or nullptr.
  GuestPath* guest_path(unsigned vf);
  const EventJournal& journal() const { return journal_; }
  const SimDaemonOptions& options() const { return opts_; }
  /// Frames the built-in memory wire took from the device and dropped.
  uint64_t wire_frames_dropped() const { return wire_dropped_; }

 private:
  SimDaemon(SimDaemonOptions opts, EventJournal journal);
  std::expected<void, std::string> start();

  // Message dispatch (sim_daemon.cpp).
  size_t poll_locked();
  void serve_datagram(Connection& c, std::span<const std::byte> datagram);
  void handle_message(Connection& c, const nlmsghdr* h);
  /// Answers NLMSG_ERROR `-err` with `reason` (sanitize_text()'d: bounded, escaped) and
  /// records control-refused (rate-limited: EventJournal::record_limited).
  void refuse(Connection& c, const nlmsghdr& h, int err, const std::string& reason,
              std::optional<unsigned> vf = std::nullopt);
  /// An exception reached on_request() or poll(): answers EIO with `what` to `c` (for request
  /// `h`, or a zeroed header) when given, and records internal-error (rate-limited).
  void internal_error(Connection* c, const nlmsghdr* h, std::string_view where,
                      std::string_view what) noexcept;
  static uint64_t monotonic_ns();

  // rtnetlink (daemon_rtnl.cpp).
  void handle_getlink(Connection& c, const nlmsghdr* h);
  void handle_setlink(Connection& c, const nlmsghdr* h);

  // sriovkit's JSON ops (daemon_ops.cpp, daemon_capture_op.cpp).
  void handle_json(Connection& c, const nlmsghdr* h);
  void op_info(Connection& c, const nlmsghdr& h);
  void op_numvfs(Connection& c, const nlmsghdr& h, const nlohmann::json& req);
  void op_vf_show(Connection& c, const nlmsghdr& h, const nlohmann::json& req);
  void op_events(Connection& c, const nlmsghdr& h, const nlohmann::json& req);
  void op_capture(Connection& c, const nlmsghdr& h, const nlohmann::json& req);
  void op_guest_mac(Connection& c, const nlmsghdr& h, const nlohmann::json& req);

  // The host's moving parts (daemon_host.cpp).
  nlohmann::json info_locked() const;
  nlohmann::json vf_locked(unsigned vf);
  /// Tears the guest paths down, changes the VF count, builds paths for the new guests.
  std::expected<void, pf::Refusal> change_num_vfs(unsigned n);
  void build_guest_paths();
  void on_pf_event(const pf::Event& e);
  void watch_guests();
  void watch_dma_faults();
  size_t flush_captures();
  void end_captures(const std::vector<CaptureSummary>& ended);
  void update_tap();
  void drain_memory_wire();

  SimDaemonOptions opts_;
  std::mutex mu_;  ///< the host lock: poll(), on_request(), on_close() and the providers
  /// What idle_timeout() answers; set by every poll() (server thread only).
  std::chrono::milliseconds idle_bound_{10};
  EventJournal journal_;
  std::unique_ptr<harness::SimHost> host_;
  harness::OpenedWire wire_;
  std::shared_ptr<sim::MemoryWire> memory_wire_;  ///< the built-in wire, when no --wire
  uint64_t wire_dropped_ = 0;
  std::vector<std::unique_ptr<GuestPath>> paths_;
  std::vector<bool> guest_up_;
  std::array<LastReset, 64> last_reset_{};
  StatsBaseline stats_base_;  ///< taken whenever VFs are enabled
  CaptureSet captures_;
  bool tap_installed_ = false;
  uint64_t dma_faults_seen_ = 0;
  bool stopped_ = false;
};

}  // namespace simd
