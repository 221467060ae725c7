#pragma once
// RTM_NEWLINK decoded into a LinkInfo with every VF, every length checked first.

#include <linux/netlink.h>

#include <cstddef>
#include <expected>
#include <span>

#include "netlink/error.hpp"
#include "netlink/link_info.hpp"

namespace rtnl {

/// Decodes one RTM_NEWLINK: ifinfomsg, IFLA_IFNAME, IFLA_MTU, IFLA_OPERSTATE, IFLA_ADDRESS,
/// IFLA_NUM_VF and IFLA_VFINFO_LIST with each IFLA_VF_INFO's IFLA_VF_MAC, IFLA_VF_VLAN_LIST
/// (or IFLA_VF_VLAN), IFLA_VF_RATE (or IFLA_VF_TX_RATE), IFLA_VF_SPOOFCHK, IFLA_VF_LINK_STATE,
/// IFLA_VF_RSS_QUERY_EN, IFLA_VF_TRUST and IFLA_VF_STATS. Other attributes are skipped. `msg`'s
/// nlmsg_len bytes must be readable (true of every Message and of replies from exchange()).
/// Errors: kMalformed for another message type, a header or uapi struct cut short, an
/// attribute that overruns its nest, stray bytes, an IFLA_VF_INFO without IFLA_VF_MAC, struct
/// `vf` words that disagree within one VF, or a VLAN id above 4095 or priority above 7.
std::expected<LinkInfo, Error> parse_link(const nlmsghdr* msg);

/// The same for bytes of unknown origin: checks first that nlmsg_len fits in `bytes`.
std::expected<LinkInfo, Error> parse_link(std::span<const std::byte> bytes);

}  // namespace rtnl
