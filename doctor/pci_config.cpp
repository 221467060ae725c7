#include "doctor/pci_config.hpp"

#include <bitset>

#include "hal/pci_regs.hpp"

namespace doctor {

namespace {

constexpr size_t kClassicEnd = 0x100;   // classic capabilities live in the first 256 bytes
constexpr size_t kClassicFirst = 0x40;  // after the standard header
constexpr size_t kExtendedEnd = 0x1000;

}  // namespace

std::string_view to_string(CapListError e) {
  switch (e) {
    case CapListError::kTruncated:
      return "capability list runs past the bytes read";
    case CapListError::kLoop:
      return "capability list loops";
    case CapListError::kBadPointer:
      return "capability list points outside its area";
  }
  return "?";
}

PciConfig::PciConfig(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {
  if (bytes_.size() > kExtendedEnd) bytes_.resize(kExtendedEnd);
}

// Each read compares against the room left after `at`, so no offset can wrap around.
bool PciConfig::fits(size_t at, size_t width) const {
  return at <= bytes_.size() && bytes_.size() - at >= width;
}

std::optional<uint8_t> PciConfig::read8(size_t at) const {
  if (!fits(at, 1)) return std::nullopt;
  return bytes_[at];
}

std::optional<uint16_t> PciConfig::read16(size_t at) const {
  if (!fits(at, 2)) return std::nullopt;
  return static_cast<uint16_t>(bytes_[at] | bytes_[at + 1] << 8);
}

std::optional<uint32_t> PciConfig::read32(size_t at) const {
  if (!fits(at, 4)) return std::nullopt;
  return static_cast<uint32_t>(bytes_[at]) | static_cast<uint32_t>(bytes_[at + 1]) << 8 |
         static_cast<uint32_t>(bytes_[at + 2]) << 16 | static_cast<uint32_t>(bytes_[at + 3]) << 24;
}

std::expected<std::optional<uint8_t>, CapListError> PciConfig::find_capability(uint8_t id) const {
  const auto status = read16(hal::pci::kStatus);
  const auto first = read8(hal::pci::kCapPtr);
  if (!status || !first) return std::unexpected(CapListError::kTruncated);
  if ((*status & hal::pci::kStatusCapList) == 0) return std::nullopt;
  // The low two bits of every pointer are reserved; software masks them.
  size_t at = *first & 0xFC;
  std::bitset<kClassicEnd / 4> seen;
  while (at != 0) {
    if (at < kClassicFirst) return std::unexpected(CapListError::kBadPointer);
    if (seen[at / 4]) return std::unexpected(CapListError::kLoop);
    seen[at / 4] = true;
    const auto cap_id = read8(at);
    const auto next = read8(at + 1);
    if (!cap_id || !next) return std::unexpected(CapListError::kTruncated);
    if (*cap_id == id) return static_cast<uint8_t>(at);
    at = *next & 0xFC;
  }
  return std::nullopt;
}

std::expected<std::optional<uint16_t>, CapListError> PciConfig::find_ext_capability(
    uint16_t id) const {
  size_t at = hal::pci::kExtCapStart;
  std::bitset<kExtendedEnd / 4> seen;
  while (at != 0) {
    if (at < hal::pci::kExtCapStart) return std::unexpected(CapListError::kBadPointer);
    if (seen[at / 4]) return std::unexpected(CapListError::kLoop);
    seen[at / 4] = true;
    const auto header = read32(at);
    if (!header) return std::unexpected(CapListError::kTruncated);
    // An all-zero first header means no extended capabilities; all ones, no extended space.
    if (at == hal::pci::kExtCapStart && (*header == 0 || *header == 0xFFFFFFFFu))
      return std::nullopt;
    if ((*header & 0xFFFF) == id) return static_cast<uint16_t>(at);
    at = (*header >> 20) & 0xFFC;
  }
  return std::nullopt;
}

}  // namespace doctor
