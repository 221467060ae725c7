#include "sriovctl/args_values.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "ctl/runtime_dir.hpp"
#include "sriovctl/command.hpp"

namespace sriovctl {
namespace {

constexpr std::string_view kDaemonPrefix = "sim:";

bool bad_link_name_char(char ch) {
  // What the kernel's dev_valid_name() refuses, plus control characters no link name has.
  const auto u = static_cast<unsigned char>(ch);
  return ch == '/' || ch == ':' || u <= 0x20 || u == 0x7F;
}

UsageError missing_after(const Cursor& c, std::string_view what) {
  return UsageError{std::string(what), c.prev()};
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char ch) { return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch; };
           return lower(x) == lower(y);
         });
}

}  // namespace

std::optional<uint64_t> parse_number(std::string_view text, uint64_t max) {
  if (text.empty() ||
      !std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) {
    return std::nullopt;
  }
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) return std::nullopt;
  return v;
}

std::string check_pf_name(std::string_view pf) {
  if (pf.empty()) return "empty PF name";
  if (pf.starts_with(kDaemonPrefix)) {
    const std::string_view name = pf.substr(kDaemonPrefix.size());
    if (name.empty()) return "sim: needs a daemon name (sim:NAME)";
    std::string why = ctl::check_name(name);
    return why.empty() ? std::string() : fmt::format("bad daemon name: {}", why);
  }
  if (pf.size() > kMaxLinkNameLength) {
    return fmt::format("PF name too long (at most {} characters)", kMaxLinkNameLength);
  }
  if (std::any_of(pf.begin(), pf.end(), bad_link_name_char)) {
    return "PF name with '/', ':', a space or a control character";
  }
  if (pf == "." || pf == "..") return "not a PF name";
  // Options come before the command (`sriovctl -j link show`); a link named like one would be
  // unreachable by ip as well.
  if (pf.starts_with('-')) return "not a PF name (options go before the command)";
  return {};
}

std::expected<std::string, UsageError> expect_pf(Cursor& c) {
  if (c.done()) return std::unexpected(missing_after(c, "a PF name must follow"));
  const std::string_view pf = c.next();
  if (std::string why = check_pf_name(pf); !why.empty()) {
    return std::unexpected(UsageError{std::move(why), std::string(pf)});
  }
  return std::string(pf);
}

std::expected<void, UsageError> expect_keyword(Cursor& c, std::string_view word) {
  if (c.done()) return std::unexpected(missing_after(c, fmt::format("'{}' must follow", word)));
  const std::string_view got = c.next();
  if (got != word) {
    return std::unexpected(UsageError{fmt::format("expected '{}' here", word), std::string(got)});
  }
  return {};
}

std::expected<uint64_t, UsageError> expect_number(Cursor& c, std::string_view what, uint64_t max) {
  if (c.done()) {
    return std::unexpected(missing_after(c, fmt::format("{} needs a number 0..{}", what, max)));
  }
  const std::string_view text = c.next();
  auto v = parse_number(text, max);
  if (!v) {
    return std::unexpected(
        UsageError{fmt::format("{} must be a number 0..{}", what, max), std::string(text)});
  }
  return *v;
}

std::expected<rtnl::VfIndex, UsageError> expect_vf_index(Cursor& c) {
  auto n = expect_number(c, "vf", kMaxVfIndex);
  if (!n) return std::unexpected(n.error());
  return rtnl::VfIndex(static_cast<uint32_t>(*n));
}

std::expected<hal::MacAddr, UsageError> expect_mac(Cursor& c) {
  if (c.done()) {
    return std::unexpected(missing_after(c, "mac needs an address (aa:bb:cc:dd:ee:ff)"));
  }
  const std::string_view text = c.next();
  auto mac = hal::MacAddr::parse(text);
  if (!mac) {
    return std::unexpected(UsageError{"not a MAC address (aa:bb:cc:dd:ee:ff)", std::string(text)});
  }
  return *mac;
}

std::expected<bool, UsageError> expect_on_off(Cursor& c, std::string_view what) {
  if (c.done()) return std::unexpected(missing_after(c, fmt::format("{} needs on or off", what)));
  const std::string_view v = c.next();
  if (v == "on") return true;
  if (v == "off") return false;
  return std::unexpected(UsageError{fmt::format("{} takes on or off", what), std::string(v)});
}

std::expected<rtnl::VfLinkState, UsageError> expect_link_state(Cursor& c) {
  if (c.done()) {
    return std::unexpected(missing_after(c, "state needs auto, enable or disable"));
  }
  const std::string_view v = c.next();
  if (v == "auto") return rtnl::VfLinkState::kAuto;
  if (v == "enable") return rtnl::VfLinkState::kEnable;
  if (v == "disable") return rtnl::VfLinkState::kDisable;
  return std::unexpected(UsageError{"state takes auto, enable or disable", std::string(v)});
}

std::expected<rtnl::VlanProto, UsageError> expect_vlan_proto(Cursor& c) {
  if (c.done()) return std::unexpected(missing_after(c, "proto needs 802.1Q or 802.1ad"));
  const std::string_view v = c.next();
  if (iequals(v, "802.1Q")) return rtnl::VlanProto::k8021Q;
  if (iequals(v, "802.1ad")) return rtnl::VlanProto::k8021AD;
  return std::unexpected(UsageError{"proto takes 802.1Q or 802.1ad", std::string(v)});
}

std::expected<void, UsageError> expect_end(Cursor& c) {
  if (c.done()) return {};
  return std::unexpected(UsageError{"unexpected argument", std::string(c.next())});
}

}  // namespace sriovctl
