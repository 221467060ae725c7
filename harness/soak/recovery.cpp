#include "harness/soak/recovery.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace harness::soak {

void RecoveryTracker::fault(OpKind kind, unsigned vf, hal::Nanos now, uint64_t resets) {
  RecoveryStats& s = stats_[static_cast<size_t>(kind)];
  ++s.faults;
  auto& p = pending_.at(vf);
  if (p) {
    ++s.overlapped;
    return;
  }
  p = Pending{kind, now, resets};
}

void RecoveryTracker::update(SimHost& host, const SoakTraffic& traffic) {
  const hal::Nanos now = host.clock().now();
  for (unsigned vf = 0; vf < pending_.size(); ++vf) {
    auto& p = pending_[vf];
    if (!p) continue;
    const Guest& g = host.guest(vf);
    if (g.driver().counters().resets <= p->resets || !g.is_up() || !traffic.live(vf)) continue;
    RecoveryStats& s = stats_[static_cast<size_t>(p->kind)];
    const hal::Nanos took = now - p->since;
    ++s.recovered;
    s.total += took;
    s.max = std::max(s.max, took);
    p.reset();
  }
}

std::vector<std::string> RecoveryTracker::unrecovered() const {
  std::vector<std::string> out;
  for (unsigned vf = 0; vf < pending_.size(); ++vf) {
    const auto& p = pending_[vf];
    if (!p) continue;
    out.push_back(fmt::format("vf {}: not recovered from its {} at {} us (simulated)", vf,
                              to_string(p->kind),
                              std::chrono::duration_cast<std::chrono::microseconds>(p->since).count()));
  }
  return out;
}

}  // namespace harness::soak
