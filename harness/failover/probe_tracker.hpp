#pragma once
// What one receiver of the failover scenarios saw of one sender's probe flow: which sequence
// numbers arrived (each remembered, so loss is exact however much reordering a path switch
// causes), duplicates, and the longest time without an arrival inside a measurement window
// (the switchover gap). The window starts at start_window(t): the gap from t to the first
// arrival counts, so a path that never delivers again shows the whole window.

#include <cstdint>
#include <vector>

#include "hal/clock.hpp"

namespace harness::failover {

class ProbeTracker {
 public:
  /// Sequence number `seq` arrived at `now`.
  void on_probe(uint64_t seq, hal::Nanos now) {
    if (seq >= seen_.size()) seen_.resize(std::max<uint64_t>(seq + 1, seen_.size() * 2), false);
    if (seen_[seq]) {
      ++duplicates_;
    } else {
      seen_[seq] = true;
      ++distinct_;
    }
    note_arrival(now);
  }
  /// Opens a new gap window at `now`.
  void start_window(hal::Nanos now) {
    window_start_ = now;
    last_ = now;
    longest_ = hal::Nanos::zero();
    in_window_ = 0;
  }
  /// The longest time without an arrival since start_window(), counting the gap still open at
  /// `now`.
  hal::Nanos longest_gap(hal::Nanos now) const { return std::max(longest_, now - last_); }
  /// Arrivals since start_window().
  uint64_t in_window() const { return in_window_; }
  /// Sequence numbers received at least once.
  uint64_t distinct() const { return distinct_; }
  uint64_t duplicates() const { return duplicates_; }
  /// Whether `seq` arrived.
  bool seen(uint64_t seq) const { return seq < seen_.size() && seen_[seq]; }
  /// Numbers below `sent` that never arrived.
  uint64_t missing_below(uint64_t sent) const {
    uint64_t n = 0;
    for (uint64_t s = 0; s < sent; ++s) n += seen(s) ? 0 : 1;
    return n;
  }

 private:
  void note_arrival(hal::Nanos now) {
    longest_ = std::max(longest_, now - last_);
    last_ = now;
    ++in_window_;
  }

  std::vector<bool> seen_;
  uint64_t distinct_ = 0;
  uint64_t duplicates_ = 0;
  hal::Nanos window_start_{};
  hal::Nanos last_{};
  hal::Nanos longest_{};
  uint64_t in_window_ = 0;
};

}  // namespace harness::failover
