#include "pf_driver/hw_init.hpp"

#include <chrono>

#include "hal/ixgbe/regs_pf.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;
using namespace std::chrono_literals;

namespace {
// Linux polls these bits every few microseconds; the bound is the caller's timeout.
constexpr hal::Nanos kPollInterval = 10us;

std::expected<void, Refusal> wait_for(hal::RegisterIo& bar0, hal::Clock& clock,
                                      hal::Waiter& waiter, hal::Nanos timeout, hal::Reg32 r,
                                      uint32_t mask, bool set, const char* what) {
  bool gone = false;
  const bool ok = hal::poll_until(clock, waiter, timeout, kPollInterval, [&] {
    const uint32_t v = bar0.read(r);
    gone = v == hal::kDeviceGone;
    return !gone && ((v & mask) != 0) == set;
  });
  if (ok) return {};
  if (gone) return std::unexpected(Refusal{ErrorCode::kNoDevice, "device reads all-ones"});
  return std::unexpected(Refusal{ErrorCode::kTimeout, what});
}
}  // namespace

void mask_interrupts(hal::RegisterIo& bar0) {
  bar0.write(reg::EIMC, reg::eicr::kAllMask);
  bar0.flush();
}

std::expected<void, Refusal> reset_device(hal::RegisterIo& bar0, hal::Clock& clock,
                                          hal::Waiter& waiter, hal::Nanos timeout) {
  mask_interrupts(bar0);
  // 5.2.5.3.2: stop new DMA and let outstanding requests drain before the reset cuts them.
  bar0.set_bits(reg::CTRL, reg::ctrl::kGioMasterDisable);
  if (auto r = wait_for(bar0, clock, waiter, timeout, reg::STATUS, reg::status::kGioMasterEnable,
                        false, "GIO master disable did not complete (STATUS.GIO_MASTER_ENABLE)");
      !r) {
    return r;
  }
  // 4.6.3.2: software reset of the whole LAN function (and its link). RST self-clears.
  bar0.write(reg::CTRL, bar0.read(reg::CTRL) | reg::ctrl::kResetMask);
  bar0.flush();
  if (auto r = wait_for(bar0, clock, waiter, timeout, reg::CTRL, reg::ctrl::kRst, false,
                        "device reset did not complete (CTRL.RST)");
      !r) {
    return r;
  }
  // The reset re-enables nothing, but the datasheet asks for the mask again (4.6.3.1).
  mask_interrupts(bar0);
  // 4.6.3: the EEPROM auto-load and the DMA init must finish before any other register.
  if (auto r = wait_for(bar0, clock, waiter, timeout, reg::EEC, reg::eec::kArd, true,
                        "EEPROM auto-read did not complete (EEC.ARD)");
      !r) {
    return r;
  }
  return wait_for(bar0, clock, waiter, timeout, reg::RDRXCTL, reg::rdrxctl::kDmaIdone, true,
                  "DMA init did not complete (RDRXCTL.DMAIDONE)");
}

hal::MacAddr read_rar0_mac(hal::RegisterIo& bar0) {
  const uint32_t lo = bar0.read(reg::RAL(0));
  const uint32_t hi = bar0.read(reg::RAH(0));
  if ((hi & reg::rah::kAv) == 0) return {};
  const auto b = [](uint32_t v, unsigned i) { return static_cast<uint8_t>(v >> (8 * i)); };
  const hal::MacAddr mac({b(lo, 0), b(lo, 1), b(lo, 2), b(lo, 3), b(hi, 0), b(hi, 1)});
  return mac.is_valid_unicast() ? mac : hal::MacAddr{};
}

void setup_rx_globals(hal::RegisterIo& bar0, uint32_t max_frame) {
  bar0.write(reg::MAXFRS, max_frame << reg::maxfrs::kMfsShift);
  // With JUMBOEN set the MAC checks frame length against MAXFRS alone, which the VFs may
  // raise through SET_LPE (Linux keeps JUMBOEN on for the same reason).
  bar0.set_bits(reg::HLREG0, reg::hlreg0::kJumboEn);
  // Multicast filter type 0 (bits 47:36), the value every VF_RESET reply announces.
  bar0.write(reg::MCSTCTRL, reg::mcstctrl::kMfe);
  bar0.set_bits(reg::FCTRL, reg::fctrl::kBam);
}

void setup_misc_interrupt(hal::RegisterIo& bar0) {
  bar0.write(reg::GPIE, bar0.read(reg::GPIE) | reg::gpie::kMsixMode | reg::gpie::kPbaSupport |
                            reg::gpie::kEiame | reg::gpie::kOcd);
  // IVAR_MISC byte 1: "other" causes (mailbox, link) -> MSI-X vector 0, valid.
  bar0.write(reg::IVAR_MISC, (kOtherVector | reg::ivar::kValid) << reg::ivar::kMiscOtherShift);
  bar0.write(reg::EIMS, reg::eicr::kMailbox | reg::eicr::kLsc | reg::eicr::kOther);
}

void enable_rx_tx(hal::RegisterIo& bar0) {
  bar0.set_bits(reg::DMATXCTL, reg::dmatxctl::kTe);
  bar0.set_bits(reg::RXCTRL, reg::rxctrl::kRxEn);
}

void signal_pf_ready(hal::RegisterIo& bar0) {
  bar0.set_bits(reg::CTRL_EXT, reg::ctrl_ext::kPfrstd | reg::ctrl_ext::kDrvLoad);
  bar0.flush();
}

LinkInfo read_link(hal::RegisterIo& bar0) {
  const uint32_t v = bar0.read(reg::LINKS);
  if (v == hal::kDeviceGone || (v & reg::links::kUp) == 0) return {};
  const bool ten_g = (v & reg::links::kSpeedMask) == reg::links::kSpeed10G;
  return {.up = true, .mbps = ten_g ? 10000u : 0u};
}

}  // namespace pf
