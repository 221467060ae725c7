#pragma once
// The PF's hardware bring-up, one function per datasheet step (82599 datasheet 4.6.3
// "Initialization Sequence", the subset a PF that only manages VFs needs). PfDriver::init()
// and PfDriver::reset() compose them.

#include <cstdint>
#include <expected>

#include "hal/clock.hpp"
#include "hal/register_io.hpp"
#include "hal/types.hpp"
#include "pf_driver/errors.hpp"

namespace pf {

/// The PF MSI-X vector that carries the "other" causes (mailbox, link): PfDriver::interrupt().
inline constexpr unsigned kOtherVector = 0;

/// Masks every interrupt cause (EIMC all-ones): datasheet 4.6.3.1, before and after reset.
void mask_interrupts(hal::RegisterIo& bar0);

/// Datasheet 5.2.5.3.2 "Master Disable" then 4.6.3.2 "Global Reset": sets
/// CTRL.GIO_MASTER_DISABLE and waits for STATUS.GIO_MASTER_ENABLE to clear, issues
/// CTRL.RST | CTRL.LRST and waits for RST to self-clear, masks interrupts again, then waits for
/// the EEPROM auto-read (EEC.ARD) and DMA init (RDRXCTL.DMAIDONE). Every wait is bounded by
/// `timeout`. Errors: kTimeout naming the step, kNoDevice if the BAR reads all-ones.
std::expected<void, Refusal> reset_device(hal::RegisterIo& bar0, hal::Clock& clock,
                                          hal::Waiter& waiter, hal::Nanos timeout);

/// The MAC the EEPROM loaded into RAR 0 (zero when none is valid).
hal::MacAddr read_rar0_mac(hal::RegisterIo& bar0);

/// Receive globals (datasheet 4.6.7): MAXFRS = `max_frame`, HLREG0.JUMBOEN (MAXFRS then
/// governs), multicast filtering through the MTA with filter type 0 (MCSTCTRL.MFE), broadcast
/// accepted (FCTRL.BAM).
void setup_rx_globals(hal::RegisterIo& bar0, uint32_t max_frame);

/// MSI-X for the "other" causes (datasheet 7.3.1.2, 8.2.3.5.18): GPIE MSIX_MODE, PBA_SUPPORT,
/// EIAME, OCD; IVAR_MISC routes other causes to vector 0; EIMS unmasks MAILBOX, LSC, OTHER.
void setup_misc_interrupt(hal::RegisterIo& bar0);

/// Global transmit and receive enable (DMATXCTL.TE, RXCTRL.RXEN; datasheet 4.6.8, 4.6.7):
/// without them no VF queue moves a packet on real hardware.
void enable_rx_tx(hal::RegisterIo& bar0);

/// CTRL_EXT.PFRSTD (and DRV_LOAD): the PF is ready; the hardware sets RSTD in every VF
/// mailbox (spec 3e). The last step of bring-up.
void signal_pf_ready(hal::RegisterIo& bar0);

/// The PF link as LINKS reports it.
struct LinkInfo {
  bool up = false;
  uint32_t mbps = 0;  ///< 10000 at 10 Gb/s; 0 when down or at a speed rate limits ignore
  bool operator==(const LinkInfo&) const = default;
};
LinkInfo read_link(hal::RegisterIo& bar0);

}  // namespace pf
