// Bring-up steps 3 and 5 to 12 (hw_init.hpp): general, statistics, receive, transmit and
// interrupt configuration. Reset: hw_reset.cpp; link: hw_link.cpp.
#include "pf_driver/hw_init.hpp"

#include "hal/ixgbe/regs_pf.hpp"
#include "pf_driver/hw_wait.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;

namespace {
// The packet buffers without DCB: everything in PB 0 (datasheet 4.6.7, 4.6.8), the others 0.
constexpr uint32_t kRxPb0 = reg::rxpbsize::k512KB;
constexpr uint32_t kTxPb0 = reg::txpbsize::k160KB;
}  // namespace

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

void setup_rx(hal::RegisterIo& bar0, uint32_t max_frame) {
  bar0.set_bits(reg::FCTRL, reg::fctrl::kBam);
  // The FCS is stripped by the MAC and by the DMA alike: the two bits must agree (4.6.7).
  bar0.set_bits(reg::HLREG0, reg::hlreg0::kRxCrcStrp);
  // RSCFRSTSIZE comes out of reset as 0x8 and must be cleared (8.2.3.8.8; Linux and DPDK
  // ixgbe_setup_rdrxctl do, ixy #29 found what happens otherwise).
  const uint32_t rdrxctl = bar0.read(reg::RDRXCTL) & ~reg::rdrxctl::kRscFrstSizeMask;
  bar0.write(reg::RDRXCTL, rdrxctl | reg::rdrxctl::kCrcStrip | reg::rdrxctl::kRscAckc |
                               reg::rdrxctl::kFcoeWrfix);
  for (unsigned tc = 0; tc < reg::kNumTc; ++tc) bar0.write(reg::RXPBSIZE(tc), tc == 0 ? kRxPb0 : 0);
  bar0.write(reg::MAXFRS, max_frame << reg::maxfrs::kMfsShift);
  // With JUMBOEN set the MAC checks frame length against MAXFRS alone, which the VFs may
  // raise through SET_LPE (Linux keeps JUMBOEN on for the same reason).
  bar0.set_bits(reg::HLREG0, reg::hlreg0::kJumboEn);
  // Multicast filter type 0 (bits 47:36), the value every VF_RESET reply announces.
  bar0.write(reg::MCSTCTRL, reg::mcstctrl::kMfe);
}

std::expected<void, Refusal> enable_rx(hal::RegisterIo& bar0, hal::Clock& clock,
                                       hal::Waiter& waiter) {
  // Erratum: traffic arriving while RXEN goes on can hang the RX DMA unless the security
  // block's RX path is stopped and drained first.
  bar0.set_bits(reg::SECRXCTRL, reg::secrxctrl::kRxDis);
  const auto drained = wait_for_bit(bar0, clock, waiter, kSecRxDrainTimeout, kSecRxDrainInterval,
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
  // 4.6.11.3.4 without DCB: no limit on outstanding TX request bytes beyond the field's. Linux
  // leaves the reset value (0x10); ixy programs the datasheet's value, as here.
  bar0.write(reg::DTXMXSZRQ, reg::dtxmxszrq::kNoDcb);
}

void enable_tx(hal::RegisterIo& bar0) {
  bar0.set_bits(reg::DMATXCTL, reg::dmatxctl::kTe);
  bar0.flush();
}

void enable_interrupts(hal::RegisterIo& bar0) {
  (void)bar0.read(reg::EICR);  // read-to-clear: the bring-up's own link changes are not news
  bar0.write(reg::GPIE, bar0.read(reg::GPIE) | reg::gpie::kMsixMode | reg::gpie::kPbaSupport |
                            reg::gpie::kEiame | reg::gpie::kOcd);
  // No vector auto-masks: the "other" vector must fire again on the next cause without the
  // service writing EIMS (hw_init.hpp).
  bar0.write(reg::EIAM_EX(0), 0);
  bar0.write(reg::EIAM_EX(1), 0);
  // IVAR_MISC byte 1: "other" causes (mailbox, link) -> MSI-X vector 0, valid.
  bar0.write(reg::IVAR_MISC, (kOtherVector | reg::ivar::kValid) << reg::ivar::kMiscOtherShift);
  bar0.write(reg::EIMS, reg::eicr::kMailbox | reg::eicr::kLsc | reg::eicr::kOther);
}

void signal_pf_ready(hal::RegisterIo& bar0) {
  bar0.set_bits(reg::CTRL_EXT, reg::ctrl_ext::kPfrstd | reg::ctrl_ext::kDrvLoad);
  bar0.flush();
}

}  // namespace pf
