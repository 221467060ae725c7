#pragma once
// What sriov-sim prints: a row per VF, as text or JSON; with --traffic, a row per VF's traffic.

#include <string>

#include <nlohmann/json.hpp>

#include "harness/sim_host.hpp"
#include "tools/sim_traffic.hpp"

namespace tools {

/// `d` in milliseconds, for reports.
inline double ms(hal::Nanos d) { return static_cast<double>(d.count()) / 1e6; }

/// The bring-up summary and a row per VF (id, BDF, MAC and whether admin-set, VLAN, trust,
/// spoofchk, link, negotiated API, queues, state), as aligned text.
std::string format_table(harness::SimHost& host, const harness::BringUpReport& report);

/// The same as a JSON document.
nlohmann::json to_json(harness::SimHost& host, const harness::BringUpReport& report);

/// The traffic run: a line on how it ran, a row per VF (peer, TX and RX Mpps and Gbit/s of L2
/// bytes without FCS, sent, received, loss, reordered, duplicate, bad, TX ring full, average
/// latency), a total row and the device's accounting verdict.
std::string format_traffic(const TrafficReport& r);

/// The same as JSON.
nlohmann::json traffic_json(const TrafficReport& r);

}  // namespace tools
