// The fault scenarios' link partner (wire_peer.hpp).
#include "harness/faults/wire_peer.hpp"

#include <algorithm>

#include "harness/apps/probe_frame.hpp"
#include "hal/sim/mac_rx.hpp"

namespace harness::faults {

namespace {
constexpr uint64_t kFrameCost = 1'000'000'000;  // a frame in frame-nanoseconds
/// Probes on the wire are the Ethernet minimum (no FCS): never a runt.
constexpr uint32_t kProbeLen = 60;
/// Runts: 40 bytes without FCS, 44 with it, under the 64-byte minimum.
constexpr uint32_t kRuntLen = 40;
}  // namespace

WirePeer::WirePeer(hal::MacAddr mac, uint64_t rate_pps, const hal::Clock& clock, FlowLedger& ledger)
    : mac_(mac), rate_pps_(rate_pps), clock_(clock), ledger_(ledger), last_(clock.now()) {}

void WirePeer::add_destination(hal::MacAddr dst, unsigned to) {
  dests_.push_back(Dest{dst, ledger_.open_flow(PathKey{kWireEnd, to}), 0});
}

void WirePeer::generate() {
  const hal::Nanos now = clock_.now();
  const auto elapsed = static_cast<uint64_t>((now - last_).count());
  last_ = now;
  // At most four frames per destination saved up: an idle peer does not flood afterwards.
  credit_ = std::min(credit_ + elapsed * rate_pps_, 4 * kFrameCost);
  if (!link_up_ || dests_.empty()) {
    credit_ = 0;
    return;
  }
  while (credit_ >= kFrameCost && queue_.size() + dests_.size() <= kMaxQueued) {
    credit_ -= kFrameCost;
    for (Dest& d : dests_) {
      apps::ProbeSpec spec;
      spec.dst = d.mac;
      spec.src = mac_;
      spec.flow = d.flow;
      spec.frame_len = kProbeLen;
      auto bytes = apps::probe_frame_bytes(spec, d.seq, 0);
      if (!bytes) continue;  // cannot happen for a 60-byte probe; nothing queued, nothing counted
      queue_.push_back(Queued{std::move(*bytes), false});
      ++d.seq;
      ledger_.note_sent(d.flow, d.seq);
      ++c_.generated;
    }
  }
}

void WirePeer::queue_bad(WireError kind, hal::MacAddr dst, unsigned count, uint32_t max_frame) {
  apps::ProbeSpec spec;
  spec.dst = dst;
  // Marked by their source: a runt or fragment is too short to carry the probe header.
  spec.src = bad_source();
  // A flow id no ledger flow has, so the ledger never counts one as a probe.
  spec.flow = UINT16_MAX;
  const bool big = kind == WireError::kOversize || kind == WireError::kJabber;
  spec.frame_len = big ? max_frame - static_cast<uint32_t>(sim::kFcsLen) + 100 : kProbeLen;
  auto bytes = apps::probe_frame_bytes(spec, 0, 0);
  if (!bytes) return;
  if (kind == WireError::kRunt || kind == WireError::kFragment) bytes->resize(kRuntLen);
  const bool fcs_bad = kind == WireError::kFragment || kind == WireError::kJabber || kind == WireError::kBadFcs;
  for (unsigned i = 0; i < count; ++i) {
    queue_.push_back(Queued{*bytes, fcs_bad});
    ++c_.bad_queued;
  }
}

bool WirePeer::is_bad_frame(std::span<const uint8_t> frame) {
  constexpr size_t kSrcAt = 6;  // after the destination address
  const auto bad = bad_source().bytes();  // a copy: bad_source() is a temporary
  return frame.size() >= kSrcAt + bad.size() && std::equal(bad.begin(), bad.end(), frame.begin() + kSrcAt);
}

void WirePeer::send(std::span<const uint8_t> frame) {
  ++c_.received;
  if (const auto p = apps::parse_probe(frame, static_cast<uint32_t>(frame.size()))) {
    ++c_.probes;
    ledger_.on_receive(p->flow, p->seq, clock_.now(), kWireEnd);
  }
}

bool WirePeer::receive(std::vector<uint8_t>& frame) {
  if (queue_.empty()) return false;
  frame.assign(queue_.front().bytes.begin(), queue_.front().bytes.end());
  last_fcs_bad_ = queue_.front().fcs_bad;
  queue_.pop_front();
  ++c_.taken;
  return true;
}

}  // namespace harness::faults
