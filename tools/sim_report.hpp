#pragma once
// What sriov-sim prints: a row per VF, as text or JSON.

#include <string>

#include <nlohmann/json.hpp>

#include "harness/sim_host.hpp"

namespace tools {

/// The bring-up summary and a row per VF (id, BDF, MAC and whether admin-set, VLAN, trust,
/// spoofchk, link, negotiated API, queues, state), as aligned text.
std::string format_table(harness::SimHost& host, const harness::BringUpReport& report);

/// The same as a JSON document.
nlohmann::json to_json(harness::SimHost& host, const harness::BringUpReport& report);

}  // namespace tools
