#pragma once
// A simulated 82599 with SR-IOV enabled and the PF reset done, for the mailbox transport tests.
// One thread: the VF side waits through a SteppingWaiter whose step plays the PF (or anything
// else a test needs), and a ManualClock measures the waits.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "hal/clock.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/pci_regs.hpp"
#include "hal/sim/device.hpp"
#include "hal/types.hpp"

namespace mbx::test {

struct SimFixture {
  std::unique_ptr<sim::Device82599> dev = sim::Device82599::create();
  hal::ManualClock clock;
  std::function<void()> step;  // what the rest of the system does while the VF waits
  unsigned pauses = 0;
  hal::SteppingWaiter waiter{clock, [this] {
                               ++pauses;
                               if (step) step();
                             }};

  /// Creates `num_vfs` VFs through the PF's SR-IOV capability, then sets CTRL_EXT.PFRSTD.
  explicit SimFixture(unsigned num_vfs = 64, bool pf_ready = true) {
    set_vfs(num_vfs, hal::pci::sriov::kCtrlVfe | hal::pci::sriov::kCtrlMse);
    if (pf_ready) {
      pf_bar().set_bits(hal::ixgbe::pf::CTRL_EXT, hal::ixgbe::pf::ctrl_ext::kPfrstd);
    }
  }

  /// Writes NumVFs and the SR-IOV control word.
  void set_vfs(unsigned num_vfs, uint16_t ctrl) {
    hal::ConfigSpace& cfg = dev->pf().config();
    const uint16_t cap = cfg.find_ext_capability(hal::pci::kExtCapIdSriov);
    REQUIRE(cap != 0);
    if (num_vfs != 0) cfg.write16(cap + hal::pci::sriov::kNumVfs, static_cast<uint16_t>(num_vfs));
    cfg.write16(cap + hal::pci::sriov::kCtrl, ctrl);
  }

  hal::RegisterIo& pf_bar() { return dev->pf().bar0(); }
  hal::PciFunction& vf_fn(unsigned vf) {
    auto f = dev->vf(hal::VfId{vf});
    REQUIRE(f.has_value());
    return **f;
  }
  hal::RegisterIo& vf_bar(unsigned vf) { return vf_fn(vf).bar0(); }

  /// Function-level reset of VF `vf` through its PCIe capability (raises VFLRE on the PF).
  void flr(unsigned vf) {
    hal::ConfigSpace& cfg = vf_fn(vf).config();
    const uint8_t exp = cfg.find_capability(hal::pci::kCapIdExp);
    REQUIRE(exp != 0);
    cfg.write16(exp + hal::pci::kExpDevCtl, hal::pci::kExpDevCtlBcrFlr);
  }
};

/// The words of a span as a vector Catch can print and compare.
inline std::vector<uint32_t> vec(std::span<const uint32_t> w) { return {w.begin(), w.end()}; }

}  // namespace mbx::test
