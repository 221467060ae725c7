#pragma once
// The link operations sriovctl needs, over any Transport: read one link, read them all, set
// VF attributes. The kernel and the daemon answer the same messages.

#include <expected>
#include <span>
#include <vector>

#include "netlink/error.hpp"
#include "netlink/getlink_request.hpp"
#include "netlink/ids.hpp"
#include "netlink/link_info.hpp"
#include "netlink/transport.hpp"
#include "netlink/vf_change.hpp"

namespace rtnl {

/// RTM_GETLINK for `link`. Errors: kRefused (ENODEV: no such link), kProtocol (the peer
/// answered without an RTM_NEWLINK), kMalformed, and the transport's.
std::expected<LinkInfo, Error> get_link(Transport& t, const LinkRef& link,
                                        GetLinkOptions opts = {});

/// Every link, each with every VF. A dump the kernel marks inconsistent (NLM_F_DUMP_INTR: a
/// link came or went meanwhile) is taken again, up to 3 times, then kInterrupted. A dump the
/// kernel cannot fit (NLMSG_DONE or NLMSG_ERROR with EMSGSIZE: a link whose description
/// outgrows a dump datagram, as on kernels that kept the dump's size hint in 16 bits) is
/// taken again without VFs, then each link is read alone, since a single-link reply is sized
/// to fit; a link that vanishes in between is left out.
std::expected<std::vector<LinkInfo>, Error> dump_links(Transport& t, GetLinkOptions opts = {});

/// RTM_SETLINK with `changes` (see build_setlink_vf). A change that gives only one of
/// min_tx_rate and max_tx_rate first reads `link` and takes the other from the VF's current
/// rates, as iproute2 does. Errors: kRefused with the peer's errno (the kernel's own errors
/// passed on: EOPNOTSUPP for a link without SR-IOV, EPERM without CAP_NET_ADMIN, ENODEV, the
/// PF driver's EINVAL ...); kInvalidArgument for a request that cannot be built, or a lone
/// rate for a VF the link does not report; and the transport's.
std::expected<void, Error> set_vf(Transport& t, const LinkRef& link,
                                  std::span<const VfChange> changes);

}  // namespace rtnl
