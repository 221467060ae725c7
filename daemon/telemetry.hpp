#pragma once
// The sriov-sim daemon's state over DPDK's telemetry socket (dpdk-telemetry.py, or any client
// of <runtime dir>/dpdk_telemetry.v2): four read-only /sriovkit/* commands answered by
// providers the daemon installs. docs/telemetry.md describes the commands and how the JSON is
// shaped for DPDK 22.11 (daemon/telemetry_shape.hpp).
//
// Threads: DPDK calls the providers on its telemetry threads (one per connected client), never
// on the daemon's. A provider must guard what it reads (the daemon takes its host lock) and must
// not block for long: the client waits. Providers are called one at a time.

#include <expected>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace simd {

inline constexpr const char* kTelemetryPf = "/sriovkit/pf";
inline constexpr const char* kTelemetryVfs = "/sriovkit/vfs";
inline constexpr const char* kTelemetryVf = "/sriovkit/vf";
inline constexpr const char* kTelemetryEvents = "/sriovkit/events";

/// What the commands answer. Each returns plain JSON; shape_for_telemetry() fits it to DPDK.
/// A provider that throws makes its command answer null, like an error.
struct TelemetryProviders {
  std::function<nlohmann::json()> pf;   ///< /sriovkit/pf: the PF and the device
  std::function<nlohmann::json()> vfs;  ///< /sriovkit/vfs: every VF
  /// /sriovkit/vf,N: VF N (N parsed strictly, 0..63); nullopt when there is no such VF.
  std::function<std::optional<nlohmann::json>(unsigned vf)> vf;
  std::function<nlohmann::json()> events;  ///< /sriovkit/events: recent events, newest last
};

/// Installs `p` as the providers of the /sriovkit/* commands. The first call in the process
/// registers the commands with rte_telemetry_register_cmd (DPDK cannot unregister them); the
/// EAL need not be up yet, and the commands answer only while an EAL runs with telemetry on
/// (dp::EalOptions::telemetry). A command answers null (DPDK's error reply, for a negative
/// return from the callback) when: its parameter is bad (a parameter on a command that takes
/// none; for /sriovkit/vf anything but decimal digits below 64), the VF does not exist, no
/// providers are installed, the provider throws, or the shaped reply exceeds DPDK's limits
/// (entries, 16 KiB reply).
/// Errors (one line): a provider missing (empty function), providers already installed (call
/// unregister_telemetry() first), DPDK refusing a command (the errno).
/// Thread-safe.
std::expected<void, std::string> register_telemetry(TelemetryProviders p);

/// Removes the providers: from its return no provider is running or will run, and the commands
/// answer null. Call it before destroying what the providers read; not while holding a lock a
/// provider takes (it waits for a running provider). Does nothing when none are installed.
void unregister_telemetry();

}  // namespace simd
