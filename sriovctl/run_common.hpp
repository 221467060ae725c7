#pragma once
// What the run_*.cpp files share: how failures are worded and printed.

#include <expected>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "netlink/error.hpp"
#include "sriovctl/env.hpp"
#include "sriovctl/target.hpp"

namespace sriovctl {

/// The errno's symbol ("EOPNOTSUPP"), or "errno N" for one without a name.
std::string errno_name(int errnum);

/// A failure in the words of whoever refused: for kRefused, the peer's own text (else the
/// errno's) then the errno's symbol, "VF 9 does not exist (EINVAL)"; for anything else,
/// e.to_string(). The peer's text passes through printable_text() (json_text.hpp).
std::string reason_of(const rtnl::Error& e);

/// Prints "sriovctl: LABEL: WHAT" as one line on env.err; returns kExitFailed.
int fail(Env& env, std::string_view label, std::string_view what);

/// Resolves `typed` and opens its transport. On failure prints the one-line error and returns
/// the exit status (kExitFailed).
struct Opened {
  Target target;
  TransportPtr transport;
};
std::expected<Opened, int> open_pf(std::string_view typed, Env& env);

/// -j output: one JSON document and a newline, indented with -p.
void print_json(Env& env, const nlohmann::json& j, bool pretty);
void print_json(Env& env, const nlohmann::ordered_json& j, bool pretty);

}  // namespace sriovctl
