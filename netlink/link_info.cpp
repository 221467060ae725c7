#include "netlink/link_info.hpp"

#include <linux/if.h>

#include <algorithm>

namespace rtnl {

static_assert(static_cast<uint8_t>(OperState::kUnknown) == IF_OPER_UNKNOWN);
static_assert(static_cast<uint8_t>(OperState::kNotPresent) == IF_OPER_NOTPRESENT);
static_assert(static_cast<uint8_t>(OperState::kDown) == IF_OPER_DOWN);
static_assert(static_cast<uint8_t>(OperState::kLowerLayerDown) == IF_OPER_LOWERLAYERDOWN);
static_assert(static_cast<uint8_t>(OperState::kTesting) == IF_OPER_TESTING);
static_assert(static_cast<uint8_t>(OperState::kDormant) == IF_OPER_DORMANT);
static_assert(static_cast<uint8_t>(OperState::kUp) == IF_OPER_UP);

std::string_view to_string(OperState s) {
  switch (s) {
    case OperState::kUnknown:
      return "UNKNOWN";
    case OperState::kNotPresent:
      return "NOTPRESENT";
    case OperState::kDown:
      return "DOWN";
    case OperState::kLowerLayerDown:
      return "LOWERLAYERDOWN";
    case OperState::kTesting:
      return "TESTING";
    case OperState::kDormant:
      return "DORMANT";
    case OperState::kUp:
      return "UP";
  }
  return "UNKNOWN";
}

bool LinkInfo::admin_up() const { return (flags & IFF_UP) != 0; }

std::optional<hal::MacAddr> LinkInfo::mac() const {
  if (address.size() != 6) return std::nullopt;
  std::array<uint8_t, 6> b{};
  std::copy(address.begin(), address.end(), b.begin());
  return hal::MacAddr(b);
}

}  // namespace rtnl
