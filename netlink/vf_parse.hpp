#pragma once
// One IFLA_VF_INFO nest of an RTM_NEWLINK decoded into a VfInfo (used by parse_link).

#include <linux/netlink.h>

#include <expected>

#include "netlink/error.hpp"
#include "netlink/vf_info.hpp"

namespace rtnl {

/// `nest` is the IFLA_VF_INFO attribute, already checked to lie within its list; `position`
/// is its place in the list, for errors. Errors: kMalformed (see parse_link).
std::expected<VfInfo, Error> parse_vf_info(const nlattr* nest, size_t position);

}  // namespace rtnl
