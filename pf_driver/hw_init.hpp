#pragma once
// The PF's hardware bring-up, one function per step of the 82599 datasheet's initialization
// sequence (4.6.3), in the order PfDriver::init() and PfDriver::reset() call them:
//
//   1. mask_interrupts()        4.6.3.1  EIMC
//   2. reset_device()           4.6.3.2  GIO master disable, CTRL.RST|LRST, settle, EIMC again,
//   3.                          4.6.3    EEC.ARD (EEPROM auto-read done)
//   4.                          4.6.3    RDRXCTL.DMAIDONE (DMA init done)
//   5. setup_general()          4.6.3.2  flow control off (FCRTH.RTH still set), CTRL_EXT.NS_DIS
//   6. setup_link()             4.6.4    SFP+ laser on (ESDP.SDP3), AUTOC 10G serial + restart,
//                                        bounded wait for LINKS.LINK_UP (down is not an error)
//   7. clear_statistics()       4.6.5    one read of every clear-on-read statistics register
//   8. setup_rx()               4.6.7    filter/MAC/packet-buffer globals, then enable_rx()
//   9. setup_tx()               4.6.8    TXPBSIZE, HLREG0 CRC/pad, DTXMXSZRQ, MTQC, DMATXCTL.TE
//  10. (VT mode, vt_mode.hpp)   4.6.10
//  11. enable_interrupts()      4.6.3.1  stale causes cleared, misc MSI-X vector, EIMS
//  12. signal_pf_ready()                 CTRL_EXT.PFRSTD | DRV_LOAD (spec 3e)
//
// Registers a step programs and the facts behind them: regs_pf.hpp, docs/sim-model.md.

#include <chrono>
#include <cstdint>
#include <expected>

#include "hal/clock.hpp"
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

/// The PF link as LINKS reports it.
struct LinkInfo {
  bool up = false;
  uint32_t mbps = 0;  ///< 10000 at 10 Gb/s; 0 when down or at a speed rate limits ignore
  bool operator==(const LinkInfo&) const = default;
};

/// Masks every interrupt cause (EIMC all-ones): datasheet 4.6.3.1, before and after reset.
void mask_interrupts(hal::RegisterIo& bar0);

/// Datasheet 5.2.5.3.2 "Master Disable" then 4.6.3.2 "Global Reset": sets
/// CTRL.GIO_MASTER_DISABLE and waits for STATUS.GIO_MASTER_ENABLE to clear, issues
/// CTRL.RST | CTRL.LRST (the link drops too: setup_link() brings it back) and waits for RST
/// to self-clear, lets kResetSettle pass, masks interrupts again, then waits for the EEPROM
/// auto-read (EEC.ARD) and DMA init (RDRXCTL.DMAIDONE). Touches nothing but EIMC, CTRL,
/// STATUS, EEC and RDRXCTL. Every wait is bounded by `timeout`.
/// Errors: kTimeout naming the step, kNoDevice if the BAR reads all-ones.
std::expected<void, Refusal> reset_device(hal::RegisterIo& bar0, hal::Clock& clock,
                                          hal::Waiter& waiter, hal::Nanos timeout);

/// Datasheet 4.6.3.2 general configuration, flow control off: FCTTV, FCRTL, FCRTV, FCCFG and
/// MFLCN zero; FCRTH(n).RTH = RXPBSIZE(n) - 0x6000 without FCEN (the datasheet asks for RTH
/// whether or not flow control is on; Linux programs the same), using the packet buffer sizes
/// setup_rx() programs. CTRL_EXT.NS_DIS: no snoop off, as Linux sets it on every 82599.
void setup_general(hal::RegisterIo& bar0);

/// Datasheet 4.6.4 for the SFP+ port: laser on (ESDP.SDP3 an output, driven low: Linux
/// ixgbe_enable_tx_laser_multispeed_fiber), AUTOC.LMS = 10 Gb/s serial with RESTART_AN, then
/// waits up to kLinkUpTimeout for LINKS.LINK_UP. Returns the link as LINKS then reports: down
/// is a result, not an error. Errors: kNoDevice if the BAR reads all-ones.
std::expected<LinkInfo, Refusal> setup_link(hal::RegisterIo& bar0, hal::Clock& clock,
                                            hal::Waiter& waiter);

/// Datasheet 4.6.5: reads every statistics register in kClearOnReadStats once, which zeroes
/// them (they clear on read).
void clear_statistics(hal::RegisterIo& bar0);

/// The MAC the EEPROM loaded into RAR 0 (zero when none is valid).
hal::MacAddr read_rar0_mac(hal::RegisterIo& bar0);

/// Datasheet 4.6.7 receive globals, then receive on (enable_rx()): broadcast accepted
/// (FCTRL.BAM); the FCS stripped, HLREG0.RXCRCSTRP and RDRXCTL.CRCSTRIP agreeing, with the
/// 82599's required RDRXCTL.RSCACKC and FCOE_WRFIX; the whole 512 KB RX packet buffer in PB 0
/// (no DCB); MAXFRS = `max_frame` with HLREG0.JUMBOEN (MAXFRS then governs, and the VFs may
/// raise it through SET_LPE); multicast through the MTA with filter type 0 (MCSTCTRL.MFE).
/// The filter tables (RAR, MTA, VFTA) are the caller's (rar_table, mta_table, vlan_table).
std::expected<void, Refusal> setup_rx(hal::RegisterIo& bar0, hal::Clock& clock,
                                      hal::Waiter& waiter, uint32_t max_frame);

/// The 82599's receive enable (Linux ixgbe_enable_rx_dma_82599, an erratum workaround): RX
/// through the security block is stopped (SECRXCTRL.RX_DIS) and drained (SECRXSTAT.SECRX_RDY,
/// up to 30 polls of 10 us; a timeout is tolerated, as Linux does), RXCTRL.RXEN is set, then
/// RX_DIS cleared. Errors: kNoDevice if the BAR reads all-ones.
std::expected<void, Refusal> enable_rx(hal::RegisterIo& bar0, hal::Clock& clock,
                                       hal::Waiter& waiter);

/// Datasheet 4.6.8 transmit globals: the whole 160 KB TX packet buffer in PB 0, HLREG0.TXCRCEN
/// and TXPADEN (the MAC appends the FCS and pads short frames), DTXMXSZRQ, MTQC = 0 (no VT,
/// no DCB) written with the descriptor arbiter off (RTTDCS.ARBDIS), then DMATXCTL.TE. VT mode
/// rewrites MTQC later (vt_mode.hpp), again under ARBDIS.
void setup_tx(hal::RegisterIo& bar0);

/// Datasheet 4.6.3.1 "enable interrupts" for the "other" causes: reads EICR to drop causes
/// raised during bring-up (the link going down and up), then MSI-X mode (GPIE MSIX_MODE,
/// PBA_SUPPORT, EIAME, OCD; datasheet 7.3.1.2), IVAR_MISC routes other causes to
/// kOtherVector, EIMS unmasks MAILBOX, LSC, OTHER.
void enable_interrupts(hal::RegisterIo& bar0);

/// CTRL_EXT.PFRSTD (and DRV_LOAD): the PF is ready; the hardware sets RSTD in every VF
/// mailbox (spec 3e). The last step of bring-up.
void signal_pf_ready(hal::RegisterIo& bar0);

LinkInfo read_link(hal::RegisterIo& bar0);

}  // namespace pf
