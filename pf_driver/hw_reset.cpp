// Bring-up steps 1 and 2 (hw_init.hpp): interrupts masked, PCIe master disable, global reset.
#include <chrono>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/pci_regs.hpp"
#include "pf_driver/hw_init.hpp"
#include "pf_driver/hw_wait.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;
using namespace std::chrono_literals;

namespace {
// Linux polls STATUS.GIO_MASTER_ENABLE and Transaction Pending every 100 us.
constexpr hal::Nanos kMasterPollInterval = 100us;
// A read of a config-space word from a function that no longer answers.
constexpr uint16_t kConfigGone = 0xFFFF;

/// The completion timeout PCIe Device Control 2 selects (b3:0), plus 10%, never under 88 ms:
/// how long transactions may still complete (Linux ixgbe_pcie_timeout_poll's table).
hal::Nanos pcie_completion_timeout(hal::ConfigSpace& cfg, uint8_t exp) {
  const uint16_t range = cfg.read16(static_cast<uint16_t>(exp + hal::pci::kExpDevCtl2)) & 0xF;
  hal::Nanos max = 80ms;
  switch (range) {
    case 0x6: max = 130ms; break;   // 65 ms - 130 ms
    case 0x9: max = 520ms; break;   // 260 ms - 520 ms
    case 0xA: max = 2s; break;      // 1 s - 2 s
    case 0xD: max = 8s; break;      // 4 s - 8 s
    case 0xE: max = 34s; break;     // 17 s - 34 s
    default: break;                 // the short ranges and the default: the 80 ms floor
  }
  return max * 11 / 10;
}

/// 5.2.5.3.2 Master Disable. Returns whether the reset must be issued twice.
std::expected<bool, Refusal> disable_master(hal::RegisterIo& bar0, hal::ConfigSpace& cfg,
                                            hal::Clock& clock, hal::Waiter& waiter) {
  // Set even when the bit already reads clear: it blocks every later request.
  bar0.set_bits(reg::CTRL, reg::ctrl::kGioMasterDisable);
  const auto cleared = wait_for_bit(bar0, clock, waiter, kMasterDisableTimeout, kMasterPollInterval,
                                    reg::STATUS, reg::status::kGioMasterEnable, false, "");
  if (cleared) return false;
  if (cleared.error().code == ErrorCode::kNoDevice) return std::unexpected(cleared.error());
  // Specification update: GIO_MASTER_ENABLE can stay set with nothing outstanding (flow
  // control, link down). What PCIe still owes decides: if Transaction Pending clears, two
  // resets (the first stops new requests, the second clears what late completions did).
  const uint8_t exp = cfg.find_capability(hal::pci::kCapIdExp);
  if (exp == 0) {
    return std::unexpected(Refusal{ErrorCode::kNoDevice,
                                   "GIO master disable did not complete and the function has no "
                                   "PCI Express capability to check for pending transactions"});
  }
  const auto dev_sta = static_cast<uint16_t>(exp + hal::pci::kExpDevSta);
  bool gone = false;
  const bool drained = hal::poll_until(
      clock, waiter, pcie_completion_timeout(cfg, exp), kMasterPollInterval, [&] {
        const uint16_t v = cfg.read16(dev_sta);
        gone = v == kConfigGone;
        return gone || (v & hal::pci::kExpDevStaTransPending) == 0;
      });
  if (gone) return std::unexpected(Refusal{ErrorCode::kNoDevice, "config space reads all-ones"});
  if (!drained) {
    return std::unexpected(Refusal{
        ErrorCode::kTimeout,
        "GIO master disable did not complete: STATUS.GIO_MASTER_ENABLE stayed set and PCIe "
        "Device Status reports transactions pending (no reset issued)"});
  }
  return true;
}
}  // namespace

void mask_interrupts(hal::RegisterIo& bar0) {
  bar0.write(reg::EIMC, reg::eicr::kAllMask);
  bar0.flush();
}

std::expected<bool, Refusal> reset_device(hal::RegisterIo& bar0, hal::ConfigSpace& cfg,
                                          hal::Clock& clock, hal::Waiter& waiter,
                                          hal::Nanos timeout) {
  mask_interrupts(bar0);
  bool link_kept = true;
  auto twice = disable_master(bar0, cfg, clock, waiter);
  if (!twice) return std::unexpected(twice.error());
  for (int round = *twice ? 2 : 1; round > 0; --round) {
    // 4.6.3.2 / Linux ixgbe_reset_hw_82599: LRST would drop a link that is up (and the
    // manageability firmware's use of it): RST then, LRST only when the link is down.
    const uint32_t links = bar0.read(reg::LINKS);
    if (links == hal::kDeviceGone) return std::unexpected(device_gone());
    const uint32_t kind = (links & reg::links::kUp) != 0 ? reg::ctrl::kRst : reg::ctrl::kLrst;
    link_kept = link_kept && kind == reg::ctrl::kRst;
    bar0.write(reg::CTRL, bar0.read(reg::CTRL) | kind);
    bar0.flush();
    if (auto r = wait_for_bit(bar0, clock, waiter, timeout, kHwPollInterval, reg::CTRL,
                              reg::ctrl::kResetMask, false,
                              "device reset did not complete (CTRL.RST/LRST)");
        !r) {
      return std::unexpected(r.error());
    }
    // Also the stall between the two resets of the double reset (at least 1 us).
    settle(clock, waiter, kResetSettle);
  }
  // The reset re-enables nothing, but the datasheet asks for the mask again (4.6.3.1).
  mask_interrupts(bar0);
  // 4.6.3 steps 3 and 4: nothing else may be touched before both are done.
  if (auto r = wait_for_bit(bar0, clock, waiter, timeout, kHwPollInterval, reg::EEC, reg::eec::kArd,
                            true, "EEPROM auto-read did not complete (EEC.ARD)");
      !r) {
    return std::unexpected(r.error());
  }
  if (auto r = wait_for_bit(bar0, clock, waiter, timeout, kHwPollInterval, reg::RDRXCTL,
                            reg::rdrxctl::kDmaIdone, true,
                            "DMA init did not complete (RDRXCTL.DMAIDONE)");
      !r) {
    return std::unexpected(r.error());
  }
  return link_kept;
}

}  // namespace pf
