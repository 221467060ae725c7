#include "doctor/bdf.hpp"

#include <charconv>

namespace doctor {

namespace {

// Exactly `digits` hex digits (sysfs pads every field), no sign, no prefix.
std::optional<uint32_t> hex_field(std::string_view s, size_t digits) {
  if (s.size() != digits) return std::nullopt;
  uint32_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<Bdf> Bdf::parse(std::string_view s) {
  // Domains are 4 digits, or 5 to 8 behind a VMD or Hyper-V bridge.
  const size_t c1 = s.find(':');
  if (c1 == std::string_view::npos || c1 < 4 || c1 > 8) return std::nullopt;
  if (s.size() != c1 + 8 || s[c1 + 3] != ':' || s[c1 + 6] != '.') return std::nullopt;
  const auto domain = hex_field(s.substr(0, c1), c1);
  const auto bus = hex_field(s.substr(c1 + 1, 2), 2);
  const auto dev = hex_field(s.substr(c1 + 4, 2), 2);
  const auto fn = hex_field(s.substr(c1 + 7, 1), 1);
  if (!domain || !bus || !dev || !fn || *dev > 31 || *fn > 7) return std::nullopt;
  return Bdf(*domain, static_cast<uint8_t>(*bus), static_cast<uint8_t>(*dev),
             static_cast<uint8_t>(*fn));
}

std::string Bdf::str() const {
  return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain_, bus_, device_, function_);
}

}  // namespace doctor
