#pragma once
// A PCI function's configuration space as read from sysfs `config`, and bounded walks of its
// capability lists. The bytes come from the host and are not trusted: a list that loops, points
// outside config space or runs past what could be read is reported, never followed blindly.

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <string_view>
#include <vector>

namespace doctor {

/// Why a capability list could not be walked to its end.
enum class CapListError : uint8_t {
  kTruncated,   // the list continues past the bytes read (sysfs gives non-root readers 64 bytes,
                // conventional PCI devices 256)
  kLoop,        // a next pointer returns to a capability already visited
  kBadPointer,  // a next pointer into the standard header (classic) or below 0x100 (extended)
};

std::string_view to_string(CapListError e);

/// Up to 4 KiB of configuration space, little-endian as the bus presents it.
class PciConfig {
 public:
  PciConfig() = default;
  explicit PciConfig(std::vector<uint8_t> bytes);

  size_t size() const { return bytes_.size(); }

  /// Reads past the end of the bytes read give nullopt.
  std::optional<uint8_t> read8(size_t at) const;
  std::optional<uint16_t> read16(size_t at) const;
  std::optional<uint32_t> read32(size_t at) const;

  /// Offset of the first classic capability `id` (0x40-0xFC), nullopt when the list lacks it.
  std::expected<std::optional<uint8_t>, CapListError> find_capability(uint8_t id) const;
  /// Offset of the first extended capability `id` (0x100-0xFFC), nullopt when the list lacks it
  /// or the function has no extended configuration space.
  std::expected<std::optional<uint16_t>, CapListError> find_ext_capability(uint16_t id) const;

 private:
  bool fits(size_t at, size_t width) const;

  std::vector<uint8_t> bytes_;
};

}  // namespace doctor
