#pragma once
// sriov-bench's output: a few lines of text, or one JSON object (--json). The JSON keys of the
// first version (scenario, pairs, frame_bytes, burst, ring, threading, seconds, packets, mpps,
// gbit_per_s_l2, drops, engine_placement, cycles_per_packet, tsc_hz_estimated, engine_polls,
// accounting) keep their meaning: bench/compare.sh and others parse them.

#include <string>

#include "tools/bench_endpoints.hpp"
#include "tools/bench_options.hpp"
#include "tools/bench_rig.hpp"

namespace bench {

/// Prints the run's report on stdout, as text or JSON (o.json).
void print_report(const Options& o, const Rig& rig, const Totals& t, const Verdict& v);

}  // namespace bench
