// sriov_devices: is there anything to make VFs from? A physical function has the SR-IOV
// extended capability in its config space (sysfs `config`, full only for root) or, once the
// kernel set SR-IOV up for it, a sriov_totalvfs attribute.

#include <fmt/format.h>

#include "doctor/checks.hpp"
#include "doctor/remedies.hpp"

namespace doctor {

namespace {

constexpr size_t kDevicesShown = 8;
constexpr size_t kUnprivilegedConfig = 64;  // what sysfs shows a non-root reader

std::string describe(const PciDevice& d) {
  return fmt::format("{} ({}{})", d.bdf, d.ids(), d.driver ? ", " + *d.driver : std::string());
}

}  // namespace

Check check_sriov_devices(const Host& h, Probe p) {
  const auto& devices = h.devices();
  p.note("/sys/bus/pci/devices: {} functions", devices.size());
  size_t partial = 0;
  for (size_t i = 0; i < devices.size(); ++i) {
    const auto& d = devices[i];
    if (d.config.size() <= kUnprivilegedConfig) ++partial;
    if (i < kDevicesShown) {
      p.note("{}: {}, class {:06x}, config {} bytes", d.bdf, d.ids(), d.class_code.value_or(0),
             d.config.size());
    }
  }
  const auto pfs = h.physical_functions();
  if (!pfs.empty()) {
    std::vector<std::string> names;
    for (const auto* pf : pfs) names.push_back(describe(*pf));
    return std::move(p).pass(fmt::format("{} PCI function(s) with the SR-IOV capability: {}",
                                         pfs.size(), join_words(names)));
  }
  if (devices.empty()) {
    return std::move(p).fail("no PCI function is visible under /sys/bus/pci/devices",
                             "mount sysfs on /sys; a host without PCI has no SR-IOV");
  }
  if (partial == devices.size()) {
    return std::move(p).fail(
        fmt::format("none of the {} PCI functions shows SR-IOV, but only the first 64 bytes of "
                    "their config space were readable",
                    devices.size()),
        std::string(remedies::kRunAsRoot));
  }
  if (h.in_vm()) {
    return std::move(p).fail(
        fmt::format("none of the {} PCI functions has the SR-IOV capability: this is a virtual "
                    "machine and its devices are emulated or paravirtual",
                    devices.size()),
        "pass an SR-IOV capable physical function through to this VM (a VF passed through "
        "cannot create VFs of its own), or run sriov-doctor on the physical host");
  }
  return std::move(p).fail(
      fmt::format("none of the {} PCI functions has the SR-IOV capability", devices.size()),
      "install an SR-IOV capable adapter (an Intel 82599/X520, for example) and enable SR-IOV "
      "in the firmware setup");
}

}  // namespace doctor
