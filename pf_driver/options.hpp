#pragma once
// Configuration of the PF driver and the administrator's policy hook.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "hal/clock.hpp"
#include "hal/types.hpp"
#include "mailbox/message.hpp"

namespace pf {

/// `ip link set ... vf N state auto|enable|disable`.
enum class LinkState { kAuto, kEnable, kDisable };

std::string_view to_string(LinkState s);

struct PfOptions {
  /// The PF's own MAC (RAR 0). Zero: keep what the EEPROM loaded into RAR 0, if valid.
  hal::MacAddr mac;
  /// The PF's MTU: 68..9710. Above 1500 the PF runs jumbo, which on the 82599 shuts API 1.0
  /// VFs out of receive (spec 7, SET_LPE).
  uint32_t mtu = 1500;
  /// Events the log holds before overwriting the oldest.
  size_t event_capacity = 4096;
  /// Bound on each hardware wait of init()/reset() (master disable, reset, EEPROM, DMA).
  hal::Nanos reset_timeout = std::chrono::milliseconds(100);
};

enum class PolicyVerdict { kProceed, kRefuse };

/// Consulted for every VF request except VF_RESET (which must always work, or a VF could never
/// recover), before clear-to-send and API checks. On kRefuse the request is NACKed and an
/// event records `reason`. Runs on the mailbox path: keep it cheap; `reason` is a reused
/// buffer (assigning long text to it may allocate). Must not call back into the driver.
using PolicyHook =
    std::function<PolicyVerdict(hal::VfId, const mbx::Message&, std::string& reason)>;

}  // namespace pf
