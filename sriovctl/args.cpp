#include "sriovctl/args.hpp"

#include <fmt/format.h>

#include <new>
#include <optional>

#include "sriovctl/args_cursor.hpp"
#include "sriovctl/args_parts.hpp"
#include "sriovctl/args_values.hpp"
#include "sriovctl/json_text.hpp"

namespace sriovctl {
namespace {

struct DevVf {
  std::string dev;
  rtnl::VfIndex vf{0};
};

// `dev PF vf N`, the address of one VF in `vf show` and `guest`.
std::expected<DevVf, UsageError> expect_dev_vf(Cursor& c) {
  if (auto dev = expect_keyword(c, "dev"); !dev) return std::unexpected(dev.error());
  auto pf = expect_pf(c);
  if (!pf) return std::unexpected(pf.error());
  if (auto kw = expect_keyword(c, "vf"); !kw) return std::unexpected(kw.error());
  auto vf = expect_vf_index(c);
  if (!vf) return std::unexpected(vf.error());
  return DevVf{std::move(*pf), *vf};
}

using Result = std::expected<Command, UsageError>;

std::expected<LinkShowCmd, UsageError> parse_link_show(Cursor& c) {
  LinkShowCmd cmd;
  if (c.done()) return cmd;
  // `ip link show eth0` and `ip link show dev eth0` both name the device.
  if (c.peek() == "dev") c.next();
  auto pf = expect_pf(c);
  if (!pf) return std::unexpected(pf.error());
  cmd.dev = std::move(*pf);
  if (auto end = expect_end(c); !end) return std::unexpected(end.error());
  return cmd;
}

std::expected<Action, UsageError> parse_link(Cursor& c) {
  if (c.done()) return LinkShowCmd{};  // `ip link` alone lists links
  const std::string_view verb = c.next();
  if (verb == "show" || verb == "list") {
    auto show = parse_link_show(c);
    if (!show) return std::unexpected(show.error());
    return *show;
  }
  if (verb == "set") {
    auto set = parse_link_set(c);
    if (!set) return std::unexpected(set.error());
    return *set;
  }
  return std::unexpected(UsageError{"unknown link command (show, set)", std::string(verb)});
}

// `dev PF numvfs N`
std::expected<Action, UsageError> parse_dev(Cursor& c) {
  auto pf = expect_pf(c);
  if (!pf) return std::unexpected(pf.error());
  if (c.done()) {
    return std::unexpected(UsageError{"dev PF needs a command (numvfs N)", c.prev()});
  }
  const std::string_view verb = c.next();
  if (verb != "numvfs") {
    return std::unexpected(UsageError{"unknown dev command (numvfs)", std::string(verb)});
  }
  auto n = expect_number(c, "numvfs", kMaxNumVfs);
  if (!n) return std::unexpected(n.error());
  if (auto end = expect_end(c); !end) return std::unexpected(end.error());
  return NumVfsCmd{std::move(*pf), static_cast<unsigned>(*n)};
}

// `vf show dev PF vf N`
std::expected<Action, UsageError> parse_vf(Cursor& c) {
  if (c.done()) return std::unexpected(UsageError{"vf needs a command (show)", c.prev()});
  const std::string_view verb = c.next();
  if (verb != "show") {
    return std::unexpected(UsageError{"unknown vf command (show)", std::string(verb)});
  }
  auto at = expect_dev_vf(c);
  if (!at) return std::unexpected(at.error());
  if (auto end = expect_end(c); !end) return std::unexpected(end.error());
  return VfShowCmd{std::move(at->dev), at->vf};
}

// `events [dev PF] [-f]`, in either order.
std::expected<Action, UsageError> parse_events(Cursor& c, const GlobalOptions& opts) {
  EventsCmd cmd;
  while (!c.done()) {
    const std::string_view word = c.next();
    if (word == "dev" && !cmd.dev) {
      auto pf = expect_pf(c);
      if (!pf) return std::unexpected(pf.error());
      cmd.dev = std::move(*pf);
    } else if (word == "-f" && !cmd.follow) {
      // JSON output is one document, printed when the reply is complete; following never
      // completes.
      if (opts.json) {
        return std::unexpected(UsageError{"-f cannot be combined with -j", std::string(word)});
      }
      cmd.follow = true;
    } else if (word == "dev" || word == "-f") {
      return std::unexpected(UsageError{"given twice", std::string(word)});
    } else {
      return std::unexpected(UsageError{"unexpected argument", std::string(word)});
    }
  }
  return cmd;
}

// `guest dev PF vf N mac MAC`
std::expected<Action, UsageError> parse_guest(Cursor& c) {
  auto at = expect_dev_vf(c);
  if (!at) return std::unexpected(at.error());
  if (auto kw = expect_keyword(c, "mac"); !kw) return std::unexpected(kw.error());
  auto mac = expect_mac(c);
  if (!mac) return std::unexpected(mac.error());
  if (auto end = expect_end(c); !end) return std::unexpected(end.error());
  return GuestMacCmd{std::move(at->dev), at->vf, *mac};
}

std::expected<Action, UsageError> parse_no_args(Cursor& c, Action a) {
  if (auto end = expect_end(c); !end) return std::unexpected(end.error());
  return a;
}

std::expected<Action, UsageError> parse_object(Cursor& c, const GlobalOptions& opts) {
  const std::string_view word = c.next();
  if (word == "link") return parse_link(c);
  if (word == "dev") return parse_dev(c);
  if (word == "vf") return parse_vf(c);
  if (word == "events") return parse_events(c, opts);
  if (word == "capture") return parse_capture(c);
  if (word == "guest") return parse_guest(c);
  if (word == "help") return parse_no_args(c, HelpCmd{});
  return std::unexpected(UsageError{"unknown command (link, dev, vf, events, capture, guest, help)",
                                    std::string(word)});
}

// Global options come before the object word, as in `ip -j -s link show`.
std::expected<GlobalOptions, UsageError> parse_options(Cursor& c, std::optional<Action>& early) {
  GlobalOptions opts;
  while (!c.done() && c.peek().starts_with('-')) {
    const std::string_view o = c.next();
    if (o == "-j" || o == "-json" || o == "--json") {
      opts.json = true;
    } else if (o == "-s" || o == "-stats" || o == "-statistics" || o == "--stats") {
      opts.stats = true;
    } else if (o == "-p" || o == "-pretty" || o == "--pretty") {
      opts.pretty = true;
    } else if (o == "-h" || o == "-help" || o == "--help") {
      early = HelpCmd{};
      return opts;
    } else if (o == "-V" || o == "-Version" || o == "--version") {
      early = VersionCmd{};
      return opts;
    } else {
      return std::unexpected(UsageError{"unknown option", std::string(o)});
    }
  }
  return opts;
}

Result parse_tokens(std::span<const std::string_view> args) {
  Cursor c(args);
  std::optional<Action> early;
  auto opts = parse_options(c, early);
  if (!opts) return std::unexpected(opts.error());
  if (early) {
    auto a = parse_no_args(c, *early);
    if (!a) return std::unexpected(a.error());
    return Command{*opts, std::move(*a)};
  }
  if (c.done()) {
    return std::unexpected(
        UsageError{"no command given (try 'sriovctl help')", std::string(), false});
  }
  auto action = parse_object(c, *opts);
  if (!action) return std::unexpected(action.error());
  return Command{*opts, std::move(*action)};
}

}  // namespace

std::expected<Command, UsageError> parse_args(std::span<const std::string_view> args) {
  // The only exception anything here can throw is bad_alloc; a parser that is a fuzz target
  // must still answer. The literal fits std::string's inline buffer, so building the error
  // allocates nothing.
  try {
    return parse_tokens(args);
  } catch (const std::bad_alloc&) {
    return std::unexpected(UsageError{"out of memory", std::string(), false});
  }
}

std::expected<Command, UsageError> parse_args(std::span<const std::string> args) {
  try {
    std::vector<std::string_view> views(args.begin(), args.end());
    return parse_args(std::span<const std::string_view>(views));
  } catch (const std::bad_alloc&) {
    return std::unexpected(UsageError{"out of memory", std::string(), false});
  }
}

std::string display_token(std::string_view token) {
  constexpr size_t kMaxShown = 64;
  std::string out = printable_text(token.substr(0, kMaxShown));
  if (token.size() > kMaxShown) out += "...";
  return out;
}

std::string UsageError::to_line() const {
  // `what` can quote the token too (a daemon name's check_name() text does): escaped as well.
  if (!has_token) return fmt::format("sriovctl: {}", printable_text(what));
  return fmt::format("sriovctl: {}: '{}'", printable_text(what), display_token(token));
}

std::string_view usage_text() {
  return R"(Usage: sriovctl [OPTIONS] OBJECT COMMAND
  sriovctl [-j] [-s] [-p] link show [dev PF]
  sriovctl link set dev PF vf N SETTING... [vf N SETTING...]...
      SETTING := mac MAC | vlan VID [qos Q] [proto 802.1Q|802.1ad] | rate MBPS
               | max_tx_rate MBPS | min_tx_rate MBPS | spoofchk on|off | trust on|off
               | state auto|enable|disable | query_rss on|off
  sriovctl dev PF numvfs N
  sriovctl [-j] vf show dev PF vf N
  sriovctl [-j] events [dev PF] [-f]
  sriovctl capture dev PF (vf N | wire) -w FILE [-c COUNT] [-s SNAPLEN]
  sriovctl guest dev PF vf N mac MAC
  sriovctl help | -h | --help
  sriovctl -V | --version
OPTIONS := -j[son] | -s[tats] | -p[retty]
PF := NAME (a kernel netdev, else a sriov-sim daemon) | sim:NAME (a sriov-sim daemon)
Exit status: 0 done, 1 refused or failed, 2 malformed command (nothing was sent).
)";
}

}  // namespace sriovctl
