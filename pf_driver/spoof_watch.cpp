#include "pf_driver/spoof_watch.hpp"

#include <cstdint>

#include "hal/ixgbe/regs_pf.hpp"

namespace pf {

namespace reg = hal::ixgbe::pf;

size_t check_spoofed_frames(PfCore& c) {
  if (c.num_vfs == 0) return 0;
  const hal::Nanos now = c.clock.now();
  if (now < c.next_spoof_check) return 0;
  c.next_spoof_check = now + kSpoofCheckInterval;
  const uint32_t dropped = c.bar0.read(reg::SSVPC);
  if (dropped == 0) return 0;
  // All-ones is also what a saturated counter reads. STATUS has reserved bits that read 0 on
  // a live device, so it reads all-ones only when the device is gone.
  const bool saturated = dropped == UINT32_MAX;
  if (saturated && c.bar0.read(reg::STATUS) == hal::kDeviceGone) return 0;
  c.log(std::nullopt, EventCode::kSpoofedFrames,
        "{}{} frame(s) from VFs failed the MAC/VLAN anti-spoof check and were dropped (SSVPC; the "
        "82599 does not say which VF: a VF with spoof checking on sent frames from a MAC or VLAN "
        "it was not given)",
        saturated ? "at least " : "", dropped);
  return 1;
}

}  // namespace pf
