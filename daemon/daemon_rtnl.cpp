// rtnetlink's link API as the daemon answers it: RTM_GETLINK (one link, or a dump) and
// RTM_SETLINK with IFLA_VFINFO_LIST, exactly as the kernel frames its answers.
#include <fmt/format.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>

#include <cerrno>
#include <cstring>
#include <variant>

#include "daemon/link_view.hpp"
#include "daemon/nl_reply.hpp"
#include "daemon/safe_text.hpp"
#include "daemon/setlink_apply.hpp"
#include "daemon/sim_daemon.hpp"
#include "netlink/attr_set.hpp"
#include "netlink/newlink_build.hpp"
#include "netlink/setlink_parse.hpp"

namespace simd {
namespace {

/// What an RTM_GETLINK asks.
struct GetlinkAsk {
  int32_t index = 0;
  std::string name;
  uint32_t ext_mask = 0;  ///< IFLA_EXT_MASK; none asks for no VFs, as with the kernel
};

std::expected<GetlinkAsk, std::string> parse_getlink(const nlmsghdr* h, bool dump) {
  GetlinkAsk ask;
  const size_t payload = h->nlmsg_len - NLMSG_HDRLEN;
  if (payload < sizeof(ifinfomsg)) {
    // A dump may carry the older one-byte rtgenmsg; one link must be named by ifinfomsg.
    if (dump) return ask;
    return std::unexpected(fmt::format("{} byte(s) after the header, struct ifinfomsg needs {}",
                                       payload, sizeof(ifinfomsg)));
  }
  ifinfomsg ifm;
  std::memcpy(&ifm, NLMSG_DATA(h), sizeof ifm);
  ask.index = ifm.ifi_index;
  const size_t attrs_at = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifinfomsg));
  if (h->nlmsg_len <= attrs_at) return ask;
  const auto* head =
      reinterpret_cast<const nlattr*>(reinterpret_cast<const std::byte*>(h) + attrs_at);
  auto attrs = rtnl::AttrSet::parse(head, static_cast<int>(h->nlmsg_len - attrs_at), IFLA_MAX,
                                    "RTM_GETLINK");
  if (!attrs) return std::unexpected(attrs.error().detail);
  if (const nlattr* a = attrs->get(IFLA_EXT_MASK)) {
    auto m = attrs->read<uint32_t>(a, "IFLA_EXT_MASK");
    if (!m) return std::unexpected(m.error().detail);
    ask.ext_mask = *m;
  }
  if (const nlattr* a = attrs->get(IFLA_IFNAME)) {
    auto n = attrs->read_string(a, "IFLA_IFNAME", IFNAMSIZ - 1);
    if (!n) return std::unexpected(n.error().detail);
    ask.name = std::move(*n);
  }
  return ask;
}

/// A SETLINK the daemon cannot take apart, or that breaks the kernel's rules, is EINVAL; one
/// asking for more than VF settings (link flags, a rename, other link attributes, no VF list
/// at all) is a change this daemon does not offer: EOPNOTSUPP.
int setlink_errno(const rtnl::Error& e) {
  if (e.code == rtnl::ErrorCode::kMalformed) return EINVAL;
  for (std::string_view more :
       {"link flags", "link attribute", "renames", "without IFLA_VFINFO_LIST"}) {
    if (e.detail.find(more) != std::string::npos) return EOPNOTSUPP;
  }
  return EINVAL;
}

}  // namespace

void SimDaemon::handle_getlink(Connection& c, const nlmsghdr* h) {
  const bool dump = (h->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
  auto ask = parse_getlink(h, dump);
  if (!ask) return refuse(c, *h, EINVAL, "RTM_GETLINK: " + ask.error());
  const std::string served =
      fmt::format("daemon {} serves one link, {} (ifindex {})", opts_.name, opts_.name, kPfIfIndex);
  if (!dump) {
    // The kernel looks a link up by index first, then by name.
    if (ask->index > 0 && ask->index != kPfIfIndex) {
      return refuse(c, *h, ENODEV, fmt::format("no link with ifindex {}: {}", ask->index, served));
    }
    if (ask->index <= 0 && ask->name.empty()) {
      return refuse(c, *h, EINVAL, "RTM_GETLINK names no link (ifi_index 0, no IFLA_IFNAME)");
    }
    if (ask->index <= 0 && ask->name != opts_.name) {
      return refuse(c, *h, ENODEV,
                    fmt::format("no link named {}: {}", quote_input(ask->name), served));
    }
  }
  rtnl::NewlinkOptions no;
  no.seq = h->nlmsg_seq;
  no.port = h->nlmsg_pid;
  no.flags = dump ? NLM_F_MULTI : 0;
  no.ext_filter_mask = ask->ext_mask;
  auto msg =
      rtnl::build_newlink(describe_pf(opts_.name, host_->pf(), host_->device(), stats_base_), no);
  if (!msg) return refuse(c, *h, EMSGSIZE, "RTM_NEWLINK: " + msg.error().detail);
  send_message(c, *msg);
  if (dump) {
    send_done(c, *h);
  } else if ((h->nlmsg_flags & NLM_F_ACK) != 0) {
    send_ack(c, *h, 0);
  }
}

void SimDaemon::handle_setlink(Connection& c, const nlmsghdr* h) {
  auto req = rtnl::parse_setlink_vf(h);
  if (!req) return refuse(c, *h, setlink_errno(req.error()), "RTM_SETLINK: " + req.error().detail);
  if (const auto* index = std::get_if<rtnl::IfIndex>(&req->link)) {
    if (index->value() != kPfIfIndex) {
      return refuse(c, *h, ENODEV,
                    fmt::format("no link with ifindex {}: daemon {} serves {} (ifindex {})",
                                index->value(), opts_.name, opts_.name, kPfIfIndex));
    }
  } else if (std::get<std::string>(req->link) != opts_.name) {
    return refuse(c, *h, ENODEV,
                  fmt::format("no link named {}: daemon {} serves {} (ifindex {})",
                              quote_input(std::get<std::string>(req->link)), opts_.name, opts_.name,
                              kPfIfIndex));
  }
  SetlinkResult r = apply_vf_changes(host_->pf(), req->changes);
  if (r.error != 0) return refuse(c, *h, r.error, r.reason, r.vf);
  if ((h->nlmsg_flags & NLM_F_ACK) != 0) send_ack(c, *h, 0);
}

}  // namespace simd
