#include "netlink/link_target.hpp"

#include <linux/if.h>
#include <netlink/attr.h>

namespace rtnl {

size_t link_target_space() { return static_cast<size_t>(nla_total_size(IFNAMSIZ)); }

std::expected<void, Error> put_link_target(nl_msg* msg, ifinfomsg* ifm, const LinkRef& link) {
  if (const auto* index = std::get_if<IfIndex>(&link)) {
    if (index->value() < 1) {
      return std::unexpected(
          Error{ErrorCode::kInvalidArgument, 0, fmt::format("ifindex {} names no link", *index)});
    }
    ifm->ifi_index = index->value();
    return {};
  }
  const std::string& name = std::get<std::string>(link);
  if (name.empty() || name.size() >= IFNAMSIZ || name.find('\0') != std::string::npos) {
    return std::unexpected(Error{
        ErrorCode::kInvalidArgument, 0,
        fmt::format("\"{}\" is not an interface name (1 to {} characters)", name, IFNAMSIZ - 1)});
  }
  ifm->ifi_index = 0;
  if (nla_put_string(msg, IFLA_IFNAME, name.c_str()) < 0) {
    return std::unexpected(Error{ErrorCode::kSystem, ENOMEM, "IFLA_IFNAME does not fit"});
  }
  return {};
}

}  // namespace rtnl
