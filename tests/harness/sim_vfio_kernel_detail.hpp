#pragma once
// What the files of SimVfioKernel share: vfio-pci's region layout and small helpers. Inline,
// so the files can be compiled as one unity batch.

#include <cstdint>
#include <filesystem>
#include <string>

#include <fmt/format.h>

namespace sim_vfio::detail {

inline constexpr uint64_t kRegionShift = 40;  // vfio-pci: VFIO_PCI_OFFSET_SHIFT
inline constexpr uint64_t kRegionMask = (uint64_t{1} << kRegionShift) - 1;
inline constexpr uint64_t kPageSize = 4096;   // the smallest IOMMU page: type1's alignment unit
inline constexpr uint32_t kConfigSize = 4096;
inline constexpr uint16_t kSriovCapLen = 0x40;

/// "0000:BB:DD.F" of a routing id.
inline std::string bdf_of(uint16_t rid) {
  return fmt::format("0000:{:02x}:{:02x}.{:x}", rid >> 8, (rid >> 3) & 0x1F, rid & 7);
}

/// `p` with links resolved, or `p` itself when that fails.
inline std::string canonical(const std::string& p) {
  std::error_code ec;
  const std::filesystem::path c = std::filesystem::weakly_canonical(p, ec);
  return ec ? p : c.string();
}

/// A UUID's 16 bytes in canonical text.
inline std::string uuid_text(const uint8_t* b) {
  std::string s;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += fmt::format("{:02x}", b[i]);
  }
  return s;
}

}  // namespace sim_vfio::detail
