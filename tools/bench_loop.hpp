#pragma once
// sriov-bench's measured loop: every sender's burst, then (inline) one engine pass, then every
// receiver's bursts, round after round; then a drain until the device and the rings are empty.
// Cycles are read with rdtsc around each driver and peer call (bench_endpoints.hpp, Totals).

#include <chrono>

#include "tools/bench_endpoints.hpp"
#include "tools/bench_options.hpp"
#include "tools/bench_rig.hpp"

namespace bench {

/// Sends until `deadline`, or until o.packets were taken (bounded by `deadline` too: a stopped
/// queue must not hang the tool), then drains. With o.threaded() the engine runs on its own
/// thread and is not stepped here; otherwise one poll_once() per round on this thread.
Totals run(Rig& rig, const Options& o, std::chrono::steady_clock::time_point deadline);

}  // namespace bench
