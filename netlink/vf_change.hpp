#pragma once
// What `ip link set dev PF vf N ...` asks for: one VF and the settings to change, each
// optional. Encoded as one IFLA_VF_INFO of an RTM_SETLINK.

#include <optional>

#include "hal/types.hpp"
#include "netlink/ids.hpp"
#include "netlink/vf_info.hpp"

namespace rtnl {

struct VfChange {
  VfIndex vf{0};
  /// The VF's MAC; all zeros clears an administrator's MAC on most PF drivers.
  std::optional<hal::MacAddr> mac;
  /// The port VLAN; vid 0 and qos 0 remove it.
  std::optional<VfVlan> vlan;
  /// Mb/s. IFLA_VF_RATE carries both; build_setlink_vf needs both or neither, and set_vf()
  /// completes a lone one from the VF's current rates as iproute2 does.
  std::optional<uint32_t> min_tx_rate;
  std::optional<uint32_t> max_tx_rate;
  std::optional<bool> spoofchk;
  std::optional<bool> trust;
  std::optional<VfLinkState> link_state;
  std::optional<bool> query_rss;

  /// True when nothing is to change (the kernel answers EINVAL to an empty IFLA_VF_INFO).
  bool empty() const {
    return !mac && !vlan && !min_tx_rate && !max_tx_rate && !spoofchk && !trust && !link_state &&
           !query_rss;
  }
  bool operator==(const VfChange&) const = default;
};

}  // namespace rtnl
