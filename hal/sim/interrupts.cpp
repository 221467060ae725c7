// Interrupt causes of the simulated 82599, delivered as eventfd signals (MSI-X style).
#include "hal/sim/device_model.hpp"

namespace sim {

namespace pfr = hal::ixgbe::pf;
namespace vfr = hal::ixgbe::vf;

void DeviceModel::raise_pf_cause(uint32_t cause) {
  eicr_ |= cause;
  if (eicr_ & eims_) fire_pf_pending();
}

void DeviceModel::fire_pf_pending() {
  const uint32_t active = eicr_ & eims_;
  if (active & pfr::eicr::kOtherCauses) {
    // In MSI-X mode "other" causes go to the vector in IVAR_MISC byte 1; otherwise vector 0.
    size_t vector = 0;
    if (reg(pfr::GPIE) & pfr::gpie::kMsixMode) {
      const uint32_t misc = (reg(pfr::IVAR_MISC) >> pfr::ivar::kMiscOtherShift) & 0xFF;
      if (!(misc & pfr::ivar::kValid)) return;  // not routed: the cause stays pending
      vector = (misc & 0x3F) % pf_vectors_.size();
    }
    pf_vectors_[vector].signal();
    // MSI-X auto-mask (GPIE.EIAME with the vector's EIAM_EX bit): the causes that fired stay
    // masked until software writes EIMS again (assumption: docs/sim-model.md).
    const uint32_t eiam = reg(pfr::EIAM_EX(static_cast<unsigned>(vector / 32)));
    if ((reg(pfr::GPIE) & pfr::gpie::kEiame) != 0 && (eiam >> (vector % 32) & 1u) != 0) {
      eims_ &= ~(active & pfr::eicr::kOtherCauses);
    }
  }
  // Queue causes (bits 15:0) arrive with the data path.
}

void DeviceModel::raise_vf_misc(unsigned vf) {
  VfHw& h = vfs_[vf];
  if (!(h.ivar_misc & vfr::vfivar::kValid)) return;  // the mailbox cause is not routed
  const unsigned vec = h.ivar_misc & vfr::vfivar::kVectorMask;
  if (vec >= vfr::kNumVectors) return;
  h.eicr |= 1u << vec;
  if (h.eims & (1u << vec)) fire_vf_vector(vf, vec);
}

void DeviceModel::fire_vf_vector(unsigned vf, unsigned vec) {
  VfHw& h = vfs_[vf];
  const uint32_t bit = 1u << vec;
  h.vectors[vec].signal();
  if (h.eiam & bit) h.eims &= ~bit;  // auto-mask
  if (h.eiac & bit) h.eicr &= ~bit;  // auto-clear
}

void DeviceModel::write_vf_eims(unsigned vf, uint32_t v) {
  VfHw& h = vfs_[vf];
  const uint32_t newly = v & ~h.eims;
  h.eims |= v;
  for (unsigned vec = 0; vec < vfr::kNumVectors; ++vec) {
    if (newly & h.eicr & (1u << vec)) fire_vf_vector(vf, vec);
  }
}

}  // namespace sim
