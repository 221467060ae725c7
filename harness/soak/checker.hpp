#pragma once
// The soak's end-of-run checks, on a plain copy of what the host looked like once quiesced
// (SoakSnapshot), so a test can plant a violation in a copy and see it caught. check() lists
// every violation, one line each; an empty list is a pass.
//
// What is checked:
//  - per VF: the PF reports the admin configuration the soak last gave (check_admin), and the
//    device's registers carry it (check_regs: anti-spoof bits, port VLAN insertion, receive
//    filtering, link enables, per-queue rate factors); the
//    guest is up, with its queues live; the PF's view of its MAC and the guest's agree (once
//    the guest has reset since the last admin MAC change), and the guest runs the admin MAC;
//  - the device's accounting (sim::Accounting::check) and its agreement with the per-queue
//    counters and the wire;
//  - the guests' books (traffic.hpp): every frame a generator handed to its NIC was taken by
//    the device or freed with a ring a reset stopped; every copy the device delivered was read
//    or freed the same way; nothing is left in the rings; no phantom frame, no frame read
//    twice, no frame that is not a probe; every pool has all its mbufs back;
//  - the final probe round (PairProbe): the configuration holds in the hardware, VLAN
//    isolation included.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hal/sim/accounting.hpp"
#include "harness/soak/traffic.hpp"
#include "harness/soak/vf_intent.hpp"
#include "harness/soak/vf_regs.hpp"
#include "pf_driver/vf_info.hpp"

namespace harness::soak {

struct VfSnapshot {
  VfIntent intent;
  pf::VfInfo info;        ///< what the PF reports
  VfRegs regs;            ///< what the device's registers hold for its pool
  bool guest_up = false;  ///< Guest::is_up()
  bool queues_live = false;
  hal::MacAddr guest_mac;
  uint64_t guest_resets = 0;
  std::string guest_state;  ///< the driver's state and last error, for messages
};

/// The final probe round: after the quiesce, every guest sends to the next one for a while.
/// Every guest must send; the hardware must then do what the configuration says: between VFs
/// on the same port VLAN ID (0: untagged or priority-tagged) every frame arrives, except from
/// an untagged VF to one with a priority on VLAN 0 (its pool takes no untagged frames); across
/// port VLANs none does.
struct PairProbe {
  unsigned from = 0;
  unsigned to = 0;
  uint64_t sent = 0;      ///< by `from` in the round
  uint64_t received = 0;  ///< by `to`'s sink from `from`, in the round
  /// true: all must arrive; false: none may; nullopt: not judged (only `sent` > 0 is).
  std::optional<bool> expect_delivery;
};

/// What the configuration says about frames from `from` to `to`: see PairProbe.
std::optional<bool> expect_delivery(const VfIntent& from, const VfIntent& to);

struct SoakSnapshot {
  std::vector<VfSnapshot> vfs;
  /// The guests' books (after teardown: mbufs_missing filled in).
  std::vector<GuestTraffic> traffic;
  sim::Accounting accounting;
  /// The device's per-queue counters summed over every queue.
  uint64_t queue_tx_packets = 0;
  uint64_t queue_rx_packets = 0;
  /// Frames the wire port received from the device.
  uint64_t wire_frames = 0;
  /// Left in live rings once quiesced, as the queues counted them when closed
  /// (SoakTraffic::left_in_tx_rings / left_in_rx_rings).
  uint64_t in_tx_ring = 0;
  uint64_t in_rx_ring = 0;
  /// One per guest (it and the next one).
  std::vector<PairProbe> probes;
};

/// The first admin setting the PF reports differently from `intent`, as one line; nullopt when
/// they agree.
std::optional<std::string> check_admin(const VfIntent& intent, const pf::VfInfo& info);

/// Every violation in `s`, one line each ("vf 3: ...", "accounting: ..."); empty: all passed.
std::vector<std::string> check(const SoakSnapshot& s);

}  // namespace harness::soak
