#pragma once
// PCI configuration-space layout (PCI Local Bus 3.0, PCIe Base and SR-IOV 1.1 specifications).

#include <cstdint>

namespace hal::pci {

inline constexpr uint16_t kVendorId = 0x00;
inline constexpr uint16_t kDeviceId = 0x02;
inline constexpr uint16_t kCommand = 0x04;
inline constexpr uint16_t kStatus = 0x06;
inline constexpr uint16_t kRevisionClass = 0x08;
inline constexpr uint16_t kHeaderType = 0x0E;
inline constexpr uint16_t kBar0 = 0x10;
inline constexpr uint16_t kSubsystemVendorId = 0x2C;
inline constexpr uint16_t kSubsystemId = 0x2E;
inline constexpr uint16_t kCapPtr = 0x34;

inline constexpr uint16_t kCommandMemory = 1u << 1;  // Memory Space Enable
inline constexpr uint16_t kCommandMaster = 1u << 2;  // Bus Master Enable
inline constexpr uint16_t kStatusCapList = 1u << 4;

// Classic capability ids.
inline constexpr uint8_t kCapIdPm = 0x01;
inline constexpr uint8_t kCapIdMsi = 0x05;
inline constexpr uint8_t kCapIdExp = 0x10;
inline constexpr uint8_t kCapIdMsix = 0x11;

// PCI Express capability, offsets from the capability.
inline constexpr uint16_t kExpDevCap = 0x04;
inline constexpr uint16_t kExpDevCtl = 0x08;
inline constexpr uint16_t kExpDevSta = 0x0A;
inline constexpr uint16_t kExpDevStaTransPending = 1u << 5;  // Transaction Pending
inline constexpr uint32_t kExpDevCapFlr = 1u << 28;       // Function Level Reset capable
inline constexpr uint16_t kExpDevCtlBcrFlr = 1u << 15;    // Initiate Function Level Reset
inline constexpr uint16_t kExpDevCap2 = 0x24;
inline constexpr uint16_t kExpDevCtl2 = 0x28;
inline constexpr uint16_t kExpDevCtl2AriFwd = 1u << 5;    // ARI Forwarding Enable (downstream port)

// Extended capabilities.
inline constexpr uint16_t kExtCapStart = 0x100;
inline constexpr uint16_t kExtCapIdAer = 0x0001;
inline constexpr uint16_t kExtCapIdAri = 0x000E;
inline constexpr uint16_t kExtCapIdSriov = 0x0010;

// SR-IOV extended capability, offsets from the capability (SR-IOV 1.1 section 3.3).
namespace sriov {
inline constexpr uint16_t kCap = 0x04;           // SR-IOV Capabilities (32)
inline constexpr uint16_t kCtrl = 0x08;          // SR-IOV Control (16)
inline constexpr uint16_t kStatus = 0x0A;        // SR-IOV Status (16)
inline constexpr uint16_t kInitialVfs = 0x0C;    // (16)
inline constexpr uint16_t kTotalVfs = 0x0E;      // (16)
inline constexpr uint16_t kNumVfs = 0x10;        // (16)
inline constexpr uint16_t kFuncDepLink = 0x12;   // (8)
inline constexpr uint16_t kVfOffset = 0x14;      // First VF Offset (16)
inline constexpr uint16_t kVfStride = 0x16;      // (16)
inline constexpr uint16_t kVfDeviceId = 0x1A;    // (16)
inline constexpr uint16_t kSupportedPageSizes = 0x1C;
inline constexpr uint16_t kSystemPageSize = 0x20;
inline constexpr uint16_t kVfBar0 = 0x24;        // VF BAR0..5 at 0x24..0x38

inline constexpr uint16_t kCtrlVfe = 1u << 0;    // VF Enable
inline constexpr uint16_t kCtrlVfm = 1u << 1;    // VF Migration Enable
inline constexpr uint16_t kCtrlIntr = 1u << 2;   // VF Migration Interrupt Enable
inline constexpr uint16_t kCtrlMse = 1u << 3;    // VF Memory Space Enable
inline constexpr uint16_t kCtrlAri = 1u << 4;    // ARI Capable Hierarchy
}  // namespace sriov

}  // namespace hal::pci
