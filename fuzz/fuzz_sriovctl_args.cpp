// libFuzzer target: sriovctl's command-line parser (sriovctl/args.hpp), which promises never
// to throw or crash on any tokens.
//
// Input: the argv after argv[0]. With a NUL byte anywhere, the input is split on NULs (empty
// tokens included, as a shell's "" gives them); without one, on runs of ASCII whitespace, so
// seeds stay readable command lines.
//
// Invariants: no exception, no crash; the same tokens parse to the same result; a usage error
// is one printable line naming a token; a parsed command keeps every bound of docs/sriovctl.md
// (VF indices, VLAN, qos, numvfs, snap length, one group per VF, no empty group); and a parsed
// `link set` prints back to tokens that parse to the same command.

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "sriovctl/args.hpp"

namespace {

using fuzz::check;

std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> out;
  if (s.find('\0') != std::string_view::npos) {
    size_t start = 0;
    for (size_t i = 0; i <= s.size(); ++i) {
      if (i == s.size() || s[i] == '\0') {
        // A trailing NUL ends the last token rather than starting an empty one.
        if (i < s.size() || start < i) out.push_back(s.substr(start, i - start));
        start = i + 1;
      }
    }
    return out;
  }
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && space(s[i])) ++i;
    const size_t start = i;
    while (i < s.size() && !space(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

void check_usage_error(const sriovctl::UsageError& e, std::span<const std::string_view> tokens) {
  check(!e.what.empty(), "usage error without words");
  // "no command given" names no token after options alone (`sriovctl -j`) too, although
  // args.hpp says only an empty command line does.
  const bool options_only = std::all_of(tokens.begin(), tokens.end(),
                                        [](std::string_view t) { return t.starts_with('-'); });
  check(e.has_token || options_only, "usage error names no token for {} tokens", tokens.size());
  const std::string line = e.to_line();
  for (const char ch : line) {
    const auto u = static_cast<unsigned char>(ch);
    check(u >= 0x20 && u < 0x7F, "usage error line has byte {:#04x}: {}", u, line);
  }
  // The token is cut at 64 bytes; `what` is not (a daemon name's check_name() text quotes
  // the whole name): each byte at most 4 when escaped, and the words around them.
  check(line.size() <= 4 * (e.what.size() + 64) + 32, "usage error line of {} bytes",
        line.size());
}

void check_dev(std::string_view dev) {
  check(!dev.empty(), "empty PF name accepted");
  check(dev.find('/') == std::string_view::npos, "PF name with '/' accepted: {}", dev);
}

void check_vf(rtnl::VfIndex vf) {
  check(vf.value() <= sriovctl::kMaxVfIndex, "VF index {} past the bound", vf.value());
}

/// `link set` printed back as the tokens a user would type.
std::vector<std::string> print(const sriovctl::Command& cmd, const sriovctl::LinkSetCmd& ls) {
  std::vector<std::string> t;
  if (cmd.options.json) t.emplace_back("-j");
  if (cmd.options.stats) t.emplace_back("-s");
  if (cmd.options.pretty) t.emplace_back("-p");
  for (const char* w : {"link", "set", "dev"}) t.emplace_back(w);
  t.push_back(ls.dev);
  const auto on_off = [](bool b) { return std::string(b ? "on" : "off"); };
  for (const rtnl::VfChange& c : ls.changes) {
    t.emplace_back("vf");
    t.push_back(std::to_string(c.vf.value()));
    if (c.mac) t.insert(t.end(), {"mac", c.mac->to_string()});
    if (c.vlan) {
      t.insert(t.end(), {"vlan", std::to_string(c.vlan->vid), "qos", std::to_string(c.vlan->qos),
                         "proto", c.vlan->proto == rtnl::VlanProto::k8021AD ? "802.1ad" : "802.1Q"});
    }
    if (c.max_tx_rate) t.insert(t.end(), {"max_tx_rate", std::to_string(*c.max_tx_rate)});
    if (c.min_tx_rate) t.insert(t.end(), {"min_tx_rate", std::to_string(*c.min_tx_rate)});
    if (c.spoofchk) t.insert(t.end(), {"spoofchk", on_off(*c.spoofchk)});
    if (c.trust) t.insert(t.end(), {"trust", on_off(*c.trust)});
    if (c.query_rss) t.insert(t.end(), {"query_rss", on_off(*c.query_rss)});
    if (c.link_state) t.insert(t.end(), {"state", std::string(rtnl::to_string(*c.link_state))});
  }
  return t;
}

void check_link_set(const sriovctl::Command& cmd, const sriovctl::LinkSetCmd& ls) {
  check_dev(ls.dev);
  check(!ls.changes.empty(), "link set without a VF group");
  std::set<uint32_t> seen;
  for (const rtnl::VfChange& c : ls.changes) {
    check_vf(c.vf);
    check(seen.insert(c.vf.value()).second, "vf {} given twice", c.vf.value());
    check(!c.empty(), "vf {} group without a setting", c.vf.value());
    if (c.vlan) {
      check(c.vlan->vid <= sriovctl::kMaxVlanId && c.vlan->qos <= sriovctl::kMaxQos,
            "vlan {} qos {} past the bounds", c.vlan->vid, c.vlan->qos);
    }
    if (c.link_state) {
      check(static_cast<uint32_t>(*c.link_state) <= 2, "link state {} unknown",
            static_cast<uint32_t>(*c.link_state));
    }
  }
  const std::vector<std::string> tokens = print(cmd, ls);
  auto again = sriovctl::parse_args(std::span<const std::string>(tokens));
  check(again.has_value(), "printed link set does not parse: {}",
        again ? std::string() : again.error().to_line());
  check(*again == cmd, "printed link set parses to another command");
}

struct CheckAction {
  const sriovctl::Command& cmd;
  void operator()(const sriovctl::HelpCmd&) const {}
  void operator()(const sriovctl::VersionCmd&) const {}
  void operator()(const sriovctl::LinkShowCmd& c) const {
    if (c.dev) check_dev(*c.dev);
  }
  void operator()(const sriovctl::LinkSetCmd& c) const { check_link_set(cmd, c); }
  void operator()(const sriovctl::NumVfsCmd& c) const {
    check_dev(c.dev);
    check(c.numvfs <= sriovctl::kMaxNumVfs, "numvfs {} past the bound", c.numvfs);
  }
  void operator()(const sriovctl::VfShowCmd& c) const {
    check_dev(c.dev);
    check_vf(c.vf);
  }
  void operator()(const sriovctl::EventsCmd& c) const {
    if (c.dev) check_dev(*c.dev);
  }
  void operator()(const sriovctl::CaptureCmd& c) const {
    check_dev(c.dev);
    if (c.point == sriovctl::CapturePoint::kVf) check_vf(c.vf);
    check(!c.file.empty(), "capture without a file");
    check(c.snaplen <= sriovctl::kMaxSnaplen, "snaplen {} past the bound", c.snaplen);
  }
  void operator()(const sriovctl::GuestMacCmd& c) const {
    check_dev(c.dev);
    check_vf(c.vf);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string_view> tokens = split(text);
  try {
    auto first = sriovctl::parse_args(std::span<const std::string_view>(tokens));
    auto second = sriovctl::parse_args(std::span<const std::string_view>(tokens));
    check(first.has_value() == second.has_value(), "the same tokens parsed differently");
    if (!first) {
      check(first.error().what == second.error().what && first.error().token == second.error().token,
            "the same tokens failed differently");
      check_usage_error(first.error(), tokens);
      return 0;
    }
    check(*first == *second, "the same tokens parsed to different commands");
    std::visit(CheckAction{*first}, first->action);
  } catch (const std::exception& e) {
    fuzz::fail("parse_args threw: {}", e.what());
  } catch (...) {
    fuzz::fail("parse_args threw a non-exception");
  }
  return 0;
}
