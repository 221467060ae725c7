#include "netlink/ids.hpp"

namespace rtnl {

std::string describe(const LinkRef& link) {
  if (const auto* index = std::get_if<IfIndex>(&link)) return fmt::format("ifindex {}", *index);
  return fmt::format("dev {}", std::get<std::string>(link));
}

}  // namespace rtnl
