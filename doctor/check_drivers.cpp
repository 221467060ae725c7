// drivers: VFs are created through the PF's driver (its sriov_configure handler behind
// sriov_numvfs), and each VF is used through a driver of its own: the VF driver for the host
// (ixgbevf for an 82599) or vfio-pci to hand it to a VM or DPDK.

#include <fmt/format.h>

#include "doctor/checks.hpp"

namespace doctor {

std::optional<Check> check_drivers(const Host&, const PciDevice& pf, Probe p) {
  const auto pf_driver = p.link(pf.sysfs() + "/driver");
  std::vector<std::string> bound, unbound;
  for (const Bdf& vf : pf.virtfns) {
    const auto d = p.link("/sys/bus/pci/devices/" + vf.str() + "/driver");
    if (d) {
      bound.push_back(fmt::format("{} {}", vf, *d));
    } else {
      unbound.push_back(vf.str());
    }
  }
  if (!pf_driver) {
    return std::move(p).fail(
        "no driver is bound to the PF: VFs are created through the PF's driver",
        fmt::format("load the PF's driver (modprobe ixgbe for an Intel 82599, for example) or "
                    "bind it: echo {} > /sys/bus/pci/drivers/DRIVER/bind",
                    pf.bdf));
  }
  if (!unbound.empty()) {
    std::string why;
    if (!pf.virtfns.empty()) {
      const auto autoprobe = p.integer(pf.sysfs() + "/sriov_drivers_autoprobe");
      if (autoprobe && *autoprobe == 0) why = " (sriov_drivers_autoprobe is 0)";
    }
    return std::move(p).warn(
        fmt::format("{} of {} VFs have no driver{}: {}", unbound.size(), pf.virtfns.size(), why,
                    join_words(unbound)),
        "to hand a VF to a VM or DPDK, bind vfio-pci: echo vfio-pci > "
        "/sys/bus/pci/devices/VF/driver_override; echo VF > /sys/bus/pci/drivers_probe; to use "
        "it on the host, load the VF driver (ixgbevf for an 82599)");
  }
  return std::move(p).pass(fmt::format(
      "PF bound to {}{}", *pf_driver,
      bound.empty() ? std::string("; no VFs yet") : "; VFs: " + join_words(bound, ", ")));
}

}  // namespace doctor
