// acs: a PF and its VFs get IOMMU groups of their own only when every root or switch downstream
// port between them and the root complex has Access Control Services that force peer-to-peer
// traffic up through the IOMMU: Linux asks for SV, RR, CR and UF, counting a control the port
// does not implement as hard-wired on (the specification requires the control wherever the
// port could route peer to peer). Switch upstream ports and endpoints route nothing to peers.
// Linux also knows ports that isolate without announcing ACS (device-specific quirks); the PF's
// actual IOMMU group shows when that is the case.

#include <fmt/format.h>

#include "doctor/checks.hpp"
#include "doctor/pci_caps.hpp"
#include "doctor/remedies.hpp"

namespace doctor {

namespace {

using pcie::PortType;

struct PathVerdict {
  std::vector<std::string> blocking;    // ports that break isolation
  std::vector<std::string> unreadable;  // ports whose config could not be read
  std::vector<std::string> good;        // ports with ACS on
};

// Looks at one port above the PF and records its share of the verdict.
void judge_port(const Host& h, const Bdf& b, Probe& p, PathVerdict& v) {
  const PciDevice* port = h.find(b);
  if (!port) {
    p.note("{}: not under /sys/bus/pci/devices", b);
    v.unreadable.push_back(b.str());
    return;
  }
  const auto exp = read_exp_cap(port->config);
  if (!exp) {
    p.note("{}/config: {} bytes, {}", port->sysfs(), port->config.size(), to_string(exp.error()));
    v.unreadable.push_back(b.str());
    return;
  }
  if (!*exp) {
    p.note("{}/config: conventional PCI bridge", port->sysfs());
    v.blocking.push_back(fmt::format("{} is a conventional PCI bridge", b));
    return;
  }
  const PortType type = (*exp)->type;
  if (type == PortType::kPcieToPciBridge || type == PortType::kPciToPcieBridge) {
    p.note("{}/config: {}", port->sysfs(), to_string(type));
    v.blocking.push_back(
        fmt::format("{} is a {} (requests below it carry its id)", b, to_string(type)));
    return;
  }
  if (type != PortType::kRootPort && type != PortType::kDownstreamPort) {
    p.note("{}/config: {}, no ACS needed", port->sysfs(), to_string(type));
    return;
  }
  const auto acs = read_acs_cap(port->config);
  if (!acs) {
    p.note("{}/config: {}, {}", port->sysfs(), to_string(type), to_string(acs.error()));
    v.unreadable.push_back(b.str());
    return;
  }
  if (!*acs) {
    p.note("{}/config: {}, no ACS capability", port->sysfs(), to_string(type));
    v.blocking.push_back(fmt::format("{} ({}) has no ACS capability", b, to_string(type)));
    return;
  }
  const uint16_t needed = pcie::acs::kIsolation & (*acs)->cap;
  const uint16_t off = needed & static_cast<uint16_t>(~(*acs)->ctrl);
  p.note("{}/config: {}, ACS at {:#05x}: implements {}, enabled {}", port->sysfs(), to_string(type),
         (*acs)->at, acs_bits((*acs)->cap), acs_bits((*acs)->ctrl));
  if (off != 0) {
    v.blocking.push_back(
        fmt::format("{} ({}) has ACS {} switched off", b, to_string(type), acs_bits(off)));
  } else {
    v.good.push_back(fmt::format("{} ({})", b, to_string(type)));
  }
}

// A multifunction PF without ACS shares its group with its sibling functions. Its VFs are not
// affected: Linux never treats VFs as multifunction peers.
std::optional<std::string> multifunction_gap(const PciDevice& pf, Probe& p) {
  if (!pf.multifunction()) return std::nullopt;
  const auto acs = read_acs_cap(pf.config);
  if (acs && *acs && (pcie::acs::kIsolation & (*acs)->cap & ~(*acs)->ctrl) == 0)
    return std::nullopt;
  p.note("{}/config: multifunction device, {}", pf.sysfs(),
         acs && *acs ? "ACS not fully enabled" : "no ACS capability");
  return fmt::format(
      "{} is one of several functions of its device and has no ACS: it shares an "
      "IOMMU group with its sibling functions (its VFs are not affected)",
      pf.bdf);
}

}  // namespace

std::optional<Check> check_acs(const Host& h, const PciDevice& pf, Probe p) {
  p.note("{} -> {}", pf.sysfs(), pf.path);
  PathVerdict v;
  for (const Bdf& b : pf.upstream) judge_port(h, b, p, v);

  if (!v.blocking.empty()) {
    const std::string what = join_words(v.blocking, "; ");
    const auto members =
        pf.iommu_group ? h.iommu_group_members(*pf.iommu_group) : std::vector<std::string>{};
    if (members.size() == 1 && members.front() == pf.bdf.str()) {
      return std::move(p).warn(
          fmt::format("{}; yet the PF has an IOMMU group of its own, so a kernel quirk for that "
                      "port stands in for ACS",
                      what),
          "nothing to do while the kernel keeps that quirk; a slot behind a port with ACS does "
          "not depend on it");
    }
    return std::move(p).fail(
        fmt::format("{}: peer-to-peer traffic below it can bypass the IOMMU, so the PF, its VFs "
                    "and any other device below it cannot be isolated from one another",
                    what),
        "enable ACS in the firmware setup if it offers it, or move the adapter to a slot behind "
        "a root or switch port with ACS; the out-of-tree pcie_acs_override patch only pretends "
        "isolation");
  }
  if (!v.unreadable.empty()) {
    return std::move(p).warn(fmt::format("cannot read the config space of {}: ACS not verified",
                                         join_words(v.unreadable)),
                             std::string(remedies::kRunAsRoot));
  }
  if (const auto gap = multifunction_gap(pf, p)) {
    return std::move(p).warn(*gap,
                             "assign the PF only together with its sibling functions; "
                             "VFs can be assigned one by one");
  }
  if (v.good.empty()) {
    return std::move(p).pass(
        "no root or switch downstream port lies above the PF: nothing on its "
        "path needs ACS");
  }
  return std::move(p).pass(
      fmt::format("ACS isolates every port above the PF: {}", join_words(v.good)));
}

}  // namespace doctor
