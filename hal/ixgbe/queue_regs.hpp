#pragma once
// Queue register fields shared by the PF and VF views of a queue (spec 1d).

#include <cstdint>

namespace hal::ixgbe {

namespace rxdctl {
inline constexpr uint32_t kEnable = 1u << 25;
inline constexpr uint32_t kSwflsh = 1u << 26;
inline constexpr uint32_t kVme = 1u << 30;
}  // namespace rxdctl
namespace txdctl {
inline constexpr uint32_t kEnable = 1u << 25;
inline constexpr uint32_t kSwflsh = 1u << 26;
inline constexpr unsigned kWthreshShift = 16;
}  // namespace txdctl
namespace srrctl {
inline constexpr uint32_t kBsizePktMask = 0x7F;  // 1 KiB units
inline constexpr unsigned kBsizePktShift = 10;    // bytes >> 10
inline constexpr uint32_t kBsizeHdrMask = 0x3F00;
inline constexpr uint32_t kDescTypeMask = 0x0E000000u;
inline constexpr uint32_t kDescTypeLegacy = 0;
inline constexpr uint32_t kDescTypeAdvOneBuf = 0x02000000u;
inline constexpr uint32_t kDropEn = 1u << 28;
}  // namespace srrctl
namespace tdwbal {
inline constexpr uint32_t kHeadWbEnable = 1u << 0;
}

}  // namespace hal::ixgbe
