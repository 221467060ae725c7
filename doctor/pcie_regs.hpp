#pragma once
// The configuration-space fields sriov-doctor reads that hal/pci_regs.hpp does not define
// (PCIe Base specification: PCI Express capability, ACS extended capability).

#include <cstdint>

namespace doctor::pcie {

inline constexpr uint8_t kHeaderTypeMultiFunction = 0x80;  // header type bit 7

// PCI Express capability, offsets from the capability.
inline constexpr uint16_t kExpFlags = 0x02;             // PCI Express Capabilities register (16)
inline constexpr uint16_t kExpFlagsPortType = 0x00F0;   // Device/Port Type, bits 7:4
inline constexpr uint32_t kExpDevCap2AriFwd = 1u << 5;  // ARI Forwarding Supported (ports)

/// Device/Port Type of the PCI Express capability.
enum class PortType : uint8_t {
  kEndpoint = 0x0,
  kLegacyEndpoint = 0x1,
  kRootPort = 0x4,
  kUpstreamPort = 0x5,
  kDownstreamPort = 0x6,
  kPcieToPciBridge = 0x7,
  kPciToPcieBridge = 0x8,
  kRcIntegratedEndpoint = 0x9,
  kRcEventCollector = 0xA,
};

// Access Control Services extended capability.
inline constexpr uint16_t kExtCapIdAcs = 0x000D;
namespace acs {
inline constexpr uint16_t kCap = 0x04;    // ACS Capability register (16)
inline constexpr uint16_t kCtrl = 0x06;   // ACS Control register (16)
inline constexpr uint16_t kSv = 1u << 0;  // Source Validation
inline constexpr uint16_t kTb = 1u << 1;  // Translation Blocking
inline constexpr uint16_t kRr = 1u << 2;  // P2P Request Redirect
inline constexpr uint16_t kCr = 1u << 3;  // P2P Completion Redirect
inline constexpr uint16_t kUf = 1u << 4;  // Upstream Forwarding
inline constexpr uint16_t kEc = 1u << 5;  // P2P Egress Control
inline constexpr uint16_t kDt = 1u << 6;  // Direct Translated P2P
// What Linux asks of every port above a device before it gives the device its own IOMMU group:
// requests carry a validated requester id, and no peer-to-peer request or completion turns
// around below the IOMMU.
inline constexpr uint16_t kIsolation = kSv | kRr | kCr | kUf;
}  // namespace acs

}  // namespace doctor::pcie
