#pragma once
// The registers that carry a VF's administrative configuration into the device, read from the
// simulated 82599's PF BAR, and what they must hold for a given intent. The soak checks these
// as well as the PF's software records (pf::VfInfo): a PF that records a setting but never
// programs it (or loses it at a reset) would otherwise pass.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hal/register_io.hpp"
#include "harness/soak/vf_intent.hpp"

namespace harness::soak {

/// One VF's pool registers as the device holds them.
struct VfRegs {
  bool mac_antispoof = false;   ///< PFVFSPOOF MACAS bit of the pool
  bool vlan_antispoof = false;  ///< PFVFSPOOF VLANAS bit of the pool
  uint32_t vmvir = 0;           ///< VMVIR(pool): port VLAN insertion
  uint32_t vmolr = 0;           ///< VMOLR(pool): receive filtering
  bool rx_enabled = false;      ///< VFRE bit of the pool
  bool tx_enabled = false;      ///< VFTE bit of the pool
  /// RTTBCNRC of each of the pool's queues (read through RTTDQSEL).
  std::vector<uint32_t> rttbcnrc;
};

/// Link speed the soak's host runs at: what the PF computes rate factors against.
inline constexpr uint32_t kSoakLinkMbps = 10000;

/// Reads `pool`'s registers through `bar0` (the PF's BAR). RTTBCNRC is indirect: RTTDQSEL is
/// pointed at each of the pool's `queues_per_pool` queues in turn and restored afterwards, so
/// call it only between PF service passes (the soak's single thread does).
VfRegs read_vf_regs(hal::RegisterIo& bar0, unsigned pool, unsigned queues_per_pool);

/// The first register of `regs` that does not carry `want` (the VF up, on a link of
/// kSoakLinkMbps, PF not jumbo), as one line; nullopt when they all do.
std::optional<std::string> check_regs(const VfIntent& want, const VfRegs& regs);

}  // namespace harness::soak
