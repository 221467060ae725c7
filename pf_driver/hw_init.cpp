#include "pf_driver/hw_init.hpp"

#include <chrono>

#include "hal/ixgbe/regs_pf.hpp"
#include "pf_driver/hw_wait.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;
using namespace std::chrono_literals;

namespace {
// The packet buffers without DCB: everything in PB 0 (datasheet 4.6.7, 4.6.8), the others 0.
constexpr uint32_t kRxPb0 = reg::rxpbsize::k512KB;
constexpr uint32_t kTxPb0 = reg::txpbsize::k160KB;
// Link polling: a link takes milliseconds to come up, so a coarser step than the bit waits.
constexpr hal::Nanos kLinkPollInterval = 1ms;
// Linux ixgbe_enable_rx_dma_82599: IXGBE_MAX_SECRX_POLL polls, 10 us apart.
constexpr hal::Nanos kSecRxDrainTimeout = 300us;
}  // namespace

std::expected<void, Refusal> wait_for_bit(hal::RegisterIo& bar0, hal::Clock& clock,
                                          hal::Waiter& waiter, hal::Nanos timeout,
                                          hal::Nanos interval, hal::Reg32 r, uint32_t mask,
                                          bool set, const char* what) {
  bool gone = false;
  const bool ok = hal::poll_until(clock, waiter, timeout, interval, [&] {
    const uint32_t v = bar0.read(r);
    gone = v == hal::kDeviceGone;
    return gone || ((v & mask) != 0) == set;
  });
  if (gone) return std::unexpected(Refusal{ErrorCode::kNoDevice, "device reads all-ones"});
  if (ok) return {};
  return std::unexpected(Refusal{ErrorCode::kTimeout, what});
}

void settle(hal::Clock& clock, hal::Waiter& waiter, hal::Nanos d) {
  (void)hal::poll_until(clock, waiter, d, std::min(d, hal::Nanos(1ms)), [] { return false; });
}

void mask_interrupts(hal::RegisterIo& bar0) {
  bar0.write(reg::EIMC, reg::eicr::kAllMask);
  bar0.flush();
}

std::expected<void, Refusal> reset_device(hal::RegisterIo& bar0, hal::Clock& clock,
                                          hal::Waiter& waiter, hal::Nanos timeout) {
  const auto wait = [&](hal::Reg32 r, uint32_t mask, bool set, const char* what) {
    return wait_for_bit(bar0, clock, waiter, timeout, kHwPollInterval, r, mask, set, what);
  };
  mask_interrupts(bar0);
  // 5.2.5.3.2: stop new DMA and let outstanding requests drain before the reset cuts them.
  bar0.set_bits(reg::CTRL, reg::ctrl::kGioMasterDisable);
  if (auto r = wait(reg::STATUS, reg::status::kGioMasterEnable, false,
                    "GIO master disable did not complete (STATUS.GIO_MASTER_ENABLE)");
      !r) {
    return r;
  }
  // 4.6.3.2: reset the whole LAN function and its link (LRST): the link comes back only
  // through setup_link(), so it is in a known state. RST self-clears.
  bar0.write(reg::CTRL, bar0.read(reg::CTRL) | reg::ctrl::kResetMask);
  bar0.flush();
  if (auto r = wait(reg::CTRL, reg::ctrl::kRst, false, "device reset did not complete (CTRL.RST)"); !r) {
    return r;
  }
  settle(clock, waiter, kResetSettle);
  // The reset re-enables nothing, but the datasheet asks for the mask again (4.6.3.1).
  mask_interrupts(bar0);
  // 4.6.3 steps 3 and 4: nothing else may be touched before both are done.
  if (auto r = wait(reg::EEC, reg::eec::kArd, true, "EEPROM auto-read did not complete (EEC.ARD)"); !r) {
    return r;
  }
  return wait(reg::RDRXCTL, reg::rdrxctl::kDmaIdone, true,
              "DMA init did not complete (RDRXCTL.DMAIDONE)");
}

void setup_general(hal::RegisterIo& bar0) {
  // Flow control off: the datasheet asks for zeros in every flow control register...
  for (unsigned i = 0; i < reg::kNumFcTtv; ++i) bar0.write(reg::FCTTV(i), 0);
  for (unsigned tc = 0; tc < reg::kNumTc; ++tc) {
    bar0.write(reg::FCRTL(tc), 0);
    // ...except FCRTH.RTH, which must hold the buffer size less 24 KB even with FCEN clear
    // (Linux: so the internal TX switch does not hang under RX load).
    const uint32_t pb = tc == 0 ? kRxPb0 : 0;
    bar0.write(reg::FCRTH(tc), pb > reg::fcrth::kHeadroom ? (pb - reg::fcrth::kHeadroom) & reg::fcrth::kRthMask : 0);
  }
  bar0.write(reg::FCRTV, 0);
  bar0.write(reg::FCCFG, 0);
  bar0.write(reg::MFLCN, 0);
  // Linux sets no-snoop disable on every 82599: descriptors and buffers are snooped.
  bar0.set_bits(reg::CTRL_EXT, reg::ctrl_ext::kNsDis);
}

std::expected<LinkInfo, Refusal> setup_link(hal::RegisterIo& bar0, hal::Clock& clock,
                                            hal::Waiter& waiter) {
  // The SFP+ module's TX_DISABLE is SDP3: an output, low.
  const uint32_t esdp = bar0.read(reg::ESDP);
  if (esdp == hal::kDeviceGone) {
    return std::unexpected(Refusal{ErrorCode::kNoDevice, "device reads all-ones"});
  }
  bar0.write(reg::ESDP, (esdp | reg::esdp::kSdp3Dir) & ~reg::esdp::kSdp3);
  // 4.6.4: select 10 Gb/s serial and restart the link; the EEPROM's AUTOC2 holds SFI.
  const uint32_t autoc = bar0.read(reg::AUTOC) & ~reg::autoc::kLmsMask;
  bar0.write(reg::AUTOC, autoc | reg::autoc::kLms10gSerial | reg::autoc::kRestartAn);
  bar0.flush();
  const auto up = wait_for_bit(bar0, clock, waiter, kLinkUpTimeout, kLinkPollInterval, reg::LINKS,
                               reg::links::kUp, true, "link down");
  if (!up && up.error().code == ErrorCode::kNoDevice) return std::unexpected(up.error());
  return read_link(bar0);
}

void clear_statistics(hal::RegisterIo& bar0) {
  for (const hal::Reg32 r : reg::kClearOnReadStats) (void)bar0.read(r);
}

hal::MacAddr read_rar0_mac(hal::RegisterIo& bar0) {
  const uint32_t lo = bar0.read(reg::RAL(0));
  const uint32_t hi = bar0.read(reg::RAH(0));
  if ((hi & reg::rah::kAv) == 0) return {};
  const auto b = [](uint32_t v, unsigned i) { return static_cast<uint8_t>(v >> (8 * i)); };
  const hal::MacAddr mac({b(lo, 0), b(lo, 1), b(lo, 2), b(lo, 3), b(hi, 0), b(hi, 1)});
  return mac.is_valid_unicast() ? mac : hal::MacAddr{};
}

std::expected<void, Refusal> setup_rx(hal::RegisterIo& bar0, hal::Clock& clock,
                                      hal::Waiter& waiter, uint32_t max_frame) {
  bar0.set_bits(reg::FCTRL, reg::fctrl::kBam);
  // The FCS is stripped by the MAC and by the DMA alike: the two bits must agree (4.6.7).
  bar0.set_bits(reg::HLREG0, reg::hlreg0::kRxCrcStrp);
  bar0.set_bits(reg::RDRXCTL, reg::rdrxctl::kCrcStrip | reg::rdrxctl::kRscAckc | reg::rdrxctl::kFcoeWrfix);
  for (unsigned tc = 0; tc < reg::kNumTc; ++tc) bar0.write(reg::RXPBSIZE(tc), tc == 0 ? kRxPb0 : 0);
  bar0.write(reg::MAXFRS, max_frame << reg::maxfrs::kMfsShift);
  // With JUMBOEN set the MAC checks frame length against MAXFRS alone, which the VFs may
  // raise through SET_LPE (Linux keeps JUMBOEN on for the same reason).
  bar0.set_bits(reg::HLREG0, reg::hlreg0::kJumboEn);
  // Multicast filter type 0 (bits 47:36), the value every VF_RESET reply announces.
  bar0.write(reg::MCSTCTRL, reg::mcstctrl::kMfe);
  return enable_rx(bar0, clock, waiter);
}

std::expected<void, Refusal> enable_rx(hal::RegisterIo& bar0, hal::Clock& clock,
                                       hal::Waiter& waiter) {
  // Erratum: traffic arriving while RXEN goes on can hang the RX DMA unless the security
  // block's RX path is stopped and drained first.
  bar0.set_bits(reg::SECRXCTRL, reg::secrxctrl::kRxDis);
  const auto drained = wait_for_bit(bar0, clock, waiter, kSecRxDrainTimeout, kHwPollInterval,
                                    reg::SECRXSTAT, reg::secrxstat::kSecRxRdy, true, "");
  if (!drained && drained.error().code == ErrorCode::kNoDevice) return drained;
  bar0.set_bits(reg::RXCTRL, reg::rxctrl::kRxEn);
  bar0.clear_bits(reg::SECRXCTRL, reg::secrxctrl::kRxDis);
  bar0.flush();
  return {};
}

void setup_tx(hal::RegisterIo& bar0) {
  for (unsigned tc = 0; tc < reg::kNumTc; ++tc) bar0.write(reg::TXPBSIZE(tc), tc == 0 ? kTxPb0 : 0);
  bar0.set_bits(reg::HLREG0, reg::hlreg0::kTxCrcEn | reg::hlreg0::kTxPadEn);
  bar0.write(reg::DTXMXSZRQ, reg::dtxmxszrq::kDefault);
  // MTQC may change only while the TX descriptor arbiter is off (datasheet 8.2.3.9.15).
  bar0.set_bits(reg::RTTDCS, reg::rttdcs::kArbDis);
  bar0.write(reg::MTQC, 0);
  bar0.clear_bits(reg::RTTDCS, reg::rttdcs::kArbDis);
  bar0.set_bits(reg::DMATXCTL, reg::dmatxctl::kTe);
}

void enable_interrupts(hal::RegisterIo& bar0) {
  (void)bar0.read(reg::EICR);  // read-to-clear: the bring-up's own link changes are not news
  bar0.write(reg::GPIE, bar0.read(reg::GPIE) | reg::gpie::kMsixMode | reg::gpie::kPbaSupport |
                            reg::gpie::kEiame | reg::gpie::kOcd);
  // IVAR_MISC byte 1: "other" causes (mailbox, link) -> MSI-X vector 0, valid.
  bar0.write(reg::IVAR_MISC, (kOtherVector | reg::ivar::kValid) << reg::ivar::kMiscOtherShift);
  bar0.write(reg::EIMS, reg::eicr::kMailbox | reg::eicr::kLsc | reg::eicr::kOther);
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
