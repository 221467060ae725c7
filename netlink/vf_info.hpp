#pragma once
// One VF as its PF reports it in RTM_NEWLINK (an IFLA_VF_INFO nest), and the value types its
// attributes carry.

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "hal/types.hpp"
#include "netlink/ids.hpp"

namespace rtnl {

/// ifla_vf_link_state.link_state (IFLA_VF_LINK_STATE_*). A value the kernel adds later is kept
/// as it came, so a newer kernel's answer still decodes.
enum class VfLinkState : uint32_t {
  kAuto = 0,     ///< follow the PF's link
  kEnable = 1,   ///< always up
  kDisable = 2,  ///< always down
};

/// ifla_vf_vlan_info.vlan_proto, the ethertype of the port VLAN tag (host order here; the
/// struct carries it big-endian).
enum class VlanProto : uint16_t {
  k8021Q = 0x8100,
  k8021AD = 0x88A8,
};

std::string_view to_string(VfLinkState s);  ///< "auto", "enable", "disable" or "unknown"
std::string_view to_string(VlanProto p);    ///< "802.1Q", "802.1ad" or "unknown"

/// A port VLAN: vid 0 and qos 0 is "none".
struct VfVlan {
  uint16_t vid = 0;  ///< 0..4095
  uint8_t qos = 0;   ///< 802.1p priority, 0..7
  VlanProto proto = VlanProto::k8021Q;
  bool operator==(const VfVlan&) const = default;
};

/// IFLA_VF_STATS: the VF's counters as the PF driver keeps them.
struct VfStats {
  uint64_t rx_packets = 0;
  uint64_t tx_packets = 0;
  uint64_t rx_bytes = 0;
  uint64_t tx_bytes = 0;
  uint64_t broadcast = 0;
  uint64_t multicast = 0;
  uint64_t rx_dropped = 0;
  uint64_t tx_dropped = 0;
  bool operator==(const VfStats&) const = default;
};

struct VfInfo {
  VfIndex vf{0};
  /// The first 6 bytes of ifla_vf_mac.mac (an Ethernet PF's VF address; zero when unset).
  hal::MacAddr mac;
  /// IFLA_VF_VLAN_LIST in order (today's kernels report exactly one entry, vid 0 for none);
  /// from IFLA_VF_VLAN when an older kernel sends no list.
  std::vector<VfVlan> vlans;
  uint32_t min_tx_rate = 0;  ///< Mb/s, 0 = no guarantee
  uint32_t max_tx_rate = 0;  ///< Mb/s, 0 = no limit
  /// nullopt: the PF driver does not report it (the kernel then sends the setting as ~0u).
  std::optional<bool> spoofchk;
  std::optional<bool> trust;
  std::optional<bool> rss_query_en;
  VfLinkState link_state = VfLinkState::kAuto;
  /// nullopt when the request asked RTEXT_FILTER_SKIP_STATS (or the peer sent none).
  std::optional<VfStats> stats;
  bool operator==(const VfInfo&) const = default;
};

}  // namespace rtnl

template <>
struct fmt::formatter<rtnl::VfLinkState> : fmt::formatter<std::string_view> {
  auto format(rtnl::VfLinkState s, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(rtnl::to_string(s), ctx);
  }
};
template <>
struct fmt::formatter<rtnl::VlanProto> : fmt::formatter<std::string_view> {
  auto format(rtnl::VlanProto p, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(rtnl::to_string(p), ctx);
  }
};
