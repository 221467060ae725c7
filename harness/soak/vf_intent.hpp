#pragma once
// What the soak last told the PF about one VF (as an operator's `ip link set PF vf N ...`
// would): the configuration the PF must report, and the guest must run with, after any number
// of resets.

#include <cstdint>
#include <optional>

#include "hal/types.hpp"
#include "pf_driver/options.hpp"

namespace harness::soak {

/// The PF's defaults at enable time, then every accepted admin call applied on top.
struct VfIntent {
  std::optional<hal::MacAddr> mac;  ///< an administrator's MAC; none: the VF picks its own
  uint16_t vlan = 0;
  uint8_t qos = 0;
  bool spoofchk = true;
  bool trust = false;
  pf::LinkState link_state = pf::LinkState::kAuto;
  uint32_t max_tx_mbps = 0;
  /// The guest's VF resets (VfDriver::counters().resets) when `mac` was last set: once the
  /// count moves past it, the guest must run with `mac` (an admin MAC takes effect at the VF's
  /// next reset).
  uint64_t resets_at_mac = 0;
};

}  // namespace harness::soak
