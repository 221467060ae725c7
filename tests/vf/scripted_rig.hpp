#pragma once
// A simulated 82599 with a ScriptedPf, a manual clock and a waiter that steps the PF: the
// deterministic one-thread world the VF driver's scripted tests run in.

#include <memory>

#include "hal/clock.hpp"
#include "hal/sim/device.hpp"
#include "scripted_pf.hpp"
#include "vf_driver/vf_driver.hpp"

namespace vftest {

struct ScriptedRig {
  explicit ScriptedRig(unsigned n = 1, bool pf_ready = true)
      : dev(make_device(n, pf_ready)), pf(*dev, n), waiter(clock, [this] { step(); }) {}

  hal::PciFunction& fn(unsigned i) { return *dev->vf(hal::VfId{i}).value(); }
  hal::RegisterIo& pf_bar() { return dev->pf().bar0(); }
  /// Runs `extra` (if set) then the PF's message task: what every wait of the driver does.
  void step() {
    ++steps;
    if (extra) extra();
    pf.step();
  }

  std::unique_ptr<sim::Device82599> dev;
  ScriptedPf pf;
  hal::ManualClock clock;
  hal::SteppingWaiter waiter;
  std::function<void()> extra;
  uint64_t steps = 0;
};

/// The request ids the PF received since index `from`.
inline std::vector<mbx::MsgId> ids_since(const ScriptedPf& pf, size_t from) {
  std::vector<mbx::Message> tail(pf.received.begin() + static_cast<long>(from), pf.received.end());
  return ids(tail);
}

}  // namespace vftest
