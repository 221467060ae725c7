// SimDaemon's life and its message dispatch. rtnetlink: daemon_rtnl.cpp; JSON ops:
// daemon_ops.cpp, daemon_capture_op.cpp; the host's moving parts: daemon_host.cpp.
#include "daemon/sim_daemon.hpp"

#include <fmt/format.h>
#include <linux/rtnetlink.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <cstring>
#include <exception>

#include "ctl/protocol.hpp"
#include "daemon/link_view.hpp"
#include "daemon/nl_reply.hpp"
#include "daemon/safe_text.hpp"
#include "hal/ixgbe/ids.hpp"

namespace simd {

std::expected<std::unique_ptr<SimDaemon>, std::string> SimDaemon::create(SimDaemonOptions opts) {
  if (opts.num_vfs > hal::ixgbe::kMaxVfsDriver) {
    return std::unexpected(
        fmt::format("{} VFs: at most {}", opts.num_vfs, hal::ixgbe::kMaxVfsDriver));
  }
  auto journal = EventJournal::open(opts.event_log);
  if (!journal) return std::unexpected(journal.error());
  std::unique_ptr<SimDaemon> d(new SimDaemon(std::move(opts), std::move(*journal)));
  if (auto r = d->start(); !r) return std::unexpected(r.error());
  return d;
}

SimDaemon::SimDaemon(SimDaemonOptions opts, EventJournal journal)
    : opts_(std::move(opts)), journal_(std::move(journal)) {}

SimDaemon::~SimDaemon() {
  if (!host_) return;
  // The tap and the listener point into this object, whose members go before the host.
  host_->device().set_frame_tap(nullptr);
  host_->pf().set_event_listener(nullptr);
  paths_.clear();
}

std::expected<void, std::string> SimDaemon::start() {
  harness::HostOptions ho;
  ho.name = opts_.name;
  ho.num_vfs = opts_.num_vfs;
  // Real time on one thread: a guest waiting for its PF runs the PF's service itself.
  ho.mode = harness::Mode::kInline;
  ho.seed = opts_.seed;
  ho.admin = opts_.admin;
  ho.mailbox_flood = opts_.mailbox_flood;
  host_ = harness::SimHost::create(std::move(ho));
  if (opts_.wire.empty() || opts_.wire == "memory") {
    memory_wire_ = std::make_shared<sim::MemoryWire>();
    host_->device().set_wire(memory_wire_);
  } else {
    auto w = harness::open_wire(opts_.wire);
    if (!w) return std::unexpected(fmt::format("wire '{}': {}", opts_.wire, w.error()));
    wire_ = std::move(*w);
    host_->device().set_wire(wire_.port);
  }
  host_->pf().set_event_listener([this](const pf::Event& e) { on_pf_event(e); });
  auto report = host_->bring_up();
  if (!report) return std::unexpected(report.error());
  for (const std::string& f : report->failures) {
    journal_.record(DaemonEvent::kGuestDown, std::nullopt, "bring-up: " + f);
  }
  stats_base_.take(host_->device());
  build_guest_paths();
  journal_.record(DaemonEvent::kStarted, std::nullopt,
                  fmt::format("daemon {} (pid {}, version {}): {} VFs, {} guests up; wire {}",
                              opts_.name, getpid(), kVersion, report->vfs, report->up,
                              opts_.wire.empty() ? "built-in (memory)" : opts_.wire));
  return {};
}

void SimDaemon::shutdown(std::string_view why) {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  stopped_ = true;
  end_captures(captures_.stop_all());
  update_tap();
  journal_.record(DaemonEvent::kStopped, std::nullopt, std::string(why));
  paths_.clear();
  guest_up_.clear();
  (void)host_->set_num_vfs(0);
}

GuestPath* SimDaemon::guest_path(unsigned vf) {
  return vf < paths_.size() ? paths_[vf].get() : nullptr;
}

// ---- Providers (telemetry's thread).

nlohmann::json SimDaemon::info_json() {
  std::lock_guard lock(mu_);
  return info_locked();
}

nlohmann::json SimDaemon::vfs_json() {
  std::lock_guard lock(mu_);
  nlohmann::json out = nlohmann::json::object();
  for (const char* k :
       {"vf", "mac", "vlan", "qos", "spoofchk", "trust", "link_state", "max_tx_rate", "guest_up",
        "rx_packets", "tx_packets", "rx_dropped", "tx_dropped"}) {
    out[k] = nlohmann::json::array();
  }
  const pf::PfDriver& pf = host_->pf();
  for (unsigned v = 0; v < pf.num_vfs(); ++v) {
    const pf::VfInfo i = pf.vf_info(hal::VfId{v});
    const rtnl::VfStats st = vf_stats(pf, host_->device(), hal::VfId{v}, stats_base_);
    out["vf"].push_back(v);
    out["mac"].push_back(i.mac.to_string());
    out["vlan"].push_back(i.vlan);
    out["qos"].push_back(i.qos);
    out["spoofchk"].push_back(i.spoofchk);
    out["trust"].push_back(i.trusted);
    out["link_state"].push_back(pf::to_string(i.link_state));
    out["max_tx_rate"].push_back(i.max_tx_mbps);
    out["guest_up"].push_back(v < host_->num_guests() && host_->guest(v).is_up());
    out["rx_packets"].push_back(st.rx_packets);
    out["tx_packets"].push_back(st.tx_packets);
    out["rx_dropped"].push_back(st.rx_dropped);
    out["tx_dropped"].push_back(st.tx_dropped);
  }
  return out;
}

nlohmann::json SimDaemon::vf_json(unsigned vf) {
  std::lock_guard lock(mu_);
  return vf_locked(vf);
}

nlohmann::json SimDaemon::events_json(uint64_t since, size_t max) {
  std::lock_guard lock(mu_);
  return journal_.list(since, max);
}

nlohmann::json SimDaemon::recent_events_json(size_t n) {
  std::lock_guard lock(mu_);
  const uint64_t total = journal_.total();
  return journal_.list(total > n ? total - n : 0, n);
}

// ---- The server's calls.

size_t SimDaemon::poll() {
  std::lock_guard lock(mu_);
  try {
    return poll_locked();
  } catch (const std::exception& e) {
    internal_error(nullptr, nullptr, "poll", e.what());
  } catch (...) {
    internal_error(nullptr, nullptr, "poll", "unknown exception");
  }
  // The next turn tries again, after the loop's idle sleep: a pass that keeps throwing must
  // not spin.
  return 0;
}

size_t SimDaemon::poll_locked() {
  idle_bound_ = opts_.idle_timeout;
  // step(): the PF's mailbox service and every guest's watchdog (the tick only moves a
  // stepped host's clock; this one runs on the real clock).
  size_t work = host_->step(hal::Nanos{0});
  // A request the flood guard holds raises no new interrupt: the loop must not sleep past
  // the time it gets its token.
  if (const std::optional<hal::Nanos> due = host_->pf().next_service_due()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(*due - host_->clock().now());
    idle_bound_ = std::clamp(left, std::chrono::milliseconds::zero(), opts_.idle_timeout);
  }
  work += host_->device().poll_once();
  drain_memory_wire();
  const hal::Nanos now = host_->clock().now();
  for (size_t v = 0; v < paths_.size(); ++v) {
    GuestPathTurn turn = paths_[v]->poll(now);
    work += turn.frames;
    if (turn.error) {
      journal_.record(DaemonEvent::kDataPathError, static_cast<unsigned>(v),
                      std::move(*turn.error));
    }
  }
  watch_guests();
  watch_dma_faults();
  work += flush_captures();
  journal_.flush_suppressed(monotonic_ns());
  return work;
}

void SimDaemon::on_close(Connection& c) {
  std::lock_guard lock(mu_);
  try {
    if (auto s = captures_.stop(c)) end_captures({*s});
    update_tap();
  } catch (const std::exception& e) {
    internal_error(nullptr, nullptr, "close", e.what());
  }
}

void SimDaemon::on_request(Connection& c, std::span<const std::byte> datagram) {
  std::lock_guard lock(mu_);
  // RequestHandler promises the server this never throws: whatever a request breaks (a JSON
  // dump, an allocation) is answered EIO and journalled, and the daemon keeps serving.
  try {
    serve_datagram(c, datagram);
  } catch (const std::exception& e) {
    internal_error(&c, nullptr, "request", e.what());
  } catch (...) {
    internal_error(&c, nullptr, "request", "unknown exception");
  }
}

void SimDaemon::serve_datagram(Connection& c, std::span<const std::byte> datagram) {
  // A copy with 4-byte alignment, so headers and attributes are read in place.
  std::vector<uint32_t> aligned((datagram.size() + 3) / 4);
  if (!datagram.empty()) std::memcpy(aligned.data(), datagram.data(), datagram.size());
  const auto* base = reinterpret_cast<const std::byte*>(aligned.data());
  size_t off = 0;
  bool any = false;
  while (datagram.size() - off >= sizeof(nlmsghdr)) {
    const auto* h = reinterpret_cast<const nlmsghdr*>(base + off);
    const size_t left = datagram.size() - off;
    if (h->nlmsg_len < sizeof(nlmsghdr) || h->nlmsg_len > left) {
      refuse(
          c, *h, EINVAL,
          fmt::format("malformed datagram: nlmsg_len {} with {} byte(s) left", h->nlmsg_len, left));
      return;
    }
    // Per message, so the answer carries the failing request's seq and the rest still run.
    try {
      handle_message(c, h);
    } catch (const std::exception& e) {
      internal_error(&c, h, "request", e.what());
    }
    any = true;
    off += NLMSG_ALIGN(h->nlmsg_len);
    if (off > datagram.size()) break;
  }
  if (!any) {
    const nlmsghdr none{};
    refuse(c, none, EINVAL,
           fmt::format("malformed datagram: {} byte(s), shorter than a netlink header",
                       datagram.size()));
  }
}

void SimDaemon::internal_error(Connection* c, const nlmsghdr* h, std::string_view where,
                               std::string_view what) noexcept {
  try {
    const std::string reason =
        fmt::format("internal error in the daemon's {}: {}", where, sanitize_text(what));
    if (c != nullptr) {
      const nlmsghdr none{};
      send_ack(*c, h != nullptr ? *h : none, -EIO, reason);
    }
    journal_.record_limited(DaemonEvent::kInternalError, std::nullopt, reason, monotonic_ns());
  } catch (...) {
    // Nothing left to tell anyone with: the next request or poll tries again.
  }
}

uint64_t SimDaemon::monotonic_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

namespace {

std::string describe_type(uint16_t type) {
  switch (type) {
    case RTM_GETLINK:
      return "RTM_GETLINK";
    case RTM_SETLINK:
      return "RTM_SETLINK";
    case ctl::kMsgRequest:
      return "request";
    default:
      return fmt::format("message type {:#x}", type);
  }
}

}  // namespace

void SimDaemon::handle_message(Connection& c, const nlmsghdr* h) {
  // NOOP, ERROR, DONE, OVERRUN: control messages nobody answers.
  if (h->nlmsg_type < NLMSG_MIN_TYPE) return;
  if ((h->nlmsg_flags & NLM_F_REQUEST) == 0) {
    refuse(c, *h, EINVAL, "not a request (NLM_F_REQUEST is not set)");
    return;
  }
  switch (h->nlmsg_type) {
    case RTM_GETLINK:
      return handle_getlink(c, h);
    case RTM_SETLINK:
      return handle_setlink(c, h);
    case ctl::kMsgRequest:
      return handle_json(c, h);
    default:
      refuse(c, *h, EOPNOTSUPP,
             fmt::format("{}: this daemon answers RTM_GETLINK, RTM_SETLINK and sriovkit "
                         "requests only",
                         describe_type(h->nlmsg_type)));
  }
}

void SimDaemon::refuse(Connection& c, const nlmsghdr& h, int err, const std::string& reason,
                       std::optional<unsigned> vf) {
  // The client reads the same bounded, escaped text the journal keeps.
  const std::string safe = sanitize_text(reason, kMaxReasonBytes);
  send_ack(c, h, -err, safe);
  const char* name = strerrorname_np(err);
  // A client can be refused as fast as it can ask: rate-limited, so it cannot flood the log.
  journal_.record_limited(
      DaemonEvent::kRequestRefused, vf,
      fmt::format("{} ({}): {}", describe_type(h.nlmsg_type), name ? name : "?", safe),
      monotonic_ns());
}

}  // namespace simd
