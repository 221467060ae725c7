// Which probe flows have carried frames since a fault (flow_ledger.hpp).
#include "harness/faults/flow_ledger.hpp"

#include <algorithm>

namespace harness::faults {

size_t FlowLedger::path_index(PathKey key) {
  for (size_t i = 0; i < paths_.size(); ++i) {
    if (paths_[i].key == key) return i;
  }
  paths_.push_back(Path{key, std::nullopt, std::nullopt, {}});
  return paths_.size() - 1;
}

uint16_t FlowLedger::open_flow(PathKey path) {
  flows_.push_back(Flow{path_index(path), 0, 0});
  return static_cast<uint16_t>(flows_.size() - 1);
}

void FlowLedger::note_sent(uint16_t flow, uint64_t next_seq) {
  if (flow < flows_.size()) flows_[flow].next_seq = next_seq;
}

void FlowLedger::on_receive(uint16_t flow, uint64_t seq, hal::Nanos now, unsigned at) {
  if (flow >= flows_.size()) {
    ++unknown_;
    return;
  }
  const Flow& f = flows_[flow];
  Path& p = paths_[f.path];
  if (p.key.to != at) {
    ++misdelivered_;
    return;
  }
  if (p.last_arrival) p.longest_gap = std::max(p.longest_gap, now - *p.last_arrival);
  p.last_arrival = now;
  if (seq < f.mark) return;
  if (!p.first_since_mark) p.first_since_mark = now;
}

void FlowLedger::reset_gaps() {
  for (Path& p : paths_) p.longest_gap = {};
}

hal::Nanos FlowLedger::longest_gap(PathKey path, hal::Nanos now) const {
  for (const Path& p : paths_) {
    if (p.key == path) return p.last_arrival ? std::max(p.longest_gap, now - *p.last_arrival) : p.longest_gap;
  }
  return {};
}

void FlowLedger::mark() {
  for (Flow& f : flows_) f.mark = f.next_seq;
  for (Path& p : paths_) p.first_since_mark.reset();
}

std::optional<hal::Nanos> FlowLedger::first_since_mark(PathKey path) const {
  for (const Path& p : paths_) {
    if (p.key == path) return p.first_since_mark;
  }
  return std::nullopt;
}

std::vector<PathKey> FlowLedger::paths_touching(unsigned end) const {
  std::vector<PathKey> out;
  for (const Path& p : paths_) {
    if (p.key.from == end || p.key.to == end) out.push_back(p.key);
  }
  return out;
}

std::vector<PathKey> FlowLedger::paths() const {
  std::vector<PathKey> out;
  for (const Path& p : paths_) out.push_back(p.key);
  return out;
}

}  // namespace harness::faults
