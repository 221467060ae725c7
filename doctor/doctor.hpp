#pragma once
// The catalogue of checks and a run over a host.

#include <optional>
#include <span>
#include <string_view>

#include "doctor/check.hpp"
#include "doctor/fs.hpp"
#include "doctor/host.hpp"
#include "doctor/pci_device.hpp"
#include "doctor/probe.hpp"

namespace doctor {

/// A check of the host as a whole.
struct HostCheck {
  std::string_view name;
  Check (*run)(const Host&, Probe);
};

/// A check run once per SR-IOV physical function; nullopt where it does not apply.
struct DeviceCheck {
  std::string_view name;
  std::optional<Check> (*run)(const Host&, const PciDevice&, Probe);
};

/// In report order.
std::span<const HostCheck> host_checks();
std::span<const DeviceCheck> device_checks();

/// Runs every host check, then every device check for each physical function in address order.
/// Reads only; never fails (what cannot be read becomes a finding).
Report run_checks(const Fs& fs);

}  // namespace doctor
