#pragma once
// RTM_NEWLINK built from a LinkInfo with the kernel's layout, for the answering side (the
// daemon's replies to RTM_GETLINK) and for tests that need a PF with many VFs.

#include <linux/rtnetlink.h>

#include <cstdint>
#include <expected>

#include "netlink/error.hpp"
#include "netlink/link_info.hpp"
#include "netlink/message.hpp"

namespace rtnl {

struct NewlinkOptions {
  uint32_t seq = 0;    ///< the request's sequence number
  uint32_t port = 0;   ///< the requester's port id
  uint16_t flags = 0;  ///< NLM_F_MULTI in a dump
  /// The request's IFLA_EXT_MASK: RTEXT_FILTER_VF includes the VFs, RTEXT_FILTER_SKIP_STATS
  /// leaves out their stats.
  uint32_t ext_filter_mask = RTEXT_FILTER_VF;
};

/// ifinfomsg, IFLA_IFNAME, IFLA_OPERSTATE, IFLA_MTU, IFLA_ADDRESS and IFLA_BROADCAST, then
/// (when num_vf is set and VFs were asked for) IFLA_NUM_VF and IFLA_VFINFO_LIST with, per VF,
/// the attributes in the order Linux's rtnl_fill_vfinfo() puts them: IFLA_VF_MAC,
/// IFLA_VF_BROADCAST, IFLA_VF_VLAN, IFLA_VF_RATE, IFLA_VF_TX_RATE, IFLA_VF_SPOOFCHK,
/// IFLA_VF_LINK_STATE, IFLA_VF_RSS_QUERY_EN, IFLA_VF_TRUST, IFLA_VF_VLAN_LIST, IFLA_VF_STATS
/// (296 bytes per VF on x86-64, 196 without stats). A setting the model holds as nullopt goes
/// out as ~0u, missing stats as zeros, no VLAN as one entry with vid 0: what the kernel sends
/// for a driver that does not report them. Errors: kInvalidArgument when the VF list would
/// pass the 64 KiB a nest's 16-bit length can describe.
std::expected<Message, Error> build_newlink(const LinkInfo& link, NewlinkOptions opts = {});

}  // namespace rtnl
