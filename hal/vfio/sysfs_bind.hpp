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

/// How VFs of `pf_bdf`, whose driver is `pf_driver`, end up on vfio-pci. A vfio-pci PF's VFs
/// get there by themselves: vfio-pci sets driver_override on its own VFs as they appear
/// (Linux 5.7+), so autoprobe must stay on (with it off they would stay unbound). Under a
/// kernel PF driver (ixgbe) autoprobe would bind them to ixgbevf first: autoprobe off before
/// they are created, then driver_override and drivers_probe for each.
std::string vfs_to_vfio_advice(std::string_view pf_bdf, std::string_view pf_driver);

}  // namespace hal::vfio::sysfs
