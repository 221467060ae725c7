#pragma once
// The simulated 82599's device engine on a thread of its own, for real-time use (a simulated
// host, benchmarks): poll_once() in a loop on a pinned core, DPDK style, with adaptive idling so
// an idle device does not burn its core forever. Tests step the engine instead (poll_once()).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "hal/sim/device.hpp"

namespace sim {

struct EngineThreadOptions {
  /// Pin the thread to this CPU; -1 leaves it unpinned. One busy-polling thread per core: two
  /// pollers sharing a core collapse throughput (docs/sim-model.md, "Engine thread").
  int cpu = -1;
  /// Keep polling this long after the last pass that moved something before parking. Within
  /// it the engine reacts in nanoseconds; a burst-paced guest never waits for a wake-up.
  std::chrono::microseconds spin{200};
  /// Longest park. A TX doorbell wakes the engine at once; frames arriving from the wire (a tap
  /// device, a cable) are seen within this bound. 0 never parks (pure busy polling).
  std::chrono::microseconds park{500};
  /// Run on the engine thread before its first pass and after its last. What a world above
  /// hal/ needs there, e.g. registering the thread with DPDK (rte_thread_register) so the
  /// ethdev wire ports it drives get a per-lcore mempool cache.
  std::function<void()> on_start, on_stop;
};

/// What the thread did, for reports and benchmarks. Cycles are the TSC on x86-64 (nanoseconds
/// elsewhere).
struct EngineThreadStats {
  uint64_t passes = 0;       ///< poll_once() calls
  uint64_t busy_passes = 0;  ///< ... that moved at least one frame
  uint64_t frames = 0;       ///< frames taken (TX chains + wire frames)
  uint64_t busy_cycles = 0;  ///< cycles spent in passes that moved something
  uint64_t parks = 0;        ///< times the thread parked after `spin` of idleness
};

/// Runs the engine of one device until stopped or destroyed. The device must outlive it.
/// Everything else (drivers, tests) may keep using the device from other threads: the engine
/// takes the device lock per pass, and tail doorbells do not need it.
class EngineThread {
 public:
  /// Starts the thread. Errors: pinning to `cpu` failed (the message says why); the thread
  /// is then not started.
  static std::expected<std::unique_ptr<EngineThread>, std::string> start(Device82599& dev,
                                                                       EngineThreadOptions opts = {});
  ~EngineThread();
  EngineThread(const EngineThread&) = delete;
  EngineThread& operator=(const EngineThread&) = delete;

  /// Stops and joins; idempotent. The last pass completes first.
  void stop();
  /// A consistent-enough snapshot (each field is read atomically).
  EngineThreadStats stats() const;

 private:
  EngineThread(Device82599& dev, EngineThreadOptions opts) : dev_(dev), opts_(opts) {}
  void run();

  Device82599& dev_;
  EngineThreadOptions opts_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> passes_{0}, busy_passes_{0}, frames_{0}, busy_cycles_{0}, parks_{0};
  std::thread thread_;
};

/// The calling thread pinned to `cpu`. Errors: a message with the reason.
std::expected<void, std::string> pin_current_thread(int cpu);

}  // namespace sim
