#pragma once
// What the user asked the VF driver for, kept so that every bring-up (first probe, recovery after
// a PF reset, FLR or trust change) can replay it: the PF forgets a VF's filters on VF_RESET.

#include <bitset>
#include <cstdint>
#include <optional>
#include <vector>

#include "hal/types.hpp"
#include "mailbox/message.hpp"

namespace vf {

struct UserConfig {
  static constexpr unsigned kNumVlans = 4096;

  std::optional<hal::MacAddr> mac;      ///< set_mac() accepted (or not yet sent)
  std::vector<hal::MacAddr> multicast;  ///< set_multicast(), at most mbx::kMaxMulticast
  std::bitset<kNumVlans> vlans;         ///< add_vlan() / remove_vlan()
  std::optional<uint32_t> mtu;          ///< set_mtu()
  std::optional<mbx::XcastMode> xcast;  ///< set_xcast(): the mode asked for, not the applied one
};

}  // namespace vf
