#pragma once
// Raw register-level helpers for the simulated device tests: what a PF driver would write.

#include <memory>

#include "hal/ixgbe/ids.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/ixgbe/regs_vf.hpp"
#include "hal/pci_regs.hpp"
#include "hal/sim/device.hpp"
#include "hal/sim/device_model.hpp"

namespace test {

namespace pfr = hal::ixgbe::pf;
namespace vfr = hal::ixgbe::vf;
namespace sr = hal::pci::sriov;

inline uint16_t sriov_cap(hal::PciFunction& pf) {
  return pf.config().find_ext_capability(hal::pci::kExtCapIdSriov);
}

/// Enables `n` VFs the way sysfs does: NumVFs, then VF Enable | VF MSE (ARI on).
inline void enable_vfs(sim::Device82599& dev, unsigned n) {
  auto& cfg = dev.pf().config();
  const uint16_t cap = sriov_cap(dev.pf());
  cfg.write16(cap + sr::kCtrl, sr::kCtrlAri);
  cfg.write16(cap + sr::kNumVfs, static_cast<uint16_t>(n));
  cfg.write16(cap + sr::kCtrl, sr::kCtrlAri | sr::kCtrlVfe | sr::kCtrlMse);
}

/// A device with `n` VFs, 64-pool VT mode, receive and transmit on for the port (RXCTRL.RXEN,
/// DMATXCTL.TE: a device from reset moves no packet) and the PF reset done.
inline std::unique_ptr<sim::Device82599> ready_device(unsigned n, hal::Clock* clock = nullptr) {
  sim::DeviceConfig cfg;
  cfg.clock = clock;
  auto dev = sim::Device82599::create(cfg);
  auto& bar = dev->pf().bar0();
  bar.write(pfr::GCR_EXT, pfr::gcr_ext::kVtMode64);
  for (unsigned i = 0; i < 4; ++i) bar.write(pfr::MBVFIMR(i), 0xFFFFFFFF);
  bar.write(pfr::RXCTRL, pfr::rxctrl::kRxEn);
  bar.write(pfr::DMATXCTL, pfr::dmatxctl::kTe);
  enable_vfs(*dev, n);
  bar.write(pfr::CTRL_EXT, pfr::ctrl_ext::kPfrstd);
  return dev;
}

inline hal::RegisterIo& vf_bar(sim::Device82599& dev, unsigned vf) {
  return dev.vf(hal::VfId{vf}).value()->bar0();
}

}  // namespace test
