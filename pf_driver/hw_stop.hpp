#pragma once
// The PF's hardware teardown, the steps Linux's ixgbe_down()/ixgbe_remove() take on an 82599,
// in the order PfDriver::stop() calls them (the VFs are told and disabled between
// mask_interrupts() and disable_tx_queues(), by the driver):
//
//   1. disable_rx()            SECRXCTRL.RX_DIS, wait SECRXSTAT.SECRX_RDY, RXCTRL.RXEN clear
//   2. disable_rx_queues()     RXDCTL.ENABLE clear on every queue
//   3. mask_interrupts()       EIMC all, stale causes read away (hw_init.hpp)
//   4. (VFs: CONTROL_MSG ping, VFRE/VFTE 0, SR-IOV off)
//   5. disable_tx_queues()     TXDCTL.ENABLE clear on every queue
//   6. disable_tx()            DMATXCTL.TE clear
//   7. release_hw()            CTRL_EXT.PFRSTD and DRV_LOAD clear
//   8. laser_off()             ESDP.SDP3 set: the partner sees the link go down

#include <expected>

#include "hal/clock.hpp"
#include "hal/register_io.hpp"
#include "pf_driver/errors.hpp"

namespace pf {

/// Receive off for the whole port: the security RX path is stopped and drained first (as for
/// enable_rx(); the drain's timeout is tolerated), then RXCTRL.RXEN cleared. SECRXCTRL.RX_DIS
/// stays set until enable_rx(). Errors: kNoDevice if the BAR reads all-ones.
std::expected<void, Refusal> disable_rx(hal::RegisterIo& bar0, hal::Clock& clock,
                                        hal::Waiter& waiter);
/// RXDCTL.ENABLE / TXDCTL.ENABLE cleared on all 128 queues (the other bits kept).
void disable_rx_queues(hal::RegisterIo& bar0);
void disable_tx_queues(hal::RegisterIo& bar0);
/// DMATXCTL.TE clear: no queue transmits.
void disable_tx(hal::RegisterIo& bar0);
/// CTRL_EXT.PFRSTD and DRV_LOAD clear: the driver no longer runs the function (Linux
/// ixgbe_release_hw_control for DRV_LOAD).
void release_hw(hal::RegisterIo& bar0);
/// The SFP+ laser off (ESDP.SDP3 set, as Linux ixgbe_disable_tx_laser_multispeed_fiber): the
/// link partner loses the signal and reports the link down.
void laser_off(hal::RegisterIo& bar0);

}  // namespace pf
