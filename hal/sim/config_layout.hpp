#pragma once
// Where the simulated 82599 places its capabilities in config space. The PF and its VFs put
// MSI-X and PCI Express at the same offsets, as the real part does.

#include <cstdint>

namespace sim::cfg_layout {

inline constexpr uint16_t kMsixCap = 0x70;
inline constexpr uint16_t kExpCap = 0xA0;

}  // namespace sim::cfg_layout
