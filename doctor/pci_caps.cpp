#include "doctor/pci_caps.hpp"

#include <fmt/format.h>

#include <utility>

#include "hal/pci_regs.hpp"

namespace doctor {

namespace {

// The capability header's low four bits are its version; DevCap2/DevCtl2 arrived in version 2.
constexpr uint16_t kExpFlagsVersion = 0x000F;

}  // namespace

CapRead<ExpCap> read_exp_cap(const PciConfig& cfg) {
  const auto at = cfg.find_capability(hal::pci::kCapIdExp);
  if (!at) return std::unexpected(at.error());
  if (!*at) return std::nullopt;
  const uint8_t base = **at;
  const auto flags = cfg.read16(base + pcie::kExpFlags);
  if (!flags) return std::unexpected(CapListError::kTruncated);
  ExpCap e;
  e.at = base;
  e.type = static_cast<pcie::PortType>((*flags & pcie::kExpFlagsPortType) >> 4);
  if ((*flags & kExpFlagsVersion) >= 2) {
    const auto devcap2 = cfg.read32(base + hal::pci::kExpDevCap2);
    const auto devctl2 = cfg.read16(base + hal::pci::kExpDevCtl2);
    if (!devcap2 || !devctl2) return std::unexpected(CapListError::kTruncated);
    e.devcap2 = *devcap2;
    e.devctl2 = *devctl2;
  }
  return e;
}

CapRead<AcsCap> read_acs_cap(const PciConfig& cfg) {
  const auto at = cfg.find_ext_capability(pcie::kExtCapIdAcs);
  if (!at) return std::unexpected(at.error());
  if (!*at) return std::nullopt;
  const auto cap = cfg.read16(**at + pcie::acs::kCap);
  const auto ctrl = cfg.read16(**at + pcie::acs::kCtrl);
  if (!cap || !ctrl) return std::unexpected(CapListError::kTruncated);
  return AcsCap{**at, *cap, *ctrl};
}

CapRead<SriovCap> read_sriov_cap(const PciConfig& cfg) {
  namespace sr = hal::pci::sriov;
  const auto at = cfg.find_ext_capability(hal::pci::kExtCapIdSriov);
  if (!at) return std::unexpected(at.error());
  if (!*at) return std::nullopt;
  const uint16_t base = **at;
  const auto field = [&](uint16_t off) { return cfg.read16(base + off); };
  const auto ctrl = field(sr::kCtrl), initial = field(sr::kInitialVfs),
             total = field(sr::kTotalVfs), num = field(sr::kNumVfs), offset = field(sr::kVfOffset),
             stride = field(sr::kVfStride), device = field(sr::kVfDeviceId);
  if (!ctrl || !initial || !total || !num || !offset || !stride || !device) {
    return std::unexpected(CapListError::kTruncated);
  }
  return SriovCap{base, *ctrl, *initial, *total, *num, *offset, *stride, *device};
}

CapRead<uint16_t> find_ari_cap(const PciConfig& cfg) {
  return cfg.find_ext_capability(hal::pci::kExtCapIdAri);
}

std::string to_string(pcie::PortType t) {
  using pcie::PortType;
  switch (t) {
    case PortType::kEndpoint:
      return "endpoint";
    case PortType::kLegacyEndpoint:
      return "legacy endpoint";
    case PortType::kRootPort:
      return "root port";
    case PortType::kUpstreamPort:
      return "switch upstream port";
    case PortType::kDownstreamPort:
      return "switch downstream port";
    case PortType::kPcieToPciBridge:
      return "PCIe-to-PCI bridge";
    case PortType::kPciToPcieBridge:
      return "PCI-to-PCIe bridge";
    case PortType::kRcIntegratedEndpoint:
      return "root-complex integrated endpoint";
    case PortType::kRcEventCollector:
      return "root-complex event collector";
  }
  return fmt::format("port type {}", static_cast<unsigned>(t));
}

std::string acs_bits(uint16_t bits) {
  namespace acs = pcie::acs;
  static constexpr std::pair<uint16_t, const char*> kNames[] = {
      {acs::kSv, "SV"}, {acs::kTb, "TB"}, {acs::kRr, "RR"}, {acs::kCr, "CR"},
      {acs::kUf, "UF"}, {acs::kEc, "EC"}, {acs::kDt, "DT"}};
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((bits & bit) == 0) continue;
    if (!out.empty()) out += ' ';
    out += name;
  }
  return out.empty() ? "none" : out;
}

}  // namespace doctor
