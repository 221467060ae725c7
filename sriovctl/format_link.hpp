#pragma once
// `link show` output: the text `ip link show` (and `ip -s`) prints, and the JSON `ip -j`
// prints, for links as rtnetlink describes them (rtnl::LinkInfo). Pure: strings in, strings
// and JSON out. docs/sriovctl.md shows both.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "netlink/link_info.hpp"
#include "netlink/vf_info.hpp"

namespace sriovctl {

/// The IFF_* flag names `ip` prints, in its order ("NO-CARRIER" first when the link is up
/// without carrier; IFF_RUNNING itself never shown; unnamed bits as one hex number).
std::vector<std::string> flag_names(uint32_t flags);
/// ifi_type as `ip` names it after "link/" ("ether", "loopback", "none"...; "[N]" otherwise).
std::string link_type_name(uint16_t type);

/// One link: "N: NAME: <FLAGS> mtu M state S", "    link/TYPE ADDR brd BCAST", then a line
/// per VF ("    vf N     link/ether MAC brd ff:ff:ff:ff:ff:ff, vlan V, ...") and, with
/// `stats`, each VF's RX/TX rows. `name` replaces link.name (a daemon's "sim:NAME"). Every
/// line ends with '\n'.
std::string format_link_text(const rtnl::LinkInfo& link, std::string_view name, bool stats);
/// One VF's line (without the leading newline) and, with `stats`, its counter rows, for a
/// link of ifi_type `link_type`.
std::string format_vf_text(const rtnl::VfInfo& vf, uint16_t link_type, bool stats);

/// One link as `ip -j link show` describes it, keys in ip's order: ifindex, ifname, flags, mtu,
/// operstate, link_type, address, broadcast, and vfinfo_list when it has VFs.
nlohmann::ordered_json link_to_json(const rtnl::LinkInfo& link, std::string_view name, bool stats);
/// One entry of vfinfo_list: vf, link_type, address, broadcast, vlan_list, rate {max_tx,
/// min_tx}, spoofchk, link_state, trust, query_rss_en (the three booleans only when the PF
/// reports them) and, with `stats`, stats {rx {...}, tx {...}} with ip's key names.
nlohmann::ordered_json vf_to_json(const rtnl::VfInfo& vf, uint16_t link_type, bool stats);

}  // namespace sriovctl
