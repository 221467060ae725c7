#include "tools/vf_args.hpp"

#include <charconv>

#include <fmt/format.h>

namespace tools {
namespace {

std::expected<unsigned, std::string> parse_uint(std::string_view s, unsigned max, std::string_view what) {
  unsigned v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty() || v > max) {
    return std::unexpected(fmt::format("invalid {} '{}' (expected 0..{})", what, s, max));
  }
  return v;
}

std::expected<bool, std::string> parse_on_off(std::string_view s) {
  if (s == "on") return true;
  if (s == "off") return false;
  return std::unexpected(fmt::format("invalid value '{}' (expected on or off)", s));
}

}  // namespace

std::expected<void, std::string> apply_vf_arg(std::string_view what, std::string_view arg,
                                              unsigned num_vfs,
                                              std::map<unsigned, harness::VfAdmin>& admin) {
  const size_t eq = arg.find('=');
  const std::string_view index_text = arg.substr(0, eq);
  const std::string_view value = eq == std::string_view::npos ? std::string_view{} : arg.substr(eq + 1);
  if (num_vfs == 0) return std::unexpected(fmt::format("--vf-{} {}: no VFs enabled", what, arg));
  auto index = parse_uint(index_text, num_vfs - 1, "VF index");
  if (!index) return std::unexpected(fmt::format("--vf-{}: {}", what, index.error()));
  harness::VfAdmin& a = admin[*index];
  if (what == "trust") {
    if (eq == std::string_view::npos) {
      a.trust = true;
      return {};
    }
    auto on = parse_on_off(value);
    if (!on) return std::unexpected(fmt::format("--vf-trust: {}", on.error()));
    a.trust = *on;
    return {};
  }
  if (eq == std::string_view::npos) {
    return std::unexpected(fmt::format("--vf-{} '{}': expected N=VALUE", what, arg));
  }
  if (what == "mac") {
    auto mac = hal::MacAddr::parse(value);
    if (!mac || !mac->is_valid_unicast()) {
      return std::unexpected(fmt::format("--vf-mac: invalid unicast MAC '{}'", value));
    }
    a.mac = *mac;
    return {};
  }
  if (what == "vlan") {
    const size_t colon = value.find(':');
    auto vid = parse_uint(value.substr(0, colon), 4095, "VLAN id");
    if (!vid) return std::unexpected(fmt::format("--vf-vlan: {}", vid.error()));
    a.vlan = static_cast<uint16_t>(*vid);
    if (colon != std::string_view::npos) {
      auto qos = parse_uint(value.substr(colon + 1), 7, "QoS");
      if (!qos) return std::unexpected(fmt::format("--vf-vlan: {}", qos.error()));
      a.qos = static_cast<uint8_t>(*qos);
    }
    return {};
  }
  if (what == "spoofchk") {
    auto on = parse_on_off(value);
    if (!on) return std::unexpected(fmt::format("--vf-spoofchk: {}", on.error()));
    a.spoofchk = *on;
    return {};
  }
  return std::unexpected(fmt::format("unknown per-VF setting '{}'", what));
}

}  // namespace tools
