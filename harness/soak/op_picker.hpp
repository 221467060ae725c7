#pragma once
// The soak's random operations: what an operator and the guests do to a running host, drawn
// from a seed so that a failing run is replayed exactly (same seed, same iteration count).

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "hal/types.hpp"
#include "harness/soak/rng.hpp"
#include "harness/soak/vf_intent.hpp"
#include "pf_driver/options.hpp"

namespace harness::soak {

enum class OpKind : uint8_t {
  kMac,          ///< set_vf_mac: a new administrator's MAC, or clear it (zero)
  kVlan,         ///< set_vf_vlan: a port VLAN and QoS, or clear it (0, 0)
  kSpoofchk,     ///< set_vf_spoofchk
  kTrust,        ///< set_vf_trust (the PF then resets the VF)
  kLinkState,    ///< set_vf_link_state auto/enable/disable (the PF then resets the VF)
  kRate,         ///< set_vf_rate: a TX limit in Mb/s, or none (0)
  kBadAdmin,     ///< an operator's mistake the PF must refuse without changing anything
  kPfReset,      ///< PfDriver::reset() with every VF up
  kHostFlr,      ///< the host writes Initiate FLR into the VF's config space
  kGuestReset,   ///< the guest reloads its VF driver (VFCTRL.RST, VF_RESET, restore)
  kTrafficOnly,  ///< nothing but traffic for the slice
};
inline constexpr size_t kNumOpKinds = 11;
std::string_view to_string(OpKind k);

/// The mistakes kBadAdmin makes.
enum class BadAdmin : uint8_t {
  kMulticastMac,  ///< set_vf_mac with a multicast address
  kOtherVfsMac,   ///< set_vf_mac with another VF's administrator MAC (kBusy)
  kVlanTooBig,    ///< vid 4096
  kQosTooBig,     ///< qos 8
  kRateTooLow,    ///< 10 Mb/s or less
  kRateTooHigh,   ///< above the 10 Gb/s link
  kNoSuchVf,      ///< a VF index at or past num_vfs
};
inline constexpr size_t kNumBadAdmin = 7;
std::string_view to_string(BadAdmin b);

/// One operation. Only the fields its kind names are meaningful.
struct Op {
  OpKind kind = OpKind::kTrafficOnly;
  unsigned vf = 0;
  hal::MacAddr mac;        ///< kMac (zero: clear); kBadAdmin's MAC
  uint16_t vlan = 0;       ///< kVlan
  uint8_t qos = 0;         ///< kVlan
  bool on = false;         ///< kSpoofchk, kTrust
  pf::LinkState link = pf::LinkState::kAuto;  ///< kLinkState
  uint32_t mbps = 0;       ///< kRate
  BadAdmin bad = BadAdmin::kMulticastMac;     ///< kBadAdmin
  /// Host steps (100 us of simulated time each) of traffic after the operation.
  unsigned steps = 1;
  /// Where in its first step the operation lands: 0 before it; 1 after the generators sent
  /// (frames in the TX rings); 2 after the engine pass (copies in the RX rings).
  uint8_t phase = 0;
};

/// One line: the kind, the VF and the values ("vlan vf 7 vid 3 qos 5").
std::string describe(const Op& op);

/// Draws operations. Relative weights favour the cheap admin calls; a PF reset, which
/// resets all VFs at once, is the rarest.
class OpPicker {
 public:
  /// Operations on VFs 0..num_vfs-1 (num_vfs > 0), from `seed`.
  OpPicker(uint64_t seed, unsigned num_vfs);

  /// The next operation. `intents` (one per VF) lets a mistake borrow another VF's admin MAC.
  Op next(std::span<const VfIntent> intents);

  /// The relative weight of each kind, in OpKind order.
  static constexpr std::array<uint32_t, kNumOpKinds> kWeights = {10, 10, 8, 5, 6, 6, 4, 1, 5, 5, 10};
  /// The rates kRate picks from, in Mb/s (0: none). A generator offers 20000 minimum frames
  /// a second, 13.4 Mb/s as the shaper charges them (84 bytes each with preamble, FCS and
  /// gap): 11 and 12 Mb/s hold it back (a full TX ring, tx_burst taking fewer), the others
  /// are programmed and restored without biting. The shaper runs on the host's ManualClock in
  /// stepped mode (harness/sim_host.cpp), so limiting keeps runs reproducible.
  static constexpr std::array<uint32_t, 5> kRates = {0, 11, 12, 2500, 10000};
  /// Port VLANs kVlan picks from (a few, so VFs share VLANs and traffic crosses them).
  static constexpr uint16_t kMaxSoakVlan = 3;

 private:
  hal::MacAddr random_mac();

  SoakRng rng_;
  unsigned num_vfs_;
  uint32_t total_weight_ = 0;
};

}  // namespace harness::soak
