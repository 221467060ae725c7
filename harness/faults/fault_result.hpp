#pragma once
// One fault scenario's outcome (scenarios.hpp): what was expected, what happened, how long
// the traffic took to flow again, and every frame's fate.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hal/clock.hpp"
#include "harness/faults/traffic_rig.hpp"

namespace harness::faults {

struct FaultResult {
  std::string name;      ///< short id: vf-flr, pf-reset, guest-killed, link-flap, ...
  std::string expected;  ///< one sentence
  std::string observed;  ///< one sentence, with the figures
  /// Every VF up, traffic flowing on every path, the PF's record of every VF's configuration
  /// as it was before the fault.
  bool recovered = false;
  bool config_restored = false;
  bool invariant_held = false;
  /// What did not hold (empty when everything did): recovery, configuration or invariant.
  std::string problems;
  /// How long the fault itself lasted (link down, stall, no guest); 0 for an instant fault.
  hal::Nanos fault_duration{};
  /// From the end of the fault to every path of every affected VF carrying a frame sent after
  /// it, in simulated time. nullopt: it never did (within the scenario's limit).
  std::optional<hal::Nanos> recovery;
  std::vector<unsigned> affected;  ///< the VFs whose traffic the recovery time covers
  /// Each path of the affected VFs ("0->1", "w->2", "3->w") and the longest time it went
  /// without a frame arriving, from the end of the warm-up (just before the fault) to the end
  /// of the run: how long the fault cut it off, which `recovery` (measured from the fault's
  /// end) does not show when traffic stopped before that end.
  std::vector<std::pair<std::string, hal::Nanos>> path_outages;
  /// The longest of path_outages.
  hal::Nanos outage{};
  /// Probes that reached an end other than their path's receiver (FlowLedger::misdelivered):
  /// frames to a VF without a filter that the switch sent to the wire instead.
  uint64_t misdelivered = 0;
  /// The drop counters just before the fault (FrameTotals::drops then).
  std::map<std::string, uint64_t> drops_before;
  FrameTotals frames;              ///< since the rig was built, after the final drain
};

}  // namespace harness::faults
