#pragma once
// When lost frames fail a run on a real device (sriov-sim --traffic and sriov-bench with
// --device vfio): there no simulated engine keeps a ledger, so what a receiver did not get of
// its sender's frames is all there is to judge. The rule (docs/hardware.md, "Traffic"):
//   - a receiver that got none of its sender's frames fails the run, always: the path between
//     them (the VEB, a filter, a VLAN) does not work;
//   - a pair that lost more than --max-loss PERCENT of the frames sent fails it;
//   - without --max-loss the bound is 0 for a rate-limited run (a hairpin through the VEB below
//     line rate loses nothing) and none for an unlimited one (the NIC may drop legitimately
//     when a receiver's RX ring overruns; the loss is reported, not judged).

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tools {

/// One sender and its receiver after the drain.
struct PairLoss {
  std::string sender;     ///< "VF 0"
  std::string receiver;   ///< "VF 1"
  uint64_t sent = 0;      ///< frames the sender's driver took
  uint64_t received = 0;  ///< of those, frames the receiver got
};

/// The bound when --max-loss is not given (see above).
std::optional<double> default_max_loss(bool rate_limited);

/// One phrase per pair that breaks the rule ("VF 1 received none of VF 0's 4096 frames",
/// "VF 1 lost 12 of VF 0's 480 frames (2.50%), more than --max-loss 0%"); empty: the run
/// passes. `max_percent`: the bound (none: only the first rule).
std::vector<std::string> judge_loss(std::span<const PairLoss> pairs,
                                    std::optional<double> max_percent);

/// "--max-loss: ..." when `percent` is not in 0..100, else "".
std::string check_max_loss(double percent);

}  // namespace tools
