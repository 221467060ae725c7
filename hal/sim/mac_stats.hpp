#pragma once
// The simulated 82599 MAC's good-frame statistics (datasheet 8.2.3.23): what the port received
// from and transmitted to the wire. Every register is clear on read and saturates (the 36-bit
// octet counters at 2^36 - 1). Lengths count from the destination address through the FCS.
// Which frames each counts: docs/sim-model.md, "PF statistics registers".

#include <cstdint>
#include <span>

#include "hal/ixgbe/regs_pf.hpp"
#include "hal/sim/mac_rx.hpp"

namespace sim {

/// Adds `n` to the 36-bit counter kept in `lo` (bits 31:0) and `hi` (bits 35:32), saturating.
inline void add_stat36(uint32_t& lo, uint32_t& hi, uint64_t n) {
  namespace pfr = hal::ixgbe::pf;
  constexpr uint64_t kMax = (uint64_t{pfr::stats::kHighMask} << 32) | UINT32_MAX;
  uint64_t v = (uint64_t{hi & pfr::stats::kHighMask} << 32) | lo;
  v = n > kMax - v ? kMax : v + n;
  lo = static_cast<uint32_t>(v);
  hi = static_cast<uint32_t>(v >> 32);
}

/// Broadcast: the destination address is all ones. Multicast: the group bit without broadcast.
inline bool is_broadcast(std::span<const uint8_t> frame) {
  if (frame.size() < 6) return false;
  for (size_t i = 0; i < 6; ++i) {
    if (frame[i] != 0xFF) return false;
  }
  return true;
}
inline bool is_multicast(std::span<const uint8_t> frame) {
  return frame.size() >= 6 && (frame[0] & 1u) != 0 && !is_broadcast(frame);
}

/// A frame taken from the wire, good or bad (TPR, TORL/H): `frame` without its FCS.
template <typename RegFn>
void count_wire_rx_total(std::span<const uint8_t> frame, RegFn&& reg) {
  namespace pfr = hal::ixgbe::pf;
  bump_stat(reg(pfr::TPR));
  add_stat36(reg(pfr::TORL), reg(pfr::TORH), frame.size() + kFcsLen);
}

/// A frame from the wire that passed the MAC's checks and the L2 filters, taken while receive
/// is enabled (GPRC, GORCL/H, BPRC, MPRC; the caller decides).
template <typename RegFn>
void count_wire_rx_good(std::span<const uint8_t> frame, RegFn&& reg) {
  namespace pfr = hal::ixgbe::pf;
  bump_stat(reg(pfr::GPRC));
  add_stat36(reg(pfr::GORCL), reg(pfr::GORCH), frame.size() + kFcsLen);
  if (is_broadcast(frame)) bump_stat(reg(pfr::BPRC));
  if (is_multicast(frame)) bump_stat(reg(pfr::MPRC));
}

/// A frame the MAC sent to the wire, padding included (GPTC, GOTCL/H, TPT, BPTC, MPTC).
template <typename RegFn>
void count_wire_tx(std::span<const uint8_t> frame, RegFn&& reg) {
  namespace pfr = hal::ixgbe::pf;
  bump_stat(reg(pfr::GPTC));
  bump_stat(reg(pfr::TPT));
  add_stat36(reg(pfr::GOTCL), reg(pfr::GOTCH), frame.size() + kFcsLen);
  if (is_broadcast(frame)) bump_stat(reg(pfr::BPTC));
  if (is_multicast(frame)) bump_stat(reg(pfr::MPTC));
}

}  // namespace sim
