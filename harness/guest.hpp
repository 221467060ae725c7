#pragma once
// A guest: the OS of a VM that drives one VF with the VF driver.

#include <memory>

#include "hal/clock.hpp"
#include "hal/pci_function.hpp"
#include "vf_driver/vf_driver.hpp"

namespace harness {

/// One guest and its VF driver. Owns the waiter its driver pauses through.
class Guest {
 public:
  Guest(hal::VfId id, hal::PciFunction& fn, hal::Clock& clock, std::unique_ptr<hal::Waiter> waiter,
        vf::VfOptions opts)
      : id_(id), fn_(fn), waiter_(std::move(waiter)), driver_(fn, clock, *waiter_, opts) {}

  hal::VfId id() const { return id_; }
  hal::PciFunction& function() { return fn_; }
  vf::VfDriver& driver() { return driver_; }
  const vf::VfDriver& driver() const { return driver_; }
  /// Up: bring-up done (API negotiated, queues known) and the link up.
  bool is_up() const { return driver_.state() == vf::State::kUp && driver_.link_up(); }

 private:
  hal::VfId id_;
  hal::PciFunction& fn_;
  std::unique_ptr<hal::Waiter> waiter_;
  vf::VfDriver driver_;
};

}  // namespace harness
