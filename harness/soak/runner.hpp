#pragma once
// The soak (sriov-sim --soak): a stepped SimHost with up to 63 VFs and a guest each, driven
// for a while by random operations (op_picker.hpp) with traffic between the guests
// (traffic.hpp) in between; then quiesced, checked (checker.hpp) and freed.
//
// One thread, simulated time: the PF service, the guests' watchdogs, their apps and the device
// engine are all stepped on the caller's thread, 100 us of simulated time per step. Everything
// but the stop condition is a function of the seed, so `seed` + `iterations` replays a run
// exactly (a run that stopped on its wall-clock duration reports how many it did).

#include <array>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hal/sim/accounting.hpp"
#include "pf_driver/options.hpp"
#include "harness/soak/checker.hpp"
#include "harness/soak/op_picker.hpp"
#include "harness/soak/recovery.hpp"
#include "harness/soak/traffic.hpp"

namespace harness::soak {

struct SoakOptions {
  uint64_t seed = 1;
  unsigned num_vfs = 63;  ///< 2..63
  /// Stop once this much wall time has passed (checked between iterations).
  std::optional<std::chrono::milliseconds> duration;
  /// Stop after exactly this many iterations (one operation and its traffic slice each). With
  /// both set, whichever comes first; with neither, run_soak refuses.
  std::optional<uint64_t> iterations;
  TrafficOptions traffic;
  /// The PF's mailbox flood policy (docs/reliability.md): the defaults unless the user gave one.
  pf::MailboxFloodPolicy mailbox_flood;
  /// Simulated time per step.
  hal::Nanos tick = std::chrono::microseconds(100);
  /// Simulated time the quiesce may take before the checks run anyway.
  hal::Nanos quiesce_limit = std::chrono::seconds(5);
  /// Called every `progress_every` iterations (if set) with the iterations done so far.
  std::function<void(uint64_t iterations)> progress;
  uint64_t progress_every = 4096;
};

/// Per operation kind.
struct OpStats {
  uint64_t done = 0;     ///< attempted
  uint64_t refused = 0;  ///< the PF said no (required for kBadAdmin, a violation otherwise)
  uint64_t failed = 0;   ///< a PF reset that failed, a guest reload whose probe() failed
};

struct SoakReport {
  uint64_t seed = 0;
  unsigned num_vfs = 0;
  uint64_t iterations = 0;
  uint64_t steps = 0;
  hal::Nanos simulated{};
  double wall_seconds = 0;
  std::array<OpStats, kNumOpKinds> ops{};
  /// The first few failed operations (a guest's probe), with their reasons.
  std::vector<std::string> notes;
  /// VFs the quiesce set back to link state auto (their last setting was disable).
  unsigned quiesce_enables = 0;
  /// Guests whose driver the quiesce reloaded: an admin MAC change had not reached them yet.
  unsigned quiesce_reloads = 0;
  /// Simulated time the quiesce took; false if it hit SoakOptions::quiesce_limit.
  hal::Nanos quiesce_time{};
  bool quiesced = false;
  std::array<RecoveryStats, kNumOpKinds> recovery{};
  /// What the end-of-run checks ran on: every VF, the device's accounting, the guests' books.
  SoakSnapshot snapshot;
  // Resets as the PF and the guests count them, summed over the VFs.
  uint64_t pf_vf_resets = 0;     ///< VF_RESET requests the PF served
  uint64_t pf_flrs = 0;          ///< FLRs the PF cleaned up
  uint64_t guest_resets = 0;     ///< VFCTRL.RST writes by the guests' drivers
  uint64_t guest_recoveries = 0; ///< bring-ups the guests' watchdogs completed
  uint64_t guest_timeouts = 0;   ///< mailbox exchanges that timed out
  uint64_t queue_lives = 0;      ///< queue set-ups (one per guest reset that traffic followed)
  uint64_t queue_setup_failures = 0;
  /// Every violation: during the run (prefixed with the iteration, for a replay) and at the
  /// end (checker.hpp). Capped at kMaxViolations lines; violation_count has them all.
  std::vector<std::string> violations;
  uint64_t violation_count = 0;
  static constexpr size_t kMaxViolations = 200;
  bool passed() const { return violation_count == 0; }
};

/// Runs a soak. Needs a running EAL (the guests' pools are DPDK mempools) and nothing else of
/// the process. Everything it builds is freed before it returns.
/// Errors (one line): no stop condition, a VF count out of 2..63, no EAL, the host's bring-up
/// refused by the PF. A bring-up that leaves a VF down is not an error: it is a violation.
std::expected<SoakReport, std::string> run_soak(const SoakOptions& opts);

}  // namespace harness::soak
