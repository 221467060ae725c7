#pragma once
// Spoofed-frame reporting: the 82599 drops a VF's frame whose source MAC or VLAN fails the
// anti-spoof checks (PFVFSPOOF) and counts it in SSVPC, for pools whose VMECM bit is set (the
// PF sets it at every VF reset). Nobody is told otherwise, so the PF reads the counter now and
// then and turns a non-zero count into an event, as Linux ixgbe's watchdog does every 2 s.
// SSVPC is one count for the whole switch: the event cannot name the VF.

#include <chrono>
#include <cstddef>

#include "hal/clock.hpp"
#include "pf_driver/pf_core.hpp"

namespace pf {

/// How often SSVPC is read: bounds the events to one per interval however hard a VF spoofs.
inline constexpr hal::Nanos kSpoofCheckInterval = std::chrono::seconds(2);

/// When VFs are enabled and the interval has passed: reads SSVPC (read-to-clear) and records
/// kSpoofedFrames with the count when it is not zero. An all-ones read is a saturated counter
/// unless STATUS reads all-ones too (the device is gone: no event). Returns 1 when it recorded
/// an event.
size_t check_spoofed_frames(PfCore& c);

}  // namespace pf
