#pragma once
// 82599 PCI identities and the SR-IOV capability values it exposes (spec 1d, 6).

#include <cstdint>

namespace hal::ixgbe {

inline constexpr uint16_t kVendorIntel = 0x8086;
inline constexpr uint16_t kDevice82599Sfp = 0x10FB;  // 82599ES SFP+ (X520)
inline constexpr uint16_t kDevice82599Vf = 0x10ED;

inline constexpr uint16_t kSriovCapOffset = 0x160;
inline constexpr uint16_t kAriCapOffset = 0x150;
inline constexpr uint16_t kTotalVfs = 64;
inline constexpr uint16_t kInitialVfs = 64;
inline constexpr uint16_t kFirstVfOffsetAri = 0x80;
inline constexpr uint16_t kFirstVfOffsetNoAri = 0x180;
inline constexpr uint16_t kVfStride = 2;
inline constexpr uint32_t kSupportedPageSizes = 0x553;

/// Linux's IXGBE_MAX_VFS_DRV_LIMIT: one pool stays with the PF.
inline constexpr unsigned kMaxVfsDriver = 63;

}  // namespace hal::ixgbe
