#pragma once
// The PF's hardware teardown, the steps Linux's ixgbe_down()/ixgbe_remove() take on an 82599,
// in the order PfDriver::stop() calls them (the VFs are told and disabled between
// mask_interrupts() and disable_tx_queues(), by the driver):
//
//   1. disable_rx()            PFDTXGSWC.VT_LBEN clear, then RXCTRL.RXEN clear
//   2. disable_rx_queues()     RXDCTL.ENABLE clear on every queue
//   3. mask_interrupts()       EIMC all, stale causes read away (hw_init.hpp)
//   4. (VFs: CONTROL_MSG ping, VFRE/VFTE 0, SR-IOV off)
//   5. disable_tx_queues()     TXDCTL.ENABLE clear on every queue
//   6. disable_tx()            DMATXCTL.TE clear
//   7. release_hw()            CTRL_EXT.PFRSTD and DRV_LOAD clear
//   8. laser_off()             ESDP.SDP3 set: the partner sees the link go down (skipped while
//                              manageability firmware shares the port, as Linux does)

#include "hal/register_io.hpp"

namespace pf {

/// Receive off for the whole port, as Linux ixgbe_disable_rx_generic: when RXCTRL.RXEN is set,
/// the switch's loopback (PFDTXGSWC.VT_LBEN) is cleared first, then RXEN. SECRXCTRL is not
/// touched (Linux stops the security RX path only around enabling receive). The loopback is
/// not restored afterwards: the next init() resets the chip and the VT step programs it again.
void disable_rx(hal::RegisterIo& bar0);
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
