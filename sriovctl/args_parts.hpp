#pragma once
// The two larger pieces of the grammar, each in its own file (for the parser, args.hpp, only).

#include <expected>

#include "sriovctl/args.hpp"
#include "sriovctl/args_cursor.hpp"
#include "sriovctl/command.hpp"

namespace sriovctl {

/// After `link set`: `dev PF vf N SETTING... [vf N SETTING...]...` (args_link_set.cpp).
std::expected<LinkSetCmd, UsageError> parse_link_set(Cursor& c);
/// After `capture`: `dev PF (vf N | wire) -w FILE [-c COUNT] [-s SNAPLEN]`, the parts after
/// the PF in any order (args_capture.cpp).
std::expected<Action, UsageError> parse_capture(Cursor& c);

}  // namespace sriovctl
