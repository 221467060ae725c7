#pragma once
// How a link request names its link: ifi_index, or IFLA_IFNAME with ifi_index 0. Never both:
// RTM_SETLINK reads a name next to an index as "rename the link to this".

#include <linux/rtnetlink.h>

#include <expected>

#include "netlink/error.hpp"
#include "netlink/ids.hpp"

struct nl_msg;

namespace rtnl {

/// Bytes IFLA_IFNAME takes at most in a message (IFNAMSIZ with the NUL, plus its header).
size_t link_target_space();

/// Sets ifm->ifi_index, or appends IFLA_IFNAME to `msg`. Errors: kInvalidArgument for an
/// index below 1, an empty name, one longer than IFNAMSIZ - 1 or one holding a NUL (no
/// interface can have it; the kernel would answer EINVAL or ENODEV less clearly).
std::expected<void, Error> put_link_target(nl_msg* msg, ifinfomsg* ifm, const LinkRef& link);

}  // namespace rtnl
