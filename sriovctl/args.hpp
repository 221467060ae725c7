#pragma once
// sriovctl's command line: tokens in, a checked Command (command.hpp) or one usage error out.
//
// Hand-parsed rather than with CLI11 (which the other tools use): iproute2's grammar is a
// sequence of keyword/value pairs with nested, repeatable groups (`vf 0 mac M vlan 5 qos 2
// vf 1 trust on`), where a keyword's meaning depends on the group it follows (`qos` only
// after `vlan`, `-s` a global flag before the object and a snap length inside `capture`).
// CLI11's model of named options and positionals attached to subcommands cannot express
// keyword groups that repeat with their own settings, nor report the exact token at fault.
//
// Pure: no I/O, no global state, never throws and never crashes on any input (it is the fuzz
// target for the command line), and every error names the token at fault.

#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sriovctl/command.hpp"

namespace sriovctl {

/// A malformed command: exit status 2, nothing sent anywhere.
struct UsageError {
  std::string what;       ///< what is wrong, in words ("vlan id must be 0..4095")
  std::string token;      ///< the offending token as typed
  bool has_token = true;  ///< false only for an empty command line

  /// The one line printed on stderr: "sriovctl: WHAT: 'TOKEN'". A token with control or
  /// non-ASCII bytes is shown with \xNN escapes, and one past 64 bytes is cut with "...",
  /// so the message stays one printable line whatever was typed.
  std::string to_line() const;
};

/// Parses the arguments after argv[0]. Errors: UsageError (see docs/sriovctl.md for the
/// grammar and the bounds of each value).
std::expected<Command, UsageError> parse_args(std::span<const std::string_view> args);
/// The same for owned strings (main's argv, tests' tables).
std::expected<Command, UsageError> parse_args(std::span<const std::string> args);

/// The usage text `sriovctl help` prints.
std::string_view usage_text();

/// How a token is shown inside a usage error (see UsageError::to_line).
std::string display_token(std::string_view token);

}  // namespace sriovctl
