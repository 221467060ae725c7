#pragma once
// The three capabilities the checks decode, read out of a PciConfig.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

#include "doctor/pci_config.hpp"
#include "doctor/pcie_regs.hpp"

namespace doctor {

/// A list walk's outcome: the capability, nullopt when absent, or why the list is unreadable.
template <typename T>
using CapRead = std::expected<std::optional<T>, CapListError>;

/// The PCI Express capability's fields that place a function in the topology.
struct ExpCap {
  uint8_t at = 0;
  pcie::PortType type = pcie::PortType::kEndpoint;
  uint32_t devcap2 = 0;  // 0 for a version 1 capability, which has no such register
  uint16_t devctl2 = 0;
};

/// Access Control Services: what the port implements and what is switched on.
struct AcsCap {
  uint16_t at = 0;
  uint16_t cap = 0;
  uint16_t ctrl = 0;
};

/// SR-IOV capability registers (SR-IOV 1.1 section 3.3).
struct SriovCap {
  uint16_t at = 0;
  uint16_t ctrl = 0;
  uint16_t initial_vfs = 0;
  uint16_t total_vfs = 0;
  uint16_t num_vfs = 0;
  uint16_t vf_offset = 0;
  uint16_t vf_stride = 0;
  uint16_t vf_device = 0;
};

CapRead<ExpCap> read_exp_cap(const PciConfig& cfg);
CapRead<AcsCap> read_acs_cap(const PciConfig& cfg);
CapRead<SriovCap> read_sriov_cap(const PciConfig& cfg);
/// Offset of the ARI capability.
CapRead<uint16_t> find_ari_cap(const PciConfig& cfg);

/// "root port", "downstream port", ...
std::string to_string(pcie::PortType t);
/// ACS bits by their specification abbreviations: "SV RR CR UF"; "none" for 0.
std::string acs_bits(uint16_t bits);

}  // namespace doctor
