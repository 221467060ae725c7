#pragma once
// The locally administered MAC a VF picks when its PF assigns none (VF_RESET NACK).

#include <cstdint>

#include "hal/types.hpp"

namespace vf {

/// The `index`-th of a stream of unicast, locally administered MACs derived from `seed` alone
/// (so tests are deterministic). Different seeds or indexes give different MACs with
/// overwhelming probability; equal (seed, index) pairs give equal MACs.
/// Thread-safe (pure function).
hal::MacAddr random_laa_mac(uint64_t seed, unsigned index = 0);

}  // namespace vf
