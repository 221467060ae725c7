#pragma once
// `--device sim|vfio:BDF[,BDF...]` and `--vf-token UUID`, the same on every tool: what the tool
// runs on (the simulated 82599 by default, or functions of a real one through VFIO:
// harness/hw/hw_host.hpp, docs/hardware.md), checked before anything is opened.
//
// Exit statuses, as the tools' others: 2 for a bad value or a mode that cannot run on the
// device named (usage), 1 when the device named is not usable on this host (no such function,
// wrong driver, no IOMMU: the OpenError's "what. Fix: ..." line).

#include <optional>
#include <string>
#include <string_view>

#include "hal/vfio/device_spec.hpp"
#include "hal/vfio/vf_token.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace tools {

struct DeviceArgs {
  std::string device = "sim";
  std::string vf_token;
  /// Filled in by check_device_args().
  hal::vfio::DeviceSpec spec;
  std::optional<hal::vfio::VfToken> token;
  bool vfio() const { return !spec.sim(); }
};

/// Adds --device and --vf-token to `app`.
void add_device_options(CLI::App& app, DeviceArgs& args);

/// After parsing: parses --device and --vf-token into args.spec and args.token. Returns ""
/// or the usage error, one line naming the bad value ("--device: ...", "--vf-token: ...").
std::string check_device_args(DeviceArgs& args);

/// The one-line refusal of a mode that needs the simulated device's internals:
/// "<what> runs on the simulated 82599 only (--device sim): <why>".
std::string sim_only(std::string_view what, std::string_view why);

}  // namespace tools
