#include "netlink/getlink_request.hpp"

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>

#include "netlink/link_target.hpp"

namespace rtnl {
namespace {

// ifinfomsg, IFLA_IFNAME and IFLA_EXT_MASK: well under libnl's one-page default.
size_t getlink_capacity() {
  return NLMSG_SPACE(sizeof(ifinfomsg)) + link_target_space() +
         static_cast<size_t>(nla_total_size(sizeof(uint32_t)));
}

std::expected<Message, Error> build(const LinkRef* link, uint16_t flags, GetLinkOptions opts) {
  auto msg = Message::create(RTM_GETLINK, flags, sizeof(ifinfomsg), getlink_capacity());
  if (!msg) return msg;
  auto* ifm = static_cast<ifinfomsg*>(msg->payload());
  ifm->ifi_family = AF_UNSPEC;
  if (link != nullptr) {
    if (auto ok = put_link_target(msg->get(), ifm, *link); !ok) {
      return std::unexpected(ok.error());
    }
  }
  if (nla_put_u32(msg->get(), IFLA_EXT_MASK, ext_filter_mask(opts)) < 0) {
    return std::unexpected(Error{ErrorCode::kSystem, ENOMEM, "IFLA_EXT_MASK does not fit"});
  }
  return msg;
}

}  // namespace

uint32_t ext_filter_mask(GetLinkOptions opts) {
  uint32_t mask = 0;
  if (opts.vfs) mask |= RTEXT_FILTER_VF;
  if (!opts.vf_stats) mask |= RTEXT_FILTER_SKIP_STATS;
  return mask;
}

std::expected<Message, Error> build_getlink(const LinkRef& link, GetLinkOptions opts) {
  return build(&link, NLM_F_REQUEST | NLM_F_ACK, opts);
}

std::expected<Message, Error> build_dump_links(GetLinkOptions opts) {
  return build(nullptr, NLM_F_REQUEST | NLM_F_DUMP, opts);
}

}  // namespace rtnl
