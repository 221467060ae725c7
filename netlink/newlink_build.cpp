#include "netlink/newlink_build.hpp"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include <algorithm>

#include "netlink/attr_put.hpp"

namespace rtnl {
namespace {

size_t vf_space(const VfInfo& vf, bool stats) {
  size_t n = attr_space(0) + attr_space(sizeof(ifla_vf_mac)) + attr_space(sizeof(ifla_vf_broadcast)) +
             attr_space(sizeof(ifla_vf_vlan)) + attr_space(sizeof(ifla_vf_rate)) +
             attr_space(sizeof(ifla_vf_tx_rate)) + attr_space(sizeof(ifla_vf_spoofchk)) +
             attr_space(sizeof(ifla_vf_link_state)) + attr_space(sizeof(ifla_vf_rss_query_en)) +
             attr_space(sizeof(ifla_vf_trust)) + attr_space(0) +
             std::max<size_t>(1, vf.vlans.size()) * attr_space(sizeof(ifla_vf_vlan_info));
  if (stats) n += attr_space(0) + 8 * attr_space(sizeof(uint64_t));
  return n;
}

// libnl marks nests NLA_F_NESTED; the kernel's link replies do not (nla_nest_start_noflag),
// and these messages stand in for the kernel's, byte for byte.
nlattr* start_nest(nl_msg* msg, int type) {
  nlattr* nest = nla_nest_start(msg, type);
  if (nest != nullptr) nest->nla_type &= ~NLA_F_NESTED;
  return nest;
}

uint32_t setting(std::optional<bool> s) {
  if (!s) return ~0u;
  return *s ? 1 : 0;
}

bool put_vlan_list(nl_msg* msg, const VfInfo& vf) {
  nlattr* list = start_nest(msg, IFLA_VF_VLAN_LIST);
  if (list == nullptr) return false;
  const std::vector<VfVlan> none{VfVlan{}};
  for (const VfVlan& v : vf.vlans.empty() ? none : vf.vlans) {
    ifla_vf_vlan_info info{};
    info.vf = vf.vf.value();
    info.vlan = v.vid;
    info.qos = v.qos;
    info.vlan_proto = htons(static_cast<uint16_t>(v.proto));
    if (!put_attr(msg, IFLA_VF_VLAN_INFO, info)) return false;
  }
  return nla_nest_end(msg, list) == 0;
}

bool put_stats(nl_msg* msg, const VfStats& s) {
  nlattr* nest = start_nest(msg, IFLA_VF_STATS);
  if (nest == nullptr) return false;
  // x86-64 has efficient unaligned access, so the kernel adds no IFLA_VF_STATS_PAD there.
  const std::pair<int, uint64_t> counters[] = {
      {IFLA_VF_STATS_RX_PACKETS, s.rx_packets}, {IFLA_VF_STATS_TX_PACKETS, s.tx_packets},
      {IFLA_VF_STATS_RX_BYTES, s.rx_bytes},     {IFLA_VF_STATS_TX_BYTES, s.tx_bytes},
      {IFLA_VF_STATS_BROADCAST, s.broadcast},   {IFLA_VF_STATS_MULTICAST, s.multicast},
      {IFLA_VF_STATS_RX_DROPPED, s.rx_dropped}, {IFLA_VF_STATS_TX_DROPPED, s.tx_dropped},
  };
  for (const auto& [type, value] : counters) {
    if (nla_put_u64(msg, type, value) < 0) return false;
  }
  return nla_nest_end(msg, nest) == 0;
}

bool put_vf(nl_msg* msg, const VfInfo& vf, bool stats) {
  const uint32_t index = vf.vf.value();
  const VfVlan first = vf.vlans.empty() ? VfVlan{} : vf.vlans.front();
  ifla_vf_mac mac{};
  mac.vf = index;
  std::copy(vf.mac.bytes().begin(), vf.mac.bytes().end(), mac.mac);
  ifla_vf_broadcast bcast{};
  std::fill_n(bcast.broadcast, 6, 0xFF);

  nlattr* info = start_nest(msg, IFLA_VF_INFO);
  return info != nullptr && put_attr(msg, IFLA_VF_MAC, mac) && put_attr(msg, IFLA_VF_BROADCAST, bcast) &&
         put_attr(msg, IFLA_VF_VLAN, ifla_vf_vlan{index, first.vid, first.qos}) &&
         put_attr(msg, IFLA_VF_RATE, ifla_vf_rate{index, vf.min_tx_rate, vf.max_tx_rate}) &&
         put_attr(msg, IFLA_VF_TX_RATE, ifla_vf_tx_rate{index, vf.max_tx_rate}) &&
         put_attr(msg, IFLA_VF_SPOOFCHK, ifla_vf_spoofchk{index, setting(vf.spoofchk)}) &&
         put_attr(msg, IFLA_VF_LINK_STATE,
             ifla_vf_link_state{index, static_cast<uint32_t>(vf.link_state)}) &&
         put_attr(msg, IFLA_VF_RSS_QUERY_EN, ifla_vf_rss_query_en{index, setting(vf.rss_query_en)}) &&
         put_attr(msg, IFLA_VF_TRUST, ifla_vf_trust{index, setting(vf.trust)}) &&
         put_vlan_list(msg, vf) && (!stats || put_stats(msg, vf.stats.value_or(VfStats{}))) &&
         nla_nest_end(msg, info) == 0;
}

bool put_basics(nl_msg* msg, const LinkInfo& link) {
  if (nla_put_string(msg, IFLA_IFNAME, link.name.c_str()) < 0 ||
      nla_put_u8(msg, IFLA_OPERSTATE, static_cast<uint8_t>(link.oper_state)) < 0 ||
      nla_put_u32(msg, IFLA_MTU, link.mtu) < 0) {
    return false;
  }
  if (link.address.empty()) return true;
  const std::vector<uint8_t> bcast(link.address.size(), 0xFF);
  return nla_put(msg, IFLA_ADDRESS, static_cast<int>(link.address.size()), link.address.data()) ==
             0 &&
         nla_put(msg, IFLA_BROADCAST, static_cast<int>(bcast.size()), bcast.data()) == 0;
}

}  // namespace

std::expected<Message, Error> build_newlink(const LinkInfo& link, NewlinkOptions opts) {
  if (link.name.empty() || link.name.size() >= IFNAMSIZ) {
    return std::unexpected(Error{ErrorCode::kInvalidArgument, 0,
                                 fmt::format("link name \"{}\" cannot be sent", link.name)});
  }
  const bool vfs = link.num_vf.has_value() && (opts.ext_filter_mask & RTEXT_FILTER_VF) != 0;
  const bool stats = (opts.ext_filter_mask & RTEXT_FILTER_SKIP_STATS) == 0;
  size_t capacity = NLMSG_SPACE(sizeof(ifinfomsg)) + attr_space(IFNAMSIZ) + attr_space(1) + attr_space(4) +
                    2 * attr_space(link.address.size()) + attr_space(4) + attr_space(0);
  if (vfs) {
    for (const VfInfo& vf : link.vfs) capacity += vf_space(vf, stats);
  }
  auto msg = Message::create(RTM_NEWLINK, opts.flags, sizeof(ifinfomsg), capacity);
  if (!msg) return msg;
  msg->header()->nlmsg_seq = opts.seq;
  msg->header()->nlmsg_pid = opts.port;
  auto* ifm = static_cast<ifinfomsg*>(msg->payload());
  ifm->ifi_family = AF_UNSPEC;
  ifm->ifi_type = link.type;
  ifm->ifi_index = link.ifindex.value();
  ifm->ifi_flags = link.flags;

  bool fits = put_basics(msg->get(), link);
  if (fits && vfs) {
    fits = nla_put_u32(msg->get(), IFLA_NUM_VF, *link.num_vf) == 0;
    nlattr* list = fits ? start_nest(msg->get(), IFLA_VFINFO_LIST) : nullptr;
    fits = list != nullptr;
    for (size_t i = 0; fits && i < link.vfs.size(); ++i)
      fits = put_vf(msg->get(), link.vfs[i], stats);
    fits = fits && nla_nest_end(msg->get(), list) == 0;
  }
  if (!fits) {
    return std::unexpected(
        Error{ErrorCode::kInvalidArgument, 0,
              fmt::format("RTM_NEWLINK for {} with {} VF(s) does not fit a netlink nest", link.name,
                          link.vfs.size())});
  }
  return msg;
}

}  // namespace rtnl
