#include "netlink/vf_info.hpp"

#include <linux/if_ether.h>
#include <linux/if_link.h>

namespace rtnl {

static_assert(static_cast<uint32_t>(VfLinkState::kAuto) == IFLA_VF_LINK_STATE_AUTO);
static_assert(static_cast<uint32_t>(VfLinkState::kEnable) == IFLA_VF_LINK_STATE_ENABLE);
static_assert(static_cast<uint32_t>(VfLinkState::kDisable) == IFLA_VF_LINK_STATE_DISABLE);
static_assert(static_cast<uint16_t>(VlanProto::k8021Q) == ETH_P_8021Q);
static_assert(static_cast<uint16_t>(VlanProto::k8021AD) == ETH_P_8021AD);

std::string_view to_string(VfLinkState s) {
  switch (s) {
    case VfLinkState::kAuto:
      return "auto";
    case VfLinkState::kEnable:
      return "enable";
    case VfLinkState::kDisable:
      return "disable";
  }
  return "unknown";
}

std::string_view to_string(VlanProto p) {
  switch (p) {
    case VlanProto::k8021Q:
      return "802.1Q";
    case VlanProto::k8021AD:
      return "802.1ad";
  }
  return "unknown";
}

}  // namespace rtnl
