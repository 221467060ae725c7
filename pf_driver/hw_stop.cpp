#include "pf_driver/hw_stop.hpp"

#include <chrono>

#include "hal/ixgbe/queue_regs.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "pf_driver/hw_wait.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;
using namespace std::chrono_literals;

std::expected<void, Refusal> disable_rx(hal::RegisterIo& bar0, hal::Clock& clock,
                                        hal::Waiter& waiter) {
  bar0.set_bits(reg::SECRXCTRL, reg::secrxctrl::kRxDis);
  const auto drained = wait_for_bit(bar0, clock, waiter, 300us, kHwPollInterval, reg::SECRXSTAT,
                                    reg::secrxstat::kSecRxRdy, true, "");
  if (!drained && drained.error().code == ErrorCode::kNoDevice) return drained;
  bar0.clear_bits(reg::RXCTRL, reg::rxctrl::kRxEn);
  bar0.flush();
  return {};
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
