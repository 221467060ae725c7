#include "sriovctl/format_link.hpp"

#include <fmt/format.h>
#include <linux/if.h>
#include <linux/if_arp.h>

#include <array>
#include <utility>

namespace sriovctl {
namespace {

// ip's order, which is not bit order.
constexpr std::array<std::pair<uint32_t, std::string_view>, 18> kFlagNames{{
    {IFF_LOOPBACK, "LOOPBACK"},
    {IFF_BROADCAST, "BROADCAST"},
    {IFF_POINTOPOINT, "POINTOPOINT"},
    {IFF_MULTICAST, "MULTICAST"},
    {IFF_NOARP, "NOARP"},
    {IFF_ALLMULTI, "ALLMULTI"},
    {IFF_PROMISC, "PROMISC"},
    {IFF_MASTER, "MASTER"},
    {IFF_SLAVE, "SLAVE"},
    {IFF_DEBUG, "DEBUG"},
    {IFF_DYNAMIC, "DYNAMIC"},
    {IFF_AUTOMEDIA, "AUTOMEDIA"},
    {IFF_PORTSEL, "PORTSEL"},
    {IFF_NOTRAILERS, "NOTRAILERS"},
    {IFF_UP, "UP"},
    {IFF_LOWER_UP, "LOWER_UP"},
    {IFF_DORMANT, "DORMANT"},
    {IFF_ECHO, "ECHO"},
}};

constexpr std::string_view kEtherBroadcast = "ff:ff:ff:ff:ff:ff";

std::string hex_address(const std::vector<uint8_t>& bytes) {
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    out += fmt::format("{}{:02x}", i == 0 ? "" : ":", bytes[i]);
  }
  return out;
}

// IFLA_BROADCAST is not kept in LinkInfo; for the two types with a fixed one, it is known.
std::string broadcast_of(const rtnl::LinkInfo& link) {
  if (link.type == ARPHRD_ETHER) return std::string(kEtherBroadcast);
  if (link.type == ARPHRD_LOOPBACK) return hex_address(std::vector<uint8_t>(link.address.size()));
  return {};
}

std::string on_off(bool v) { return v ? "on" : "off"; }

// ip pads each counter to a column and follows it with a space; the row's last space is
// dropped here so no line ends in blanks.
std::string counter_row(std::initializer_list<std::pair<uint64_t, int>> cells) {
  std::string row = "    ";
  for (const auto& [v, width] : cells) row += fmt::format("{:<{}} ", v, width);
  while (row.ends_with(' ')) row.pop_back();
  return row;
}

std::string vf_stats_text(const rtnl::VfStats& s) {
  std::string out;
  out += "\n    RX: bytes  packets  mcast   bcast   dropped\n";
  out += counter_row(
      {{s.rx_bytes, 10}, {s.rx_packets, 8}, {s.multicast, 7}, {s.broadcast, 7}, {s.rx_dropped, 8}});
  out += "\n    TX: bytes  packets   dropped\n";
  out += counter_row({{s.tx_bytes, 10}, {s.tx_packets, 8}, {s.tx_dropped, 8}});
  return out;
}

nlohmann::ordered_json vlan_to_json(const rtnl::VfVlan& v) {
  // As ip: a zero vid or qos is left out, and so is the default protocol.
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  if (v.vid != 0) j["vlan"] = v.vid;
  if (v.qos != 0) j["qos"] = v.qos;
  if (v.proto != rtnl::VlanProto::k8021Q) j["protocol"] = std::string(rtnl::to_string(v.proto));
  return j;
}

}  // namespace

std::vector<std::string> flag_names(uint32_t flags) {
  std::vector<std::string> out;
  if ((flags & IFF_UP) != 0 && (flags & IFF_RUNNING) == 0) out.emplace_back("NO-CARRIER");
  flags &= ~static_cast<uint32_t>(IFF_RUNNING);
  for (const auto& [bit, name] : kFlagNames) {
    if ((flags & bit) == 0) continue;
    out.emplace_back(name);
    flags &= ~bit;
  }
  if (flags != 0) out.push_back(fmt::format("{:x}", flags));
  return out;
}

std::string link_type_name(uint16_t type) {
  switch (type) {
    case ARPHRD_ETHER:
      return "ether";
    case ARPHRD_LOOPBACK:
      return "loopback";
    case ARPHRD_NONE:
      return "none";
    case ARPHRD_VOID:
      return "void";
    case ARPHRD_INFINIBAND:
      return "infiniband";
    case ARPHRD_TUNNEL:
      return "ipip";
    case ARPHRD_SIT:
      return "sit";
    case ARPHRD_IPGRE:
      return "gre";
    case ARPHRD_TUNNEL6:
      return "tunnel6";
    case ARPHRD_IP6GRE:
      return "gre6";
    case ARPHRD_CAN:
      return "can";
    default:
      return fmt::format("[{}]", type);
  }
}

std::string format_vf_text(const rtnl::VfInfo& vf, uint16_t link_type, bool stats) {
  std::string out =
      fmt::format("    vf {}     link/{} {}", vf.vf, link_type_name(link_type), vf.mac.to_string());
  if (link_type == ARPHRD_ETHER) out += fmt::format(" brd {}", kEtherBroadcast);
  for (const rtnl::VfVlan& v : vf.vlans) {
    if (v.vid != 0) out += fmt::format(", vlan {}", v.vid);
    if (v.qos != 0) out += fmt::format(", qos {}", v.qos);
    if (v.proto != rtnl::VlanProto::k8021Q) out += fmt::format(", vlan protocol {}", v.proto);
  }
  // The kernel reports the max rate twice, in the old IFLA_VF_TX_RATE too, and ip prints both.
  if (vf.max_tx_rate != 0) out += fmt::format(", tx rate {} (Mbps)", vf.max_tx_rate);
  if (vf.max_tx_rate != 0) out += fmt::format(", max_tx_rate {}Mbps", vf.max_tx_rate);
  if (vf.min_tx_rate != 0) out += fmt::format(", min_tx_rate {}Mbps", vf.min_tx_rate);
  if (vf.spoofchk) out += fmt::format(", spoof checking {}", on_off(*vf.spoofchk));
  out += fmt::format(", link-state {}", vf.link_state);
  if (vf.trust) out += fmt::format(", trust {}", on_off(*vf.trust));
  if (vf.rss_query_en) out += fmt::format(", query_rss {}", on_off(*vf.rss_query_en));
  if (stats && vf.stats) out += vf_stats_text(*vf.stats);
  return out;
}

std::string format_link_text(const rtnl::LinkInfo& link, std::string_view name, bool stats) {
  std::string out = fmt::format("{}: {}: <{}> mtu {} state {}\n", link.ifindex, name,
                                fmt::join(flag_names(link.flags), ","), link.mtu, link.oper_state);
  out += fmt::format("    link/{}", link_type_name(link.type));
  if (!link.address.empty()) out += fmt::format(" {}", hex_address(link.address));
  if (const std::string brd = broadcast_of(link); !brd.empty()) out += fmt::format(" brd {}", brd);
  out += '\n';
  for (const rtnl::VfInfo& vf : link.vfs) {
    out += format_vf_text(vf, link.type, stats);
    out += '\n';
  }
  return out;
}

nlohmann::ordered_json vf_to_json(const rtnl::VfInfo& vf, uint16_t link_type, bool stats) {
  nlohmann::ordered_json j;
  j["vf"] = vf.vf.value();
  j["link_type"] = link_type_name(link_type);
  j["address"] = vf.mac.to_string();
  if (link_type == ARPHRD_ETHER) j["broadcast"] = kEtherBroadcast;
  j["vlan_list"] = nlohmann::ordered_json::array();
  for (const rtnl::VfVlan& v : vf.vlans) j["vlan_list"].push_back(vlan_to_json(v));
  // IFLA_VF_TX_RATE, which the kernel fills with the max rate; ip leaves it out when 0.
  if (vf.max_tx_rate != 0) j["tx_rate"] = vf.max_tx_rate;
  j["rate"] = {{"max_tx", vf.max_tx_rate}, {"min_tx", vf.min_tx_rate}};
  if (vf.spoofchk) j["spoofchk"] = *vf.spoofchk;
  j["link_state"] = std::string(rtnl::to_string(vf.link_state));
  if (vf.trust) j["trust"] = *vf.trust;
  if (vf.rss_query_en) j["query_rss_en"] = *vf.rss_query_en;
  if (stats && vf.stats) {
    const rtnl::VfStats& s = *vf.stats;
    // ip's own key names, tx_bytes and tx_packets included, so scripts written for
    // `ip -j -s link show` read this unchanged.
    j["stats"] = {
        {"rx",
         {{"bytes", s.rx_bytes},
          {"packets", s.rx_packets},
          {"multicast", s.multicast},
          {"broadcast", s.broadcast},
          {"dropped", s.rx_dropped}}},
        {"tx",
         {{"tx_bytes", s.tx_bytes}, {"tx_packets", s.tx_packets}, {"dropped", s.tx_dropped}}}};
  }
  return j;
}

nlohmann::ordered_json link_to_json(const rtnl::LinkInfo& link, std::string_view name, bool stats) {
  nlohmann::ordered_json j;
  j["ifindex"] = link.ifindex.value();
  j["ifname"] = std::string(name);
  j["flags"] = flag_names(link.flags);
  j["mtu"] = link.mtu;
  j["operstate"] = std::string(rtnl::to_string(link.oper_state));
  j["link_type"] = link_type_name(link.type);
  if (!link.address.empty()) j["address"] = hex_address(link.address);
  if (const std::string brd = broadcast_of(link); !brd.empty()) j["broadcast"] = brd;
  if (!link.vfs.empty()) {
    j["vfinfo_list"] = nlohmann::ordered_json::array();
    for (const rtnl::VfInfo& vf : link.vfs) {
      j["vfinfo_list"].push_back(vf_to_json(vf, link.type, stats));
    }
  }
  return j;
}

}  // namespace sriovctl
