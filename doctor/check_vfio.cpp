// vfio: can a VF be handed to a VM or a user-space driver? That takes vfio-pci; /dev/vfio/vfio
// is its container device. A kernel that has the module but has not loaded it is one modprobe
// away, so modules.dep and modules.builtin are read too.

#include <fmt/format.h>

#include "doctor/checks.hpp"

namespace doctor {

namespace {

// Module files are named vfio-pci.ko (possibly compressed: .ko.xz, .ko.zst).
bool lists_vfio_pci(const std::optional<std::string>& text) {
  return text && (text->find("/vfio-pci.ko") != std::string::npos ||
                  text->find("/vfio_pci.ko") != std::string::npos);
}

}  // namespace

Check check_vfio(const Host& h, Probe p) {
  const auto noiommu = p.line("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode");
  if (noiommu && (*noiommu == "Y" || *noiommu == "1")) {
    return std::move(p).warn(
        "VFIO runs in no-IOMMU mode: devices it drives get no DMA isolation",
        "echo N > /sys/module/vfio/parameters/enable_unsafe_noiommu_mode and drop "
        "enable_unsafe_noiommu_mode from the vfio module options");
  }
  const bool loaded = p.exists("/sys/module/vfio_pci");
  const bool container = p.exists("/dev/vfio/vfio");
  if (loaded) {
    return std::move(p).pass(container ? "vfio-pci is loaded and /dev/vfio/vfio exists"
                                       : "vfio-pci is loaded");
  }
  const auto release = p.line("/proc/sys/kernel/osrelease");
  bool installed = false;
  if (release) {
    const std::string dir = "/lib/modules/" + *release;
    const bool dep = lists_vfio_pci(h.fs().read_text(dir + "/modules.dep", 16 << 20));
    const bool builtin = lists_vfio_pci(h.fs().read_text(dir + "/modules.builtin", 4 << 20));
    p.note("{}/modules.dep and modules.builtin: {}", dir,
           dep || builtin ? "list vfio-pci" : "do not list vfio-pci (or are missing)");
    installed = dep || builtin;
  }
  if (installed) {
    return std::move(p).warn(
        "vfio-pci is installed but not loaded: VFs cannot be handed to VMs or DPDK yet",
        "modprobe vfio-pci, and add vfio-pci to /etc/modules-load.d/vfio.conf to load it at boot");
  }
  return std::move(p).warn(
      fmt::format("VFIO is not available (vfio-pci is neither loaded nor installed{}): VFs can be "
                  "used by host drivers only",
                  release ? " for kernel " + *release : std::string()),
      "use a kernel built with CONFIG_VFIO_PCI (Debian's linux-image packages are), then "
      "modprobe vfio-pci");
}

}  // namespace doctor
