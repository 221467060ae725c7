#pragma once
// Links for the netlink tests: a PF with as many VFs as asked, every field distinct per VF.

#include <string>

#include "netlink/link_info.hpp"

namespace nltest {

/// A PF named `name` with `vfs` VFs. VF i has MAC 02:00:00:00:<i>:01, VLAN 100+i (QoS i%8,
/// 802.1ad on odd VFs), rates i*10/i*100+1000 Mb/s, every flag and link state varied (VF
/// i%5==4 reports no spoofchk/trust/RSS setting), and stats when `stats`.
rtnl::LinkInfo sample_pf(const std::string& name, int ifindex, unsigned vfs, bool stats = true);

}  // namespace nltest
