#pragma once
// The VF token: a UUID shared by the owner of a vfio-pci PF and the users of its VFs (Linux
// vfio-pci, 5.7+). DPDK takes it as --vfio-vf-token.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hal::vfio {

class VfToken {
 public:
  /// Parses the canonical 8-4-4-4-12 hex form (either case); nullopt for anything else.
  static std::optional<VfToken> parse(std::string_view s);
  /// A random version-4 UUID (from the OS's random source).
  static VfToken random();

  /// Lower-case canonical form, as the kernel prints it.
  std::string str() const;
  /// The 16 bytes in the order VFIO_DEVICE_FEATURE_PCI_VF_TOKEN takes them (the uuid_t
  /// byte order: the text's hex pairs left to right).
  const std::array<uint8_t, 16>& bytes() const { return b_; }
  bool operator==(const VfToken&) const = default;

 private:
  std::array<uint8_t, 16> b_{};
};

}  // namespace hal::vfio
