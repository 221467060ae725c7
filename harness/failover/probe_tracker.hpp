#pragma once
// What one receiver of the failover scenarios saw of one sender's probe flow: which sequence
// numbers arrived (each remembered, so loss is exact however much reordering a path switch
// causes), duplicates, and the longest time without an arrival inside a measurement window
// (the switchover gap). The window starts at start_window(t): the gap from t to the first
// arrival counts, so a path that never delivers again shows the whole window.

#include <algorithm>
#include <cstdint>
#include <optional>
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
    last_ = now;
    first_in_window_.reset();
    longest_ = hal::Nanos::zero();
    in_window_ = 0;
  }
  /// The longest time without an arrival since start_window(), counting the gap still open at
  /// `now`.
  hal::Nanos longest_gap(hal::Nanos now) const { return std::max(longest_, now - last_); }
  /// When the first probe since start_window() arrived; nullopt: none yet.
  std::optional<hal::Nanos> first_in_window() const { return first_in_window_; }
  /// Arrivals since start_window().
  uint64_t in_window() const { return in_window_; }
  /// Sequence numbers received at least once.
  uint64_t distinct() const { return distinct_; }
  uint64_t duplicates() const { return duplicates_; }
  /// Whether `seq` arrived.
  bool seen(uint64_t seq) const { return seq < seen_.size() && seen_[seq]; }
  /// When the last probe arrived (windows aside); nullopt before the first.
  std::optional<hal::Nanos> last_arrival() const { return last_arrival_; }

 private:
  void note_arrival(hal::Nanos now) {
    longest_ = std::max(longest_, now - last_);
    last_ = now;
    last_arrival_ = now;
    if (!first_in_window_) first_in_window_ = now;
    ++in_window_;
  }

  std::vector<bool> seen_;
  uint64_t distinct_ = 0;
  uint64_t duplicates_ = 0;
  hal::Nanos last_{};
  std::optional<hal::Nanos> last_arrival_;
  std::optional<hal::Nanos> first_in_window_;
  hal::Nanos longest_{};
  uint64_t in_window_ = 0;
};

}  // namespace harness::failover
