// sriov_capability: can this PF make VFs, and has it? What "SR-IOV off in the firmware" looks
// like from Linux:
//  - the config space has the SR-IOV capability but TotalVFs is 0. The kernel then sets nothing
//    up for it, so sriov_totalvfs and sriov_numvfs do not exist. This is how adapters whose
//    SR-IOV is switched off in their own NVM or in the system firmware present themselves.
//  - TotalVFs is there but the firmware reserved no address space for the VF BARs: the VF BAR
//    lines of `resource` (8-13, after BARs 0-5 and the ROM) are all zero, and writing
//    sriov_numvfs fails with "not enough MMIO resources for SR-IOV".

#include <fmt/format.h>

#include <sstream>

#include "doctor/checks.hpp"
#include "doctor/pci_caps.hpp"
#include "doctor/remedies.hpp"
#include "hal/pci_regs.hpp"

namespace doctor {

namespace {

constexpr size_t kFirstVfBarLine = 7;  // resource lines: BAR0-5, ROM, then VF BAR0-5
constexpr size_t kVfBarLines = 6;

// Start addresses of the VF BAR lines; nullopt when the kernel printed none (no CONFIG_PCI_IOV).
std::optional<std::vector<uint64_t>> vf_bar_starts(const PciDevice& pf) {
  if (pf.resource.size() < kFirstVfBarLine + kVfBarLines) return std::nullopt;
  std::vector<uint64_t> starts;
  for (size_t i = kFirstVfBarLine; i < kFirstVfBarLine + kVfBarLines; ++i) {
    uint64_t start = 0;
    std::istringstream(pf.resource[i]) >> std::hex >> start;
    starts.push_back(start);
  }
  return starts;
}

}  // namespace

std::optional<Check> check_sriov_capability(const Host&, const PciDevice& pf, Probe p) {
  namespace sr = hal::pci::sriov;
  const auto cap = read_sriov_cap(pf.config);
  if (!cap) {
    p.note("{}/config: {} bytes, {}", pf.sysfs(), pf.config.size(), to_string(cap.error()));
  } else if (!*cap) {
    p.note("{}/config: no SR-IOV capability in {} bytes", pf.sysfs(), pf.config.size());
  } else {
    const SriovCap& c = **cap;
    p.note(
        "{}/config: SR-IOV capability at {:#05x}: TotalVFs {}, InitialVFs {}, NumVFs {}, "
        "First VF Offset {:#x}, VF Stride {}, VF Enable {}, VF MSE {}, ARI Capable Hierarchy {}",
        pf.sysfs(), c.at, c.total_vfs, c.initial_vfs, c.num_vfs, c.vf_offset, c.vf_stride,
        (c.ctrl & sr::kCtrlVfe) ? 1 : 0, (c.ctrl & sr::kCtrlMse) ? 1 : 0,
        (c.ctrl & sr::kCtrlAri) ? 1 : 0);
  }
  const auto total = p.integer(pf.sysfs() + "/sriov_totalvfs");
  const auto num = p.integer(pf.sysfs() + "/sriov_numvfs");
  const uint16_t config_total = (cap && *cap) ? (*cap)->total_vfs : 0;

  if (!total && config_total > 0) {
    return std::move(p).fail(
        fmt::format("the config space offers {} VFs but the kernel set up no SR-IOV for the PF "
                    "(no sriov_totalvfs)",
                    config_total),
        "use a kernel built with CONFIG_PCI_IOV and look in dmesg for why the PF's SR-IOV "
        "capability failed to initialise");
  }
  if (!total || *total == 0) {
    return std::move(p).fail(
        "SR-IOV is off in the firmware: the device has the SR-IOV capability but offers "
        "TotalVFs = 0, so there is no sriov_numvfs to enable VFs with",
        "enable SR-IOV in the system firmware setup (PCIe or integrated-device settings) and in "
        "the adapter's own firmware configuration (its NVM setting, set with the vendor's "
        "tool), then power-cycle the host");
  }
  if (const auto starts = vf_bar_starts(pf)) {
    bool any = false;
    for (const uint64_t s : *starts) any |= s != 0;
    p.note("{}/resource: VF BAR lines 8-13 {}", pf.sysfs(), any ? "assigned" : "all zero");
    if (!any) {
      return std::move(p).fail(
          "the firmware reserved no address space for the VF BARs: enabling VFs fails with "
          "\"not enough MMIO resources for SR-IOV\"",
          fmt::format("enable SR-IOV and 'Above 4G decoding' in the firmware setup so it "
                      "reserves VF BAR space, or boot with pci=realloc ({})",
                      remedies::kCmdlineHowTo));
    }
  }
  if (!num || *num == 0) {
    return std::move(p).warn(
        fmt::format("SR-IOV is available ({} VFs) but no VF is enabled; the VF checks wait "
                    "for VFs",
                    *total),
        fmt::format("echo N > {}/sriov_numvfs (N up to {})", pf.sysfs(), *total));
  }
  if (pf.virtfns.size() != static_cast<size_t>(*num)) {
    p.note("{}: {} virtfn links for {} VFs", pf.sysfs(), pf.virtfns.size(), *num);
  }
  return std::move(p).pass(fmt::format("{} of {} VFs enabled", *num, *total));
}

}  // namespace doctor
