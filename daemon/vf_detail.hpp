#pragma once
// One VF in full for the vf_show op (ctl/protocol.hpp): the administrator's settings, what
// the VF negotiated, its last reset, mailbox counters, traffic counters and its built-in guest.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "daemon/link_view.hpp"
#include "hal/sim/device.hpp"
#include "harness/guest.hpp"
#include "pf_driver/pf_driver.hpp"

namespace simd {

/// A VF's last reset as the daemon saw it in the PF's events.
struct LastReset {
  enum class Kind : uint8_t { kNone, kVfReset, kFlr };
  Kind kind = Kind::kNone;
  uint64_t seq = 0;      ///< the journal's seq of the event
  uint64_t time_ns = 0;  ///< CLOCK_REALTIME
};
std::string_view to_string(LastReset::Kind k);  ///< "none", "vf_reset", "flr"

/// The guest's part of the detail; `ip` is its responder's address ("" when none).
struct GuestView {
  const harness::Guest* guest = nullptr;
  std::string ip;
  uint64_t announced = 0;
  uint64_t arp_replies = 0;
  uint64_t echo_replies = 0;
};

/// vf_show's body for `vf`, which must exist (vf < pf.num_vfs()). Field by field as
/// ctl/protocol.hpp lists them; docs/daemon.md explains each. "stats" counts from `base`
/// (link_view.hpp's vf_stats()).
nlohmann::json vf_detail(const pf::PfDriver& pf, const sim::Device82599& dev, hal::VfId vf,
                         const LastReset& last_reset, const GuestView& guest,
                         const StatsBaseline& base);

}  // namespace simd
