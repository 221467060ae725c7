#pragma once
// One link as RTM_NEWLINK describes it: the fields sriovctl shows, and every VF of a PF.

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hal/types.hpp"
#include "netlink/ids.hpp"
#include "netlink/vf_info.hpp"

namespace rtnl {

/// IFLA_OPERSTATE, RFC 2863's operational states (IF_OPER_* in linux/if.h).
enum class OperState : uint8_t {
  kUnknown = 0,
  kNotPresent = 1,
  kDown = 2,
  kLowerLayerDown = 3,
  kTesting = 4,
  kDormant = 5,
  kUp = 6,
};

std::string_view to_string(OperState s);  ///< "UNKNOWN", "UP", ... as iproute2 prints them

struct LinkInfo {
  IfIndex ifindex{0};
  std::string name;
  uint16_t type = 0;   ///< ifi_type, an ARPHRD_* value (1 = Ethernet, 772 = loopback)
  uint32_t flags = 0;  ///< ifi_flags, IFF_* bits
  uint32_t mtu = 0;
  OperState oper_state = OperState::kUnknown;
  /// IFLA_ADDRESS as sent: 6 bytes for Ethernet, other lengths for other link types.
  std::vector<uint8_t> address;
  /// IFLA_NUM_VF: present only for a device on a bus (a PCI function) when the request asked
  /// for VF information; the kernel sends 0 for a PF with SR-IOV off.
  std::optional<uint32_t> num_vf;
  /// Every IFLA_VF_INFO, in the order sent. Can be shorter than num_vf: the kernel leaves out
  /// a VF whose driver fails to describe it.
  std::vector<VfInfo> vfs;

  bool admin_up() const;                    ///< IFF_UP
  std::optional<hal::MacAddr> mac() const;  ///< address when it is 6 bytes long
  bool operator==(const LinkInfo&) const = default;
};

}  // namespace rtnl

template <>
struct fmt::formatter<rtnl::OperState> : fmt::formatter<std::string_view> {
  auto format(rtnl::OperState s, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(rtnl::to_string(s), ctx);
  }
};
