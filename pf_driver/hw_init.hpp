#pragma once
// The PF's hardware bring-up, one function per step, in the order PfDriver::init() and
// PfDriver::reset() call them. The datasheet's order (4.6.3) up to TX init; from the VT step on
// Linux's (ixgbe_configure: virtualization, then TX with MTQC before DMATXCTL.TE, then RX with
// RXCTRL.RXEN last; ixgbe_up_complete: interrupts):
//
//   1. mask_interrupts()        4.6.3.1   EIMC all-ones
//   2. reset_device()           5.2.5.3.2 GIO master disable (double reset when requests stay
//                               4.6.3.2   pending in STATUS with none in PCIe), CTRL.RST (link
//                                         up) or CTRL.LRST (link down), settle, EIMC again,
//                               4.6.3     EEC.ARD, then RDRXCTL.DMAIDONE
//   3. setup_general()          4.6.3.2   flow control off (FCRTH.RTH still set), NS_DIS
//   4. setup_link()             4.6.4     laser on (ESDP.SDP3; not with manageability firmware)
//                                         + 100 ms, LESM refused, AUTOC2 link-disable cleared,
//                                         AUTOC 10G serial only when it differs (pipeline
//                                         reset; not under MMNGC.MNG_VETO), bounded link wait
//   5. clear_statistics()       4.6.5     one read of every clear-on-read statistics register
//   6. setup_rx()               4.6.7     receive globals (RXEN stays clear)
//   7. setup_tx()               4.6.8     transmit globals (TE stays clear)
//   8. (VT mode, vt_mode.hpp)   4.6.10    clear_vt() or program_vt(): MTQC under ARBDIS
//   9. enable_tx()              4.6.8     DMATXCTL.TE
//  10. enable_rx()              4.6.7     SECRXCTRL.RX_DIS, drain, RXCTRL.RXEN, RX_DIS clear
//  11. enable_interrupts()      4.6.3.1   stale causes read away, MSI-X "other" vector, EIMS
//      then LINKS read again: a link change the EICR read swallowed is not lost
//  12. signal_pf_ready()                  CTRL_EXT.PFRSTD | DRV_LOAD (spec 3e)
//
// Registers a step programs and the facts behind them: regs_pf.hpp, docs/sim-model.md.

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>

#include "hal/clock.hpp"
#include "hal/config_space.hpp"
#include "hal/register_io.hpp"
#include "hal/types.hpp"
#include "pf_driver/errors.hpp"

namespace pf {

/// The PF MSI-X vector that carries the "other" causes (mailbox, link): PfDriver::interrupt().
inline constexpr unsigned kOtherVector = 0;

/// How long setup_link() waits for LINKS.LINK_UP before it reports the link down (a cable
/// unplugged, a dark partner). Not an error: the link change interrupt reports it later.
inline constexpr hal::Nanos kLinkUpTimeout = std::chrono::seconds(1);
/// Datasheet 4.6.3.2: software waits at least this long after a global reset.
inline constexpr hal::Nanos kResetSettle = std::chrono::milliseconds(10);
/// How long STATUS.GIO_MASTER_ENABLE may take to clear (Linux IXGBE_PCI_MASTER_DISABLE_TIMEOUT:
/// 800 polls, 100 us apart).
inline constexpr hal::Nanos kMasterDisableTimeout = std::chrono::milliseconds(80);
/// The SFP+ laser's time to light up after ESDP.SDP3 goes low (Linux
/// ixgbe_enable_tx_laser_multispeed_fiber sleeps 100 ms).
inline constexpr hal::Nanos kLaserOnSettle = std::chrono::milliseconds(100);
/// The pipeline reset's wait for auto-negotiation to leave state 0 (Linux
/// ixgbe_reset_pipeline_82599: 10 polls, 4 ms apart).
inline constexpr hal::Nanos kPipelineResetTimeout = std::chrono::milliseconds(40);

/// The PF link as LINKS reports it.
struct LinkInfo {
  bool up = false;
  uint32_t mbps = 0;  ///< 10000 at 10 Gb/s; 0 when down or at a speed rate limits ignore
  bool operator==(const LinkInfo&) const = default;
};

/// What setup_link() did: the link as LINKS then reported it, and why the driver left the
/// link's configuration alone or the restart did not complete (empty when neither).
struct LinkSetup {
  LinkInfo link;
  std::string note;
};

/// Masks every interrupt cause: EIMC all-ones (datasheet 4.6.3.1, before and after reset).
/// Bit 31 is written too, as Linux does (IXGBE_IRQ_CLEAR_MASK = 0xFFFFFFFF in
/// ixgbe_irq_disable and ixgbe_stop_adapter_generic): EIMS bit 31 is the OTHER cause we
/// unmask, so its mask-clear is EIMC bit 31; ixy calls the bit reserved, and a 1 written to a
/// reserved bit of this write-1-to-mask register changes nothing either way.
void mask_interrupts(hal::RegisterIo& bar0);

/// Datasheet 5.2.5.3.2 "Master Disable", then 4.6.3.2 "Global Reset":
/// - sets CTRL.GIO_MASTER_DISABLE and waits up to kMasterDisableTimeout for
///   STATUS.GIO_MASTER_ENABLE to clear. Per the 82599 specification update it may stay set
///   with nothing pending (flow control, link down): then the PCIe Device Status'
///   Transaction Pending bit (config space) is polled for the completion timeout Device
///   Control 2 selects (at least 88 ms, Linux ixgbe_pcie_timeout_poll); clear, and the reset
///   below is issued twice, at least 1 us apart (Linux IXGBE_FLAGS_DOUBLE_RESET_REQUIRED).
/// - CTRL.RST when LINKS reports the link up (a link reset would drop it and the
///   manageability firmware using it), CTRL.LRST when it is down (Linux ixgbe_reset_hw_82599);
///   waits for both bits to self-clear, then kResetSettle.
/// - EIMC again, then waits for EEC.ARD and RDRXCTL.DMAIDONE.
/// Touches EIMC, CTRL, STATUS, LINKS, EEC, RDRXCTL and (stuck master only) config space.
/// `timeout` bounds the self-clear and the two done bits.
/// Returns true when the link stayed up through it (RST only): the laser never went dark.
/// Errors: kTimeout naming the step (transactions still pending: no reset was issued),
/// kNoDevice if the BAR or config space reads all-ones.
std::expected<bool, Refusal> reset_device(hal::RegisterIo& bar0, hal::ConfigSpace& cfg,
                                          hal::Clock& clock, hal::Waiter& waiter,
                                          hal::Nanos timeout);

/// Datasheet 4.6.3.2 general configuration, flow control off: FCTTV, FCRTL, FCRTV, FCCFG and
/// MFLCN zero; FCRTH(n).RTH = RXPBSIZE(n) - 0x6000 without FCEN (the datasheet asks for RTH
/// whether or not flow control is on; Linux programs the same), using the packet buffer sizes
/// setup_rx() programs. CTRL_EXT.NS_DIS: no snoop off, as Linux sets it on every 82599.
void setup_general(hal::RegisterIo& bar0);

/// Linux ixgbe_mng_enabled: manageability firmware runs in pass-through mode (FWSM.MODE),
/// receives TCO traffic (MANC.RCV_TCO_EN) and is not clock-gated (FACTPS.MNGCG).
bool manageability_enabled(hal::RegisterIo& bar0);

/// Linux ixgbe_verify_lesm_fw_enabled_82599: the EEPROM's firmware module (word kFwPtr) has a
/// LESM parameter block whose state word has the enable bit. Reads through EERD, each read
/// bounded. Errors: kTimeout (EERD.DONE never set), kNoDevice.
std::expected<bool, Refusal> lesm_enabled(hal::RegisterIo& bar0, hal::Clock& clock,
                                          hal::Waiter& waiter);

/// Datasheet 4.6.4 for the SFP+ port, as Linux does it on an 82599:
/// - refuses a port whose AUTOC2 10G serial PMA/PMD is not SFI, and LESM firmware (which
///   needs the SW/FW semaphore around AUTOC, not implemented), before any write;
/// - laser on (ESDP.SDP3 an output, low), then kLaserOnSettle, unless manageability firmware
///   owns the port (Linux then leaves the laser alone). Linux waits every time; here the
///   wait is skipped when `laser_lit` (the link stayed up through the reset) and ESDP already
///   drove it: a laser that never went dark needs no time to light up;
/// - AUTOC2.LINK_DISABLE cleared if the EEPROM set it, and AUTOC.LMS = 10 Gb/s serial written
///   only when it differs; either goes through the pipeline reset (AUTOC with LMS bit 2
///   toggled and RESTART_AN, ANLP1.AN_STATE out of 0 within kPipelineResetTimeout, AUTOC
///   restored with RESTART_AN). Skipped while MMNGC.MNG_VETO is set (noted);
/// - waits up to kLinkUpTimeout for LINKS.LINK_UP.
/// A link that stays down, a veto or an incomplete pipeline reset is a result (LinkSetup),
/// not an error. Errors: kNotSupported (not SFI, LESM), kTimeout (EERD), kNoDevice.
std::expected<LinkSetup, Refusal> setup_link(hal::RegisterIo& bar0, hal::Clock& clock,
                                             hal::Waiter& waiter, bool laser_lit);

/// Datasheet 4.6.5: reads every statistics register in kClearOnReadStats once, which zeroes
/// them (they clear on read).
void clear_statistics(hal::RegisterIo& bar0);

/// The MAC the EEPROM loaded into RAR 0 (zero when none is valid).
hal::MacAddr read_rar0_mac(hal::RegisterIo& bar0);

/// Datasheet 4.6.7 receive globals; receive stays off until enable_rx(): broadcast accepted
/// (FCTRL.BAM); the FCS stripped, HLREG0.RXCRCSTRP and RDRXCTL.CRCSTRIP agreeing, with the
/// 82599's required RDRXCTL.RSCACKC and FCOE_WRFIX and RSCFRSTSIZE cleared (it resets to 0x8);
/// the whole 512 KB RX packet buffer in PB 0 (no DCB); MAXFRS = `max_frame` with
/// HLREG0.JUMBOEN (MAXFRS then governs, and the VFs may raise it through SET_LPE); multicast
/// through the MTA with filter type 0 (MCSTCTRL.MFE). The filter tables (RAR, MTA, VFTA) are
/// the caller's (rar_table, mta_table, vlan_table).
void setup_rx(hal::RegisterIo& bar0, uint32_t max_frame);

/// The 82599's receive enable (Linux ixgbe_enable_rx_dma_82599, an erratum workaround): RX
/// through the security block is stopped (SECRXCTRL.RX_DIS) and drained (SECRXSTAT.SECRX_RDY,
/// up to kSecRxDrainTimeout; a timeout is tolerated, as Linux does), RXCTRL.RXEN is set, then
/// RX_DIS cleared. Errors: kNoDevice if the BAR reads all-ones.
std::expected<void, Refusal> enable_rx(hal::RegisterIo& bar0, hal::Clock& clock,
                                       hal::Waiter& waiter);

/// Datasheet 4.6.8 transmit globals; transmit stays off until enable_tx(): the whole 160 KB
/// TX packet buffer in PB 0, HLREG0.TXCRCEN and TXPADEN (the MAC appends the FCS and pads
/// short frames), DTXMXSZRQ = 0xFFF (4.6.11.3.4, no DCB). MTQC is the VT step's (clear_vt()
/// or program_vt() write it under RTTDCS.ARBDIS), before enable_tx().
void setup_tx(hal::RegisterIo& bar0);

/// DMATXCTL.TE: transmit on, after MTQC (Linux ixgbe_configure_tx).
void enable_tx(hal::RegisterIo& bar0);

/// Datasheet 4.6.3.1 "enable interrupts" for the "other" causes: reads EICR to drop causes
/// raised during bring-up (the link going down and up: the caller reads LINKS again after
/// this), then MSI-X mode (GPIE MSIX_MODE, PBA_SUPPORT, EIAME, OCD; datasheet 7.3.1.2) with
/// auto-mask off for every vector (EIAM_EX 0: PfDriver::service_once() does not write EIMS
/// again, so an auto-masked "other" vector would fire once; Linux writes all-ones because its
/// handler re-arms EIMS), IVAR_MISC routes other causes to kOtherVector, EIMS unmasks
/// MAILBOX, LSC, OTHER.
void enable_interrupts(hal::RegisterIo& bar0);

/// CTRL_EXT.PFRSTD (and DRV_LOAD): the PF is ready; the hardware sets RSTD in every VF
/// mailbox (spec 3e). The last step of bring-up.
void signal_pf_ready(hal::RegisterIo& bar0);

/// The link as LINKS reports it now: up with 10 Gb/s, up at another speed (mbps 0), or down
/// (also when the BAR reads all-ones). One register read.
LinkInfo read_link(hal::RegisterIo& bar0);

}  // namespace pf
