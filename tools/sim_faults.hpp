#pragma once
// sriov-sim --scenario faults [--json]: runs every fault scenario of harness/faults/ (stepped,
// simulated time) and prints a row per fault: expected and observed outcome, recovery time,
// frames sent, received and dropped per counter, and whether the accounting invariant held.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/faults/fault_result.hpp"

namespace tools {

/// The rows as an aligned text table (one line per fault) followed by each fault's expected
/// and observed outcome and its drop counters.
std::string format_fault_table(const std::vector<harness::faults::FaultResult>& rows, uint64_t seed);

/// The rows as JSON: {"seed": n, "faults": [{name, expected, observed, recovered, ...}]}.
nlohmann::json faults_json(const std::vector<harness::faults::FaultResult>& rows, uint64_t seed);

/// Runs every scenario with `seed` and prints the table (or JSON with `json`) to stdout.
/// Returns 0 when every fault recovered with its configuration and the invariant held, 1
/// otherwise (the rows say which), 2 when the EAL could not start.
int run_fault_report(bool json, uint64_t seed);

}  // namespace tools
