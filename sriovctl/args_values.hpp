#pragma once
// The parser's value readers: each takes what it needs from a Cursor or returns the
// UsageError naming the token at fault (for the parser, args.hpp, only).

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "hal/types.hpp"
#include "netlink/ids.hpp"
#include "netlink/vf_info.hpp"
#include "sriovctl/args.hpp"
#include "sriovctl/args_cursor.hpp"

namespace sriovctl {

/// A decimal number 0..max without sign, spaces or other characters; nullopt otherwise.
std::optional<uint64_t> parse_number(std::string_view text, uint64_t max);

/// Empty when `pf` is acceptable as typed: `sim:NAME` with a valid daemon name
/// (ctl::check_name), or a bare name of 1..15 characters without '/', ':' or whitespace,
/// and not "." or ".."; else what is wrong with it.
std::string check_pf_name(std::string_view pf);

/// Takes the PF name that must come next. Errors: missing (naming the token before it),
/// or check_pf_name's reason.
std::expected<std::string, UsageError> expect_pf(Cursor& c);
/// Takes `word`, which must come next. Errors: missing, or another word there.
std::expected<void, UsageError> expect_keyword(Cursor& c, std::string_view word);
/// The value following keyword `what` (already taken) as a number 0..max.
std::expected<uint64_t, UsageError> expect_number(Cursor& c, std::string_view what, uint64_t max);
/// The VF index following `vf` (already taken): 0..kMaxVfIndex.
std::expected<rtnl::VfIndex, UsageError> expect_vf_index(Cursor& c);
/// The MAC address following `mac` (already taken), aa:bb:cc:dd:ee:ff.
std::expected<hal::MacAddr, UsageError> expect_mac(Cursor& c);
/// `on` or `off` following `what` (already taken).
std::expected<bool, UsageError> expect_on_off(Cursor& c, std::string_view what);
/// `auto`, `enable` or `disable` following `state` (already taken).
std::expected<rtnl::VfLinkState, UsageError> expect_link_state(Cursor& c);
/// `802.1Q` or `802.1ad` (either case) following `proto` (already taken).
std::expected<rtnl::VlanProto, UsageError> expect_vlan_proto(Cursor& c);
/// Nothing may follow. Errors: "unexpected argument" naming the first extra token.
std::expected<void, UsageError> expect_end(Cursor& c);

}  // namespace sriovctl
