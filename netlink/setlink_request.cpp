#include "netlink/setlink_request.hpp"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include "netlink/attr_put.hpp"
#include "netlink/link_target.hpp"

namespace rtnl {
namespace {

// The most one IFLA_VF_INFO can take: every attribute present.
size_t vf_info_space() {
  return attr_space(0) + attr_space(sizeof(ifla_vf_mac)) + attr_space(0) + attr_space(sizeof(ifla_vf_vlan_info)) +
         attr_space(sizeof(ifla_vf_rate)) + attr_space(sizeof(ifla_vf_spoofchk)) +
         attr_space(sizeof(ifla_vf_link_state)) + attr_space(sizeof(ifla_vf_rss_query_en)) +
         attr_space(sizeof(ifla_vf_trust));
}

uint32_t flag(bool on) { return on ? 1 : 0; }

std::expected<void, Error> check(const VfChange& c) {
  if (c.empty()) {
    return std::unexpected(
        Error{ErrorCode::kInvalidArgument, 0, fmt::format("VF {}: nothing to change", c.vf)});
  }
  if (c.min_tx_rate.has_value() != c.max_tx_rate.has_value()) {
    return std::unexpected(
        Error{ErrorCode::kInvalidArgument, 0,
              fmt::format("VF {}: IFLA_VF_RATE carries both min_tx_rate and max_tx_rate; give both "
                          "(set_vf() fills the other from the VF's current rate)",
                          c.vf)});
  }
  return {};
}

bool put_vlan_list(nl_msg* msg, uint32_t vf, const VfVlan& vlan) {
  nlattr* list = nla_nest_start(msg, IFLA_VF_VLAN_LIST);
  if (list == nullptr) return false;
  ifla_vf_vlan_info info{};
  info.vf = vf;
  info.vlan = vlan.vid;
  info.qos = vlan.qos;
  info.vlan_proto = htons(static_cast<uint16_t>(vlan.proto));
  if (!put_attr(msg, IFLA_VF_VLAN_INFO, info)) return false;
  return nla_nest_end(msg, list) == 0;
}

bool put_vf_info(nl_msg* msg, const VfChange& c) {
  const uint32_t vf = c.vf.value();
  nlattr* info = nla_nest_start(msg, IFLA_VF_INFO);
  if (info == nullptr) return false;
  if (c.mac) {
    ifla_vf_mac m{};
    m.vf = vf;
    std::copy(c.mac->bytes().begin(), c.mac->bytes().end(), m.mac);
    if (!put_attr(msg, IFLA_VF_MAC, m)) return false;
  }
  if (c.vlan && !put_vlan_list(msg, vf, *c.vlan)) return false;
  if (c.min_tx_rate && c.max_tx_rate) {
    const ifla_vf_rate r{vf, *c.min_tx_rate, *c.max_tx_rate};
    if (!put_attr(msg, IFLA_VF_RATE, r)) return false;
  }
  if (c.spoofchk && !put_attr(msg, IFLA_VF_SPOOFCHK, ifla_vf_spoofchk{vf, flag(*c.spoofchk)})) {
    return false;
  }
  if (c.link_state &&
      !put_attr(msg, IFLA_VF_LINK_STATE, ifla_vf_link_state{vf, static_cast<uint32_t>(*c.link_state)})) {
    return false;
  }
  if (c.query_rss &&
      !put_attr(msg, IFLA_VF_RSS_QUERY_EN, ifla_vf_rss_query_en{vf, flag(*c.query_rss)})) {
    return false;
  }
  if (c.trust && !put_attr(msg, IFLA_VF_TRUST, ifla_vf_trust{vf, flag(*c.trust)})) return false;
  return nla_nest_end(msg, info) == 0;
}

}  // namespace

std::expected<Message, Error> build_setlink_vf(const LinkRef& link,
                                               std::span<const VfChange> changes) {
  if (changes.empty()) {
    return std::unexpected(Error{ErrorCode::kInvalidArgument, 0, "no VF change to send"});
  }
  for (const VfChange& c : changes) {
    if (auto ok = check(c); !ok) return std::unexpected(ok.error());
  }
  const size_t capacity = NLMSG_SPACE(sizeof(ifinfomsg)) + link_target_space() + attr_space(0) +
                          changes.size() * vf_info_space();
  auto msg = Message::create(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, sizeof(ifinfomsg), capacity);
  if (!msg) return msg;
  auto* ifm = static_cast<ifinfomsg*>(msg->payload());
  ifm->ifi_family = AF_UNSPEC;
  if (auto ok = put_link_target(msg->get(), ifm, link); !ok) return std::unexpected(ok.error());

  nlattr* list = nla_nest_start(msg->get(), IFLA_VFINFO_LIST);
  bool fits = list != nullptr;
  for (size_t i = 0; fits && i < changes.size(); ++i) fits = put_vf_info(msg->get(), changes[i]);
  if (!fits || nla_nest_end(msg->get(), list) != 0) {
    // The capacity above covers every attribute, so this is a sizing bug, not a user error.
    return std::unexpected(Error{
        ErrorCode::kSystem, ENOMEM,
        fmt::format("RTM_SETLINK for {} VF(s) overflowed {} bytes", changes.size(), capacity)});
  }
  return msg;
}

}  // namespace rtnl
