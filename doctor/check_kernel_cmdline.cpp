// kernel_cmdline: does the command line turn off what SR-IOV assignment needs, or fail to turn
// on what this CPU's kernel leaves off by default (Intel's IOMMU without intel_iommu=on)?

#include <fmt/format.h>

#include "doctor/checks.hpp"
#include "doctor/remedies.hpp"

namespace doctor {

namespace {

// Parameters worth showing in the finding when present.
constexpr std::string_view kRelevant[] = {"intel_iommu", "amd_iommu",         "iommu",
                                          "intremap",    "nointremap",        "pci",
                                          "hugepages",   "default_hugepagesz"};

}  // namespace

Check check_kernel_cmdline(const Host& h, Probe p) {
  if (!p.line("/proc/cmdline")) {
    return std::move(p).warn("cannot read /proc/cmdline", "mount procfs on /proc");
  }
  const KernelCmdline& c = h.cmdline();
  std::vector<std::string> off;
  if (c.has_word("intel_iommu", "off")) off.push_back("intel_iommu=off");
  if (c.has_word("amd_iommu", "off")) off.push_back("amd_iommu=off");
  if (c.has_word("iommu", "off")) off.push_back("iommu=off");
  if (c.has_word("intremap", "off")) off.push_back("intremap=off");
  if (c.get("nointremap")) off.push_back("nointremap");
  if (!off.empty()) {
    return std::move(p).fail(
        fmt::format("the kernel command line turns off the IOMMU or interrupt remapping: {}",
                    join_words(off)),
        remedies::remove_from_cmdline(join_words(off)));
  }
  const bool iommu_active = !h.iommu_groups().empty();
  if (!iommu_active && h.cpu_vendor() == CpuVendor::kIntel && !c.has_word("intel_iommu", "on")) {
    return std::move(p).warn(
        "intel_iommu=on is absent and no IOMMU is active: the Intel IOMMU stays off unless the "
        "kernel was built with CONFIG_INTEL_IOMMU_DEFAULT_ON",
        fmt::format("add intel_iommu=on (and iommu=pt, so devices the host keeps skip "
                    "translation) to the kernel command line ({}) and reboot",
                    remedies::kCmdlineHowTo));
  }
  std::vector<std::string> shown;
  for (const auto& w : c.words()) {
    const std::string key = w.substr(0, w.find('='));
    for (const auto r : kRelevant) {
      if (key == r) shown.push_back(w);
    }
  }
  return std::move(p).pass(
      fmt::format("nothing on the kernel command line turns off the IOMMU or interrupt remapping{}",
                  shown.empty() ? std::string() : " (" + join_words(shown, ", ") + ")"));
}

}  // namespace doctor
