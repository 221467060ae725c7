#include "pf_driver/hw_stop.hpp"

#include "hal/ixgbe/queue_regs.hpp"
#include "hal/ixgbe/regs_pf.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;

void disable_rx(hal::RegisterIo& bar0) {
  const uint32_t rxctrl = bar0.read(reg::RXCTRL);
  if ((rxctrl & reg::rxctrl::kRxEn) == 0) return;
  // Linux ixgbe_disable_rx_generic: the VEB's loopback goes off first, so no VF-to-VF copy is
  // looped back into a receive path that is being turned off.
  const uint32_t gswc = bar0.read(reg::PFDTXGSWC);
  if ((gswc & reg::pfdtxgswc::kVtLben) != 0) {
    bar0.write(reg::PFDTXGSWC, gswc & ~reg::pfdtxgswc::kVtLben);
  }
  bar0.write(reg::RXCTRL, rxctrl & ~reg::rxctrl::kRxEn);
  bar0.flush();
}

void disable_rx_queues(hal::RegisterIo& bar0) {
  for (unsigned q = 0; q < reg::kNumQueues; ++q) {
    bar0.clear_bits(reg::RXDCTL(q), hal::ixgbe::rxdctl::kEnable);
  }
}

void disable_tx_queues(hal::RegisterIo& bar0) {
  for (unsigned q = 0; q < reg::kNumQueues; ++q) {
    bar0.clear_bits(reg::TXDCTL(q), hal::ixgbe::txdctl::kEnable);
  }
}

void disable_tx(hal::RegisterIo& bar0) {
  bar0.clear_bits(reg::DMATXCTL, reg::dmatxctl::kTe);
  bar0.flush();
}

void release_hw(hal::RegisterIo& bar0) {
  bar0.clear_bits(reg::CTRL_EXT, reg::ctrl_ext::kPfrstd | reg::ctrl_ext::kDrvLoad);
  bar0.flush();
}

void laser_off(hal::RegisterIo& bar0) {
  bar0.set_bits(reg::ESDP, reg::esdp::kSdp3Dir | reg::esdp::kSdp3);
  bar0.flush();
}

}  // namespace pf
