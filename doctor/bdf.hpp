#pragma once
// A PCI function's address as sysfs names it: domain:bus:device.function.

#include <fmt/format.h>

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace doctor {

/// "0000:01:10.2". Ordered by domain, bus, device, function, which is sysfs order.
class Bdf {
 public:
  constexpr Bdf(uint32_t domain, uint8_t bus, uint8_t device, uint8_t function)
      : domain_(domain), bus_(bus), device_(device), function_(function) {}

  /// Parses "DDDD:BB:DD.F" (hex, device 0-31, function 0-7); nullopt for anything else, so a
  /// path component such as "pci0000:00" is not mistaken for a function.
  static std::optional<Bdf> parse(std::string_view s);

  constexpr uint32_t domain() const { return domain_; }
  constexpr uint8_t bus() const { return bus_; }
  constexpr uint8_t device() const { return device_; }
  constexpr uint8_t function() const { return function_; }
  constexpr auto operator<=>(const Bdf&) const = default;

  std::string str() const;

 private:
  uint32_t domain_;
  uint8_t bus_, device_, function_;
};

}  // namespace doctor

template <>
struct fmt::formatter<doctor::Bdf> : fmt::formatter<std::string_view> {
  auto format(const doctor::Bdf& b, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(b.str(), ctx);
  }
};
