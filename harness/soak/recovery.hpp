#pragma once
// Recovery times of the soak's faults: from the fault (a PF reset, a host-initiated FLR, a
// guest's driver reload) until the VF's guest is up again after a reset and its queues are set
// up anew, in simulated time.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hal/clock.hpp"
#include "harness/sim_host.hpp"
#include "harness/soak/op_picker.hpp"
#include "harness/soak/traffic.hpp"

namespace harness::soak {

/// Per fault kind.
struct RecoveryStats {
  uint64_t faults = 0;      ///< VFs hit (a PF reset hits every VF)
  uint64_t recovered = 0;
  uint64_t overlapped = 0;  ///< hit again before recovering: timed from the first fault
  hal::Nanos total{};
  hal::Nanos max{};
  hal::Nanos mean() const {
    return recovered != 0 ? total / static_cast<int64_t>(recovered) : hal::Nanos{};
  }
};

class RecoveryTracker {
 public:
  explicit RecoveryTracker(unsigned num_vfs) : pending_(num_vfs) {}

  /// `vf` was hit by a fault of `kind` now; `resets` is its guest's VfDriver reset count then.
  void fault(OpKind kind, unsigned vf, hal::Nanos now, uint64_t resets);
  /// Forgets `vf`'s pending recovery (the administrator disabled it: it will not come up).
  void cancel(unsigned vf) { pending_.at(vf).reset(); }
  /// Closes the recoveries that finished: the guest reset since the fault, is up, and its
  /// queues live again.
  void update(SimHost& host, const SoakTraffic& traffic);

  const RecoveryStats& stats(OpKind kind) const { return stats_[static_cast<size_t>(kind)]; }
  /// One line per VF still waiting to recover (what hit it, when).
  std::vector<std::string> unrecovered() const;

 private:
  struct Pending {
    OpKind kind;
    hal::Nanos since;
    uint64_t resets;
  };
  std::vector<std::optional<Pending>> pending_;
  std::array<RecoveryStats, kNumOpKinds> stats_{};
};

}  // namespace harness::soak
