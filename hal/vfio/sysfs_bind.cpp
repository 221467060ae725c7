#include "hal/vfio/sysfs_bind.hpp"

#include <fmt/format.h>

namespace hal::vfio::sysfs {

std::string bind_vfio_commands(std::string_view bdf, bool bound) {
  std::string out;
  if (bound) out = fmt::format("echo {0} > /sys/bus/pci/devices/{0}/driver/unbind; ", bdf);
  out += fmt::format(
      "echo vfio-pci > /sys/bus/pci/devices/{0}/driver_override; "
      "echo {0} > /sys/bus/pci/drivers_probe (or: dpdk-devbind.py -b vfio-pci {0}); "
      "modprobe vfio-pci first if it is not loaded",
      bdf);
  return out;
}

std::string vfs_to_vfio_advice(std::string_view pf_bdf, std::string_view pf_driver) {
  if (pf_driver == "vfio-pci") {
    return fmt::format(
        "the VFs bind to vfio-pci by themselves (vfio-pci sets driver_override on its PF's "
        "VFs); keep /sys/bus/pci/devices/{0}/sriov_drivers_autoprobe at 1, or they stay unbound",
        pf_bdf);
  }
  // With autoprobe on, the kernel binds each new VF to the first driver that matches its id
  // (ixgbevf), and the VF would have to be unbound again; with it off new VFs stay unbound.
  return fmt::format(
      "VFs must be on vfio-pci before our VF driver can open them: "
      "echo 0 > /sys/bus/pci/devices/{0}/sriov_drivers_autoprobe before writing sriov_numvfs, "
      "then for each VF: echo vfio-pci > /sys/bus/pci/devices/VF/driver_override; "
      "echo VF > /sys/bus/pci/drivers_probe (VF = each address /sys/bus/pci/devices/{0}/virtfnN "
      "points to)",
      pf_bdf);
}

}  // namespace hal::vfio::sysfs
