#pragma once
// RTM_SETLINK carrying VF settings: one IFLA_VFINFO_LIST, one IFLA_VF_INFO per VfChange.

#include <expected>
#include <span>

#include "netlink/error.hpp"
#include "netlink/ids.hpp"
#include "netlink/message.hpp"
#include "netlink/vf_change.hpp"

namespace rtnl {

/// RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, naming `link` by index or name, with
///   IFLA_VFINFO_LIST
///     IFLA_VF_INFO                     one per change, in the order given
///       IFLA_VF_MAC                    struct ifla_vf_mac (vf, mac[32])
///       IFLA_VF_VLAN_LIST
///         IFLA_VF_VLAN_INFO            struct ifla_vf_vlan_info (vf, vlan, qos, be16 proto)
///       IFLA_VF_RATE                   struct ifla_vf_rate (vf, min, max Mb/s)
///       IFLA_VF_SPOOFCHK / IFLA_VF_LINK_STATE / IFLA_VF_RSS_QUERY_EN / IFLA_VF_TRUST
///                                      struct ifla_vf_* (vf, value)
/// carrying only the fields each change sets. The kernel applies the VFs in order and, within
/// one, MAC, VLAN, rate, spoofchk, link state, RSS query, trust; it stops at the first refusal,
/// so what came before it stays applied. Errors: kInvalidArgument for no change at all, a
/// change with no field, a rate with only one of min and max, or a bad link name or index.
std::expected<Message, Error> build_setlink_vf(const LinkRef& link,
                                               std::span<const VfChange> changes);

}  // namespace rtnl
