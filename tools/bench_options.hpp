#pragma once
// sriov-bench's command line: the scenario and its knobs, parsed with CLI11 and checked so that a
// bad combination is refused before the EAL or the simulated host exists.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "tools/device_args.hpp"

namespace bench {

/// Who sends to whom. On the simulated 82599 every scenario runs through its engine and switch;
/// on a real one (--device vfio) vf-to-vf runs, through the NIC's VEB.
enum class Scenario {
  kVfToVf,    ///< VF 2k -> VF 2k+1, hairpinned through the VEB
  kVfToWire,  ///< every VF -> an address nobody on the host has: out of the port
  kWireToVf,  ///< the built-in wire peer -> every VF, bursts taking turns
  kPfToVf,    ///< the PF's host queues (default pool) -> every VF, bursts taking turns
};

std::string_view to_string(Scenario s);

struct Options {
  Scenario scenario = Scenario::kVfToVf;
  /// VFs enabled and used: vf-to-vf 2 x pairs (senders and receivers), otherwise the VFs that
  /// send (vf-to-wire) or receive (wire-to-vf, pf-to-vf).
  unsigned vfs = 0;
  /// RX/TX queue pairs per VF (and per PF host queue set in pf-to-vf).
  unsigned queues = 1;
  /// Distinct IPv4/UDP flows per sender (source address and UDP source port), for RSS.
  unsigned flows = 64;
  unsigned size = 64;
  unsigned burst = 32;
  unsigned ring = 512;
  double duration = 2.0;
  uint64_t packets = 0;  ///< 0: run for `duration`
  bool json = false;
  /// "thread" or "inline" (resolved: never empty after parse_options); "nic" on --device vfio,
  /// where the NIC itself moves the frames and nothing is stepped.
  std::string engine;
  int engine_cpu = 0;
  int guest_cpu = 1;
  /// devargs of the wire for vf-to-wire and wire-to-vf; "" is the built-in net_ring peer.
  std::string wire;
  /// --device and --vf-token (checked): the simulated 82599, or real functions through VFIO
  /// (vf-to-vf only: VF 2k -> VF 2k+1 through the NIC's VEB).
  tools::DeviceArgs device;
  /// --hugepages (--device vfio only): DPDK's heap on hugepages, checked before the EAL starts.
  bool hugepages = false;
  /// --max-loss PERCENT (--device vfio only): the loss a VF pair may have
  /// (tools/loss_rule.hpp). None: only a receiver that got nothing fails the run (the bench
  /// sends at full rate, where a real NIC may drop at an RX ring overrun).
  std::optional<double> max_loss;

  bool threaded() const { return engine == "thread"; }
  bool on_device() const { return device.vfio(); }
  /// VF pairs in vf-to-vf; 0 in the other scenarios.
  unsigned pairs() const { return scenario == Scenario::kVfToVf ? vfs / 2 : 0; }
  /// The wire is the built-in peer (which the bench drives on the guests' core).
  bool builtin_wire() const { return wire.empty() || wire == "builtin"; }
};

/// Most frames per burst: the engine takes 32 frames per TX queue and pass.
inline constexpr unsigned kMaxBurst = 32;

/// Parses argv. On --help prints the usage and returns 0 as the error; on a usage error prints
/// one line ("sriov-bench: ...") to stderr and returns 2.
std::expected<Options, int> parse_options(int argc, char** argv);

}  // namespace bench
