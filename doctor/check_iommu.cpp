// iommu: is DMA translated? The IOMMU groups are the proof: the kernel creates them only when an
// IOMMU driver has taken the devices. /sys/class/iommu says which hardware is there.

#include <fmt/format.h>

#include "doctor/checks.hpp"
#include "doctor/remedies.hpp"

namespace doctor {

namespace {

std::string describe_unit(const std::string& name) {
  if (name.starts_with("dmar")) return name + " (Intel VT-d)";
  if (name.starts_with("ivhd")) return name + " (AMD-Vi)";
  return name;
}

}  // namespace

Check check_iommu(const Host& h, Probe p) {
  const auto units = p.list("/sys/class/iommu");
  const auto groups = p.list("/sys/kernel/iommu_groups");
  std::vector<std::string> described;
  for (const auto& u : units) described.push_back(describe_unit(u));
  if (!groups.empty()) {
    return std::move(p).pass(
        fmt::format("an IOMMU translates DMA: {} IOMMU group(s){}", groups.size(),
                    described.empty() ? std::string() : ", hardware " + join_words(described)));
  }
  if (!units.empty()) {
    return std::move(p).fail(
        fmt::format("IOMMU hardware is registered ({}) but no device is in an IOMMU group: DMA "
                    "is not translated",
                    join_words(described)),
        remedies::enable_iommu(h));
  }
  return std::move(p).fail(
      h.in_vm() ? "no IOMMU is active: this virtual machine has no virtual IOMMU "
                  "(/sys/class/iommu and /sys/kernel/iommu_groups are empty)"
                : "no IOMMU is active (/sys/class/iommu and /sys/kernel/iommu_groups are empty)",
      remedies::enable_iommu(h));
}

}  // namespace doctor
