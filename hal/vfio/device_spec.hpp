#pragma once
// What a tool's `--device` names: the simulated 82599 ("sim", the default) or functions of a
// real one opened through VFIO ("vfio:0000:03:00.0", or several VFs "vfio:0000:03:10.0,0000:03:10.2").
// Parsed once, before anything is opened, so a typo is a usage error and touches nothing.

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace hal::vfio {

enum class DeviceKind : uint8_t {
  kSim,   ///< the simulated 82599 (hal/sim)
  kVfio,  ///< PCI functions bound to vfio-pci
};

struct DeviceSpec {
  DeviceKind kind = DeviceKind::kSim;
  /// kVfio: the addresses in canonical sysfs form ("0000:03:10.0": lower-case hex, 4-digit
  /// domain or longer), in the order given, no duplicates. Empty for kSim.
  std::vector<std::string> bdfs;

  bool sim() const { return kind == DeviceKind::kSim; }
  /// "sim" or "vfio:ADDR[,ADDR...]" (canonical), as the tools print it.
  std::string str() const;
};

/// Parses a `--device` value: "sim", or "vfio:" and a comma-separated list of addresses. An
/// address is DDDD:BB:DD.F as sysfs names it (hex, either case; device 00-1f, function 0-7);
/// the short BB:DD.F means domain 0000, as lspci prints it.
/// Errors: one line naming the bad token and what is expected ("bogus" is neither "sim" nor
/// "vfio:...", "0000:03:00.x" is not a PCI address, an empty list, an address given twice).
std::expected<DeviceSpec, std::string> parse_device_spec(std::string_view s);

}  // namespace hal::vfio
