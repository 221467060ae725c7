#pragma once
// RTM_GETLINK requests: one link, or a dump of all, with or without their VFs.

#include <cstdint>
#include <expected>

#include "netlink/error.hpp"
#include "netlink/ids.hpp"
#include "netlink/message.hpp"

namespace rtnl {

struct GetLinkOptions {
  /// Ask for IFLA_NUM_VF and IFLA_VFINFO_LIST (RTEXT_FILTER_VF). Without it the kernel leaves
  /// both out, whatever the link.
  bool vfs = true;
  /// Ask for IFLA_VF_STATS. false adds RTEXT_FILTER_SKIP_STATS: kernels since mid-2023
  /// (commit fa0e21fa4443, also in stable trees such as 5.15.y) then leave out each VF's
  /// stats nest (100 of its 296 bytes on x86-64) besides the link's own IFLA_STATS/STATS64.
  /// Older kernels send VF stats anyway, which the parser accepts.
  bool vf_stats = true;
};

/// The IFLA_EXT_MASK value (RTEXT_FILTER_*) for `opts`.
uint32_t ext_filter_mask(GetLinkOptions opts);

/// RTM_GETLINK for one link, NLM_F_REQUEST | NLM_F_ACK, with IFLA_EXT_MASK. The reply is one
/// RTM_NEWLINK sized by the kernel to fit (about 19 KiB for 63 VFs with stats), then the ACK.
/// Errors: kInvalidArgument (see put_link_target).
std::expected<Message, Error> build_getlink(const LinkRef& link, GetLinkOptions opts = {});

/// RTM_GETLINK with NLM_F_DUMP: every link in the namespace, as NLM_F_MULTI RTM_NEWLINKs over
/// as many datagrams as it takes, ended by NLMSG_DONE. No NLM_F_ACK: NLMSG_DONE ends a dump.
std::expected<Message, Error> build_dump_links(GetLinkOptions opts = {});

}  // namespace rtnl
