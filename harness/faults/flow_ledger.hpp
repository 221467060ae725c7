#pragma once
// Which traffic has flowed since a fault: the fault scenarios' (harness/faults/) record of every
// probe flow, the path it travels (one sender to one receiver), and when each path first
// carried a frame sent after a mark. A generator that is built again (its VF was reset) gets a
// new flow id, since its sequence numbers start over; a flow that lives across the mark counts
// only its frames numbered at or after what it had sent by then. So frames in flight at the
// mark (sitting in a ring, say) never count as "flowing again".

#include <cstdint>
#include <optional>
#include <vector>

#include "hal/clock.hpp"

namespace harness::faults {

/// An end of a path: a VF's guest (0..n-1) or the wire's peer (kWireEnd).
inline constexpr unsigned kWireEnd = 1000;

struct PathKey {
  unsigned from = 0;
  unsigned to = 0;
  bool operator==(const PathKey&) const = default;
};

/// Not thread-safe: the rig's one thread uses it.
class FlowLedger {
 public:
  /// A new flow id on `path` (paths are created on first use), for a sender numbering its
  /// frames from 0. Flows opened after a mark count from their first frame.
  uint16_t open_flow(PathKey path);
  /// The sender's next sequence number, as it moves (for flows open across a mark).
  void note_sent(uint16_t flow, uint64_t next_seq);
  /// Frame `seq` of `flow` arrived at `now` at end `at`. A frame arriving anywhere but its
  /// path's receiver (the switch flooded it to the wire while the receiver had no filter, say)
  /// does not count for the path: it is counted in misdelivered().
  void on_receive(uint16_t flow, uint64_t seq, hal::Nanos now, unsigned at);
  /// From here on, only frames sent after this moment count: every open flow's mark is its
  /// next sequence number, and every path's "first frame since" is cleared.
  void mark();
  /// When `path` first carried a frame sent after the last mark (nullopt: not yet).
  std::optional<hal::Nanos> first_since_mark(PathKey path) const;
  /// Starts a new outage window: every path's longest gap starts over (its last arrival stays,
  /// so a gap spanning the call counts whole).
  void reset_gaps();
  /// The longest time `path` went without a frame arriving (any frame, sent before a mark or
  /// after) since reset_gaps(), counting the gap still open at `now`. 0 for an unknown path or
  /// one that never carried a frame.
  hal::Nanos longest_gap(PathKey path, hal::Nanos now) const;
  /// Every path with `end` at either end.
  std::vector<PathKey> paths_touching(unsigned end) const;
  std::vector<PathKey> paths() const;
  /// Frames received of flows this ledger does not know (a probe from elsewhere).
  uint64_t unknown() const { return unknown_; }
  /// Frames of known flows that arrived at the wrong end.
  uint64_t misdelivered() const { return misdelivered_; }

 private:
  struct Flow {
    size_t path = 0;
    uint64_t mark = 0;      ///< frames numbered below this were sent before the mark
    uint64_t next_seq = 0;  ///< the sender's numbering, as last noted
  };
  struct Path {
    PathKey key;
    std::optional<hal::Nanos> first_since_mark;
    std::optional<hal::Nanos> last_arrival;
    hal::Nanos longest_gap{};
  };
  size_t path_index(PathKey key);

  std::vector<Flow> flows_;
  std::vector<Path> paths_;
  uint64_t unknown_ = 0;
  uint64_t misdelivered_ = 0;
};

}  // namespace harness::faults
