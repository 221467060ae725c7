// vf_isolation: the IOMMU group is the unit VFIO assigns, so a VF that shares its group cannot
// go to a VM by itself. The groups are the kernel's final word, whatever ACS and quirks said.

#include <fmt/format.h>

#include <algorithm>

#include "doctor/checks.hpp"
#include "doctor/remedies.hpp"

namespace doctor {

std::optional<Check> check_vf_isolation(const Host& h, const PciDevice& pf, Probe p) {
  if (pf.virtfns.empty()) return std::nullopt;
  std::vector<std::string> no_group, shared, groups;
  for (const Bdf& vf : pf.virtfns) {
    const auto group = p.link("/sys/bus/pci/devices/" + vf.str() + "/iommu_group");
    if (!group) {
      no_group.push_back(vf.str());
      continue;
    }
    groups.push_back(*group);
    auto members = p.list("/sys/kernel/iommu_groups/" + *group + "/devices");
    std::erase(members, vf.str());
    if (!members.empty()) {
      shared.push_back(fmt::format("{} shares group {} with {}", vf, *group, join_words(members)));
    }
  }
  if (!no_group.empty()) {
    return std::move(p).fail(
        fmt::format("{} of {} VFs are in no IOMMU group ({}): without an IOMMU no VF can be "
                    "assigned safely",
                    no_group.size(), pf.virtfns.size(), join_words(no_group)),
        remedies::enable_iommu(h));
  }
  if (!shared.empty()) {
    return std::move(p).fail(
        fmt::format("{}; a group is assigned as a whole", join_words(shared, "; ")),
        "give the path to the adapter ACS (see the acs check); until then everything in a group "
        "must go to the same VM");
  }
  return std::move(p).pass(fmt::format("each of the {} VFs is alone in its IOMMU group ({})",
                                       pf.virtfns.size(), join_words(groups, ", ")));
}

}  // namespace doctor
