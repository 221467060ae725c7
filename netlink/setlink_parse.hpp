#pragma once
// RTM_SETLINK's VF settings decoded, for the answering side (sriovctl's daemon).

#include <linux/netlink.h>

#include <expected>
#include <vector>

#include "netlink/error.hpp"
#include "netlink/ids.hpp"
#include "netlink/vf_change.hpp"

namespace rtnl {

struct SetLinkVfRequest {
  LinkRef link;
  std::vector<VfChange> changes;  ///< one per IFLA_VF_INFO, in order
};

/// Decodes an RTM_SETLINK that carries IFLA_VFINFO_LIST and nothing else to change. Besides
/// what build_setlink_vf() writes it accepts the older IFLA_VF_VLAN and IFLA_VF_TX_RATE (a
/// max rate alone). `msg`'s nlmsg_len bytes must be readable. Errors: kMalformed (layout, as
/// parse_link); kInvalidArgument for a request the kernel would also refuse or that asks for
/// more than VF settings: no link named, a name next to an index (a rename), ifi_flags or
/// ifi_change set, another link attribute, no IFLA_VFINFO_LIST, an empty IFLA_VF_INFO, a VLAN
/// list without exactly one entry, or structs naming different VFs in one IFLA_VF_INFO.
std::expected<SetLinkVfRequest, Error> parse_setlink_vf(const nlmsghdr* msg);

}  // namespace rtnl
