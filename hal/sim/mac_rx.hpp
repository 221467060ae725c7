#pragma once
// The simulated 82599 MAC's receive checks on frames arriving from the wire, before the switch
// sees them, and the minimum frame its transmit side pads to. A frame with a bad FCS, shorter
// than the Ethernet minimum or longer than the maximum frame size is discarded (FCTRL.SBP,
// store bad packets, is not modelled: always off) and counted in the PF's statistics registers
// (hal/ixgbe/regs_pf.hpp, datasheet 8.2.3.23) and in one Accounting counter:
//   CRCERRS  bad FCS, 64 bytes or longer (FCS included)          wire_crc_error
//   RFC      bad FCS, shorter than 64 bytes (a fragment)         wire_crc_error
//   RJC      bad FCS, longer than the maximum (a jabber);        wire_crc_error
//            CRCERRS counts it too (it is 64 bytes or longer)
//   RUC      good FCS, shorter than 64 bytes (undersize)         wire_undersize
//   ROC      good FCS, longer than the maximum (oversize)        oversize
// RLEC is not counted: on the 82599 it counts frames whose 802.3 length field disagrees with
// their length (HLREG0.RXLNGTHERREN), a check the model does not make. (Earlier Intel MACs
// counted undersize and oversize frames there; Intel's own DPDK driver adds RLEC, RUC and ROC
// for the 82599's bad-length total, so they are disjoint.)
// Lengths count from the destination address through the FCS, so a frame as the wire port
// carries it (no FCS) is 4 bytes longer on the wire. The maximum is MAXFRS.MFS with
// HLREG0.JUMBOEN set, else 1518; an 802.1Q-tagged frame may be 4 bytes longer (assumption: the
// MAC allows one tag beyond the limit, as Linux's 1518-byte max frame with VLANs on needs).
// The engine cannot carry a frame over EngineState::kMaxFrame: such a frame is an oversize one
// (or a jabber) whatever MAXFRS says.
// The statistics registers saturate at 0xFFFFFFFF and clear when read (hal/sim/pf_bar.cpp).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/register_io.hpp"
#include "hal/sim/accounting.hpp"
#include "hal/sim/frame.hpp"

namespace sim {

/// What the MAC found wrong with a frame from the wire.
enum class MacRxError : uint8_t {
  kNone,       ///< a good frame: on to the switch
  kCrc,        ///< bad FCS, legal length: CRCERRS
  kFragment,   ///< bad FCS, under 64 bytes: RFC
  kJabber,     ///< bad FCS, over the maximum: RJC and CRCERRS
  kUndersize,  ///< good FCS, under 64 bytes: RUC
  kOversize,   ///< good FCS, over the maximum: ROC
};

inline constexpr size_t kFcsLen = 4;
/// The Ethernet minimum, FCS included.
inline constexpr size_t kMinWireFrame = 64;
/// The same minimum as the engine carries frames (no FCS): what TX padding pads to.
inline constexpr size_t kMinFrameNoFcs = kMinWireFrame - kFcsLen;
/// The maximum without jumbo frames (HLREG0.JUMBOEN clear), FCS included.
inline constexpr uint32_t kStdMaxFrame = 1518;
/// What one 802.1Q tag adds to the allowed maximum.
inline constexpr uint32_t kTagAllowance = 4;
/// The longest frame the engine carries, without FCS (EngineState::kMaxFrame; engine_tx.cpp
/// asserts they agree). Past it a frame is oversize, or a jabber, whatever MAXFRS says.
inline constexpr size_t kEngineMaxFrame = 16 * 1024;

/// The largest frame (FCS included, untagged) the MAC takes under these HLREG0 and MAXFRS values.
constexpr uint32_t max_rx_frame(uint32_t hlreg0, uint32_t maxfrs) {
  namespace pfr = hal::ixgbe::pf;
  return (hlreg0 & pfr::hlreg0::kJumboEn) != 0 ? maxfrs >> pfr::maxfrs::kMfsShift : kStdMaxFrame;
}

/// True when `bytes` carries an outer 802.1Q tag (its TPID after the two addresses).
constexpr bool has_vlan_tag(std::span<const uint8_t> bytes) {
  constexpr size_t kTpidAt = 12;  // DA + SA
  return bytes.size() >= kTpidAt + 2 && bytes[kTpidAt] == (FrameView::kTpid8021Q >> 8) &&
         bytes[kTpidAt + 1] == (FrameView::kTpid8021Q & 0xFF);
}

/// The MAC's verdict on a frame of `len` bytes without FCS, with a bad FCS or not, one
/// 802.1Q tag or not, against `max_frame` (max_rx_frame()), capped at what the engine carries.
constexpr MacRxError classify_wire_frame(size_t len, bool fcs_bad, bool tagged, uint32_t max_frame) {
  const size_t on_wire = len + kFcsLen;
  const size_t limit =
      std::min(size_t{max_frame} + (tagged ? kTagAllowance : 0), kEngineMaxFrame + kFcsLen);
  if (on_wire < kMinWireFrame) return fcs_bad ? MacRxError::kFragment : MacRxError::kUndersize;
  if (on_wire > limit) return fcs_bad ? MacRxError::kJabber : MacRxError::kOversize;
  return fcs_bad ? MacRxError::kCrc : MacRxError::kNone;
}

/// Bumps a saturating 32-bit statistics counter.
inline void bump_stat(uint32_t& counter) {
  if (counter != UINT32_MAX) ++counter;
}

/// Counts `e` in the statistics registers it names; `reg(r)` is register r's storage.
template <typename RegFn>
void count_mac_rx_error(MacRxError e, RegFn&& reg) {
  namespace pfr = hal::ixgbe::pf;
  switch (e) {
    case MacRxError::kNone:
      return;
    case MacRxError::kCrc:
      bump_stat(reg(pfr::CRCERRS));
      return;
    case MacRxError::kFragment:
      bump_stat(reg(pfr::RFC));
      return;
    case MacRxError::kJabber:
      bump_stat(reg(pfr::RJC));
      bump_stat(reg(pfr::CRCERRS));
      return;
    case MacRxError::kUndersize:
      bump_stat(reg(pfr::RUC));
      return;
    case MacRxError::kOversize:
      bump_stat(reg(pfr::ROC));
      return;
  }
}

/// Counts a frame the MAC discarded for `e` (not kNone) in the one Accounting counter it ends in.
inline void count_mac_rx_drop(MacRxError e, Accounting& a) {
  switch (e) {
    case MacRxError::kNone:
      return;
    case MacRxError::kCrc:
    case MacRxError::kFragment:
    case MacRxError::kJabber:
      ++a.wire_crc_error;
      return;
    case MacRxError::kUndersize:
      ++a.wire_undersize;
      return;
    case MacRxError::kOversize:
      ++a.oversize;
      return;
  }
}

}  // namespace sim
