#pragma once
// The shell commands that move a PCI function to vfio-pci, worded once for every error that
// names them (wrong driver, a group member on a host driver, VFs of a PF).

#include <string>
#include <string_view>

namespace hal::vfio::sysfs {

/// "echo BDF > /sys/bus/pci/devices/BDF/driver/unbind; echo vfio-pci > .../driver_override;
/// echo BDF > /sys/bus/pci/drivers_probe". The unbind step only when `bound` (the function has
/// a driver now). driver_override makes the probe pick vfio-pci whatever the id tables say.
std::string bind_vfio_commands(std::string_view bdf, bool bound);

/// How VFs of `pf_bdf` end up on vfio-pci instead of the kernel's VF driver: autoprobe off
/// before they are created, then driver_override and drivers_probe for each.
std::string vfs_to_vfio_advice(std::string_view pf_bdf);

}  // namespace hal::vfio::sysfs
