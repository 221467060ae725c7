// The host's moving parts as the daemon keeps them: guest paths, the VF count, the journal's
// feeds (PF events, guest links, DMA faults), captures and the built-in wire.
#include <fmt/format.h>

#include "daemon/sim_daemon.hpp"

namespace simd {

void SimDaemon::build_guest_paths() {
  paths_.clear();
  guest_up_.assign(host_->num_guests(), false);
  for (unsigned v = 0; v < host_->num_guests(); ++v) {
    GuestPathOptions o;
    o.ip = harness::apps::inet::Ipv4Addr({10, opts_.ip_net, 0, static_cast<uint8_t>(v + 1)});
    o.announce_every = opts_.announce_every;
    paths_.push_back(std::make_unique<GuestPath>(host_->guest(v), o));
    guest_up_[v] = host_->guest(v).is_up();
  }
}

std::expected<void, pf::Refusal> SimDaemon::change_num_vfs(unsigned n) {
  const unsigned before = host_->pf().num_vfs();
  // Pools are renumbered and the guests replaced: VF captures end, the paths go first.
  end_captures(captures_.stop_vf_sessions());
  update_tap();
  paths_.clear();
  auto r = host_->set_num_vfs(n);
  last_reset_ = {};
  stats_base_.take(host_->device());
  build_guest_paths();
  if (!r) return std::unexpected(r.error());
  journal_.record(
      DaemonEvent::kNumVfsChanged, std::nullopt,
      fmt::format("numvfs {} -> {} by the operator; {} of {} guests up{}", before, n, r->up, r->vfs,
                  r->failures.empty() ? "" : ": " + r->failures.front()));
  return {};
}

void SimDaemon::on_pf_event(const pf::Event& e) {
  const JournalEntry& j = journal_.record(e);
  if (!e.vf || e.vf->value() >= last_reset_.size()) return;
  if (e.code == pf::EventCode::kVfReset || e.code == pf::EventCode::kVfFlr) {
    last_reset_[e.vf->value()] = LastReset{
        e.code == pf::EventCode::kVfFlr ? LastReset::Kind::kFlr : LastReset::Kind::kVfReset, j.seq,
        j.time_ns};
  }
}

void SimDaemon::watch_guests() {
  for (unsigned v = 0; v < paths_.size() && v < host_->num_guests(); ++v) {
    const harness::Guest& g = host_->guest(v);
    const bool up = g.is_up();
    if (up == guest_up_[v]) continue;
    guest_up_[v] = up;
    const vf::VfDriver& d = g.driver();
    if (up) {
      journal_.record(DaemonEvent::kGuestUp, v,
                      fmt::format("guest on VF {} up: MAC {}, API {}", v, d.mac(), d.api()));
    } else {
      journal_.record(DaemonEvent::kGuestDown, v,
                      fmt::format("guest on VF {} down: driver {}, link {}{}", v,
                                  vf::to_string(d.state()), d.link_up() ? "up" : "down",
                                  d.last_error() ? ", " + vf::to_string(*d.last_error()) : ""));
    }
  }
}

void SimDaemon::watch_dma_faults() {
  const uint64_t total = host_->device().dma_fault_count();
  if (total == dma_faults_seen_) return;
  const std::vector<sim::DmaFault> log = host_->device().dma_faults();
  const uint64_t fresh = total - dma_faults_seen_;
  if (fresh > log.size()) {
    journal_.record(DaemonEvent::kDmaFault, std::nullopt,
                    fmt::format("{} DMA fault(s) not shown: more than the device's log holds",
                                fresh - log.size()));
  }
  const size_t first = fresh > log.size() ? 0 : log.size() - static_cast<size_t>(fresh);
  for (size_t i = first; i < log.size(); ++i) {
    const sim::DmaFault& f = log[i];
    std::optional<unsigned> vf;
    if (f.function >= 0) vf = static_cast<unsigned>(f.function);
    journal_.record(
        DaemonEvent::kDmaFault, vf,
        fmt::format("{} queue {}: {} at IOVA {:#x} (+{}) outside its DMA domain; the "
                    "device stopped the queue",
                    f.function < 0 ? std::string("PF") : fmt::format("VF {}", f.function), f.queue,
                    sim::to_string(f.kind), f.iova, f.len));
  }
  dma_faults_seen_ = total;
}

size_t SimDaemon::flush_captures() {
  if (!captures_.busy()) return 0;
  std::vector<CaptureSummary> ended;
  const size_t n = captures_.flush(ended);
  end_captures(ended);
  update_tap();
  return n;
}

void SimDaemon::end_captures(const std::vector<CaptureSummary>& ended) {
  for (const CaptureSummary& s : ended) {
    journal_.record(
        DaemonEvent::kCaptureEnded,
        s.target.kind == CaptureTarget::Kind::kVf ? std::optional(s.target.vf) : std::nullopt,
        fmt::format("capture on {} for client {} ended: {} frames sent, {} dropped",
                    CaptureSet::describe(s.target), s.connection, s.frames, s.dropped));
  }
}

void SimDaemon::update_tap() {
  // The tap costs the engine a call per frame: installed only while someone watches.
  if (captures_.active() == tap_installed_) return;
  tap_installed_ = captures_.active();
  if (tap_installed_) {
    host_->device().set_frame_tap([this](const sim::TapFrame& f) { captures_.on_frame(f); });
  } else {
    host_->device().set_frame_tap(nullptr);
  }
}

void SimDaemon::drain_memory_wire() {
  if (!memory_wire_) return;
  wire_dropped_ += memory_wire_->sent().size();
  memory_wire_->clear_sent();
}

}  // namespace simd
