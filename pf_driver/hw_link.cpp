// Bring-up step 4 (hw_init.hpp): the SFP+ port's link, as Linux sets it up on an 82599
// (ixgbe_82599.c: setup_mac_link, prot_autoc_write, reset_pipeline, the laser functions).
#include <chrono>
#include <optional>

#include "hal/ixgbe/regs_pf.hpp"
#include "pf_driver/hw_init.hpp"
#include "pf_driver/hw_wait.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;
using namespace std::chrono_literals;

namespace {
// Link polling: a link takes milliseconds to come up, so a coarser step than the bit waits.
constexpr hal::Nanos kLinkPollInterval = 1ms;
// Linux: up to 100000 polls 5 us apart for one EERD word.
constexpr hal::Nanos kEerdTimeout = 500ms;
constexpr hal::Nanos kEerdPollInterval = 5us;
constexpr hal::Nanos kPipelinePollInterval = 4ms;
// An EEPROM pointer that points nowhere.
constexpr bool is_null_ptr(uint16_t p) { return p == 0 || p == 0xFFFF; }

/// One EEPROM word through EERD (datasheet 8.2.3.2.2).
std::expected<uint16_t, Refusal> read_eeprom(hal::RegisterIo& bar0, hal::Clock& clock,
                                             hal::Waiter& waiter, uint16_t addr) {
  bar0.write(reg::EERD, (uint32_t{addr} << reg::eerd::kAddrShift) | reg::eerd::kStart);
  uint32_t v = 0;
  const bool done = hal::poll_until(clock, waiter, kEerdTimeout, kEerdPollInterval, [&] {
    v = bar0.read(reg::EERD);
    return v == hal::kDeviceGone || (v & reg::eerd::kDone) != 0;
  });
  if (v == hal::kDeviceGone) return std::unexpected(device_gone());
  if (!done) return std::unexpected(Refusal{ErrorCode::kTimeout, "EEPROM read did not complete (EERD.DONE)"});
  return static_cast<uint16_t>(v >> reg::eerd::kDataShift);
}

/// Linux ixgbe_reset_pipeline_82599: RESTART_AN with LMS bit 2 toggled resets the whole link
/// pipeline; then AUTOC as intended, RESTART_AN still set. Returns a note when auto-negotiation
/// never left state 0 (Linux reports the reset failed and goes on).
std::string reset_pipeline(hal::RegisterIo& bar0, hal::Clock& clock, hal::Waiter& waiter,
                           uint32_t autoc) {
  const uint32_t restart = autoc | reg::autoc::kRestartAn;
  bar0.write(reg::AUTOC, restart ^ reg::autoc::kLmsPipelineToggle);
  const auto left_state_0 = wait_for_bit(bar0, clock, waiter, kPipelineResetTimeout,
                                         kPipelinePollInterval, reg::ANLP1,
                                         reg::anlp1::kAnStateMask, true, "");
  bar0.write(reg::AUTOC, restart);
  bar0.flush();
  if (left_state_0) return {};
  return "AUTOC pipeline reset: auto-negotiation did not leave state 0 (ANLP1.AN_STATE)";
}

/// Clears AUTOC2.LINK_DISABLE and selects 10 Gb/s serial, through the pipeline reset, when
/// either is needed. Returns the note for LinkSetup.
std::string configure_autoc(hal::RegisterIo& bar0, hal::Clock& clock, hal::Waiter& waiter,
                            uint32_t autoc2) {
  const uint32_t autoc = bar0.read(reg::AUTOC);
  const bool link_disabled = (autoc2 & reg::autoc2::kLinkDisableMask) != 0;
  const bool wrong_mode = (autoc & reg::autoc::kLmsMask) != reg::autoc::kLms10gSerial;
  if (!link_disabled && !wrong_mode) return {};  // the EEPROM's setup already links
  // Linux ixgbe_check_reset_blocked: the firmware forbids link resets; AUTOC stays as is.
  if ((bar0.read(reg::MMNGC) & reg::mmngc::kMngVeto) != 0) {
    return "MMNGC.MNG_VETO: manageability firmware blocks link resets, AUTOC/AUTOC2 left as "
           "the EEPROM set them";
  }
  if (link_disabled) {
    bar0.write(reg::AUTOC2, autoc2 & ~reg::autoc2::kLinkDisableMask);
    bar0.flush();
  }
  return reset_pipeline(bar0, clock, waiter,
                        (autoc & ~reg::autoc::kLmsMask) | reg::autoc::kLms10gSerial);
}
}  // namespace

bool manageability_enabled(hal::RegisterIo& bar0) {
  if ((bar0.read(reg::FWSM) & reg::fwsm::kModeMask) != reg::fwsm::kModePassThrough) return false;
  if ((bar0.read(reg::MANC) & reg::manc::kRcvTcoEn) == 0) return false;
  return (bar0.read(reg::FACTPS) & reg::factps::kMngcg) == 0;
}

std::expected<bool, Refusal> lesm_enabled(hal::RegisterIo& bar0, hal::Clock& clock,
                                          hal::Waiter& waiter) {
  const auto fw = read_eeprom(bar0, clock, waiter, reg::eeprom::kFwPtr);
  if (!fw) return std::unexpected(fw.error());
  if (is_null_ptr(*fw)) return false;
  const auto params = read_eeprom(bar0, clock, waiter,
                                  static_cast<uint16_t>(*fw + reg::eeprom::kFwLesmParametersPtr));
  if (!params) return std::unexpected(params.error());
  if (is_null_ptr(*params)) return false;
  const auto state = read_eeprom(bar0, clock, waiter,
                                 static_cast<uint16_t>(*params + reg::eeprom::kFwLesmState1));
  if (!state) return std::unexpected(state.error());
  return (*state & reg::eeprom::kFwLesmStateEnabled) != 0;
}

std::expected<LinkSetup, Refusal> setup_link(hal::RegisterIo& bar0, hal::Clock& clock,
                                             hal::Waiter& waiter, bool laser_lit) {
  // What the port is, before anything changes (Principle 4).
  const uint32_t autoc2 = bar0.read(reg::AUTOC2);
  if (autoc2 == hal::kDeviceGone) return std::unexpected(device_gone());
  if ((autoc2 & reg::autoc2::k10gPmaPmdSerialMask) != reg::autoc2::k10gSfi) {
    return std::unexpected(Refusal{
        ErrorCode::kNotSupported,
        fmt::format("AUTOC2 0x{:08x}: the 10 Gb/s serial PMA/PMD is not SFI; only SFP+ ports "
                    "(82599ES/X520) are supported",
                    autoc2)});
  }
  const auto lesm = lesm_enabled(bar0, clock, waiter);
  if (!lesm) return std::unexpected(lesm.error());
  if (*lesm) {
    return std::unexpected(Refusal{
        ErrorCode::kNotSupported,
        "the EEPROM enables LESM firmware, which owns AUTOC with the SW/FW semaphore (GSSR); "
        "this driver does not take it: use an EEPROM image without LESM"});
  }
  // The SFP+ module's TX_DISABLE is SDP3: an output, low. Manageability firmware that shares
  // the port keeps the laser its own (Linux installs no laser functions then).
  if (!manageability_enabled(bar0)) {
    const uint32_t esdp = bar0.read(reg::ESDP);
    const uint32_t lit = (esdp | reg::esdp::kSdp3Dir) & ~reg::esdp::kSdp3;
    bar0.write(reg::ESDP, lit);
    bar0.flush();
    // The wait is the laser's time to light up: one that never went dark needs none.
    if (!laser_lit || esdp != lit) settle(clock, waiter, kLaserOnSettle);
  }
  LinkSetup out;
  out.note = configure_autoc(bar0, clock, waiter, autoc2);
  const auto up = wait_for_bit(bar0, clock, waiter, kLinkUpTimeout, kLinkPollInterval, reg::LINKS,
                               reg::links::kUp, true, "link down");
  if (!up && up.error().code == ErrorCode::kNoDevice) return std::unexpected(up.error());
  out.link = read_link(bar0);
  return out;
}

LinkInfo read_link(hal::RegisterIo& bar0) {
  const uint32_t v = bar0.read(reg::LINKS);
  if (v == hal::kDeviceGone || (v & reg::links::kUp) == 0) return {};
  const bool ten_g = (v & reg::links::kSpeedMask) == reg::links::kSpeed10G;
  return {.up = true, .mbps = ten_g ? 10000u : 0u};
}

}  // namespace pf
