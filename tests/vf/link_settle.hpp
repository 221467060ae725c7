#pragma once
// Settling a VF's link in a manual-clock test: the 82599 rule needs 5 up reads 100 us apart.

#include <chrono>

#include "hal/clock.hpp"
#include "vf_driver/vf_driver.hpp"

namespace vftest {

/// Calls check_link() with the clock moving 100 us between calls, as a watchdog would; true once
/// the link counts as up (at most 10 reads).
inline bool settle_link(vf::VfDriver& drv, hal::ManualClock& clock) {
  for (int i = 0; i < 10; ++i) {
    if (drv.check_link()) return true;
    clock.advance(std::chrono::microseconds(100));
  }
  return false;
}

}  // namespace vftest
