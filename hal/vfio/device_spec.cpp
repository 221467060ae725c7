#include "hal/vfio/device_spec.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "doctor/bdf.hpp"

namespace hal::vfio {

namespace {

constexpr std::string_view kVfioPrefix = "vfio:";
constexpr std::string_view kForms = "\"sim\" or \"vfio:DDDD:BB:DD.F[,DDDD:BB:DD.F...]\"";

/// One address, full or short (lspci's BB:DD.F, domain 0000), in canonical form.
std::optional<std::string> canonical_bdf(std::string_view token) {
  if (auto b = doctor::Bdf::parse(token)) return b->str();
  // Only the exact short shape gets the domain: "3:00.0" or "0:03:00.0" stay errors.
  if (token.size() == 7 && token[2] == ':') {
    if (auto b = doctor::Bdf::parse(fmt::format("0000:{}", token))) return b->str();
  }
  return std::nullopt;
}

}  // namespace

std::string DeviceSpec::str() const {
  if (kind == DeviceKind::kSim) return "sim";
  return fmt::format("vfio:{}", fmt::join(bdfs, ","));
}

std::expected<DeviceSpec, std::string> parse_device_spec(std::string_view s) {
  if (s == "sim") return DeviceSpec{};
  if (!s.starts_with(kVfioPrefix)) {
    return std::unexpected(fmt::format("\"{}\" is not a device: want {}", s, kForms));
  }
  DeviceSpec spec;
  spec.kind = DeviceKind::kVfio;
  std::string_view rest = s.substr(kVfioPrefix.size());
  if (rest.empty()) {
    return std::unexpected(fmt::format("\"{}\" names no PCI address: want {}", s, kForms));
  }
  while (true) {
    const size_t comma = rest.find(',');
    const std::string_view token = rest.substr(0, comma);
    auto bdf = canonical_bdf(token);
    if (!bdf) {
      return std::unexpected(fmt::format(
          "\"{}\" in \"{}\" is not a PCI address: want DDDD:BB:DD.F (hex; device 00-1f, "
          "function 0-7) or BB:DD.F",
          token, s));
    }
    if (std::find(spec.bdfs.begin(), spec.bdfs.end(), *bdf) != spec.bdfs.end()) {
      return std::unexpected(fmt::format("\"{}\" is given twice in \"{}\"", token, s));
    }
    spec.bdfs.push_back(std::move(*bdf));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return spec;
}

}  // namespace hal::vfio
