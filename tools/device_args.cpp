#include "tools/device_args.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace tools {

void add_device_options(CLI::App& app, DeviceArgs& args) {
  app.add_option("--device", args.device,
                 "what to run on: sim (the simulated 82599, default) or vfio:DDDD:BB:DD.F, an "
                 "82599 PF bound to vfio-pci (our PF driver and its VFs), or "
                 "vfio:BDF,BDF,... VFs bound to vfio-pci (their PF elsewhere); docs/hardware.md");
  app.add_option("--vf-token", args.vf_token,
                 "--device vfio: the VF token (UUID) shared with vfio-pci: PF mode sets it "
                 "(default: a random one, printed), VF mode presents it (needed when the VFs' "
                 "PF is bound to vfio-pci)");
}

std::string check_device_args(DeviceArgs& args) {
  auto spec = hal::vfio::parse_device_spec(args.device);
  if (!spec) return fmt::format("--device: {}", spec.error());
  args.spec = std::move(*spec);
  if (args.vf_token.empty()) return {};
  if (args.spec.sim()) return "--vf-token: only with --device vfio:...";
  args.token = hal::vfio::VfToken::parse(args.vf_token);
  if (!args.token) {
    return fmt::format(
        "--vf-token: \"{}\" is not a UUID (want xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, hex)",
        args.vf_token);
  }
  return {};
}

std::string sim_only(std::string_view what, std::string_view why) {
  return fmt::format("{} runs on the simulated 82599 only (--device sim): {}", what, why);
}

}  // namespace tools
