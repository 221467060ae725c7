#pragma once
// Packet accounting of the simulated 82599's engine: every frame offered to the device ends in
// exactly one place. A frame is offered when the engine takes a TX descriptor chain (up to EOP)
// or a frame from the wire. It then either
//   - is dropped before switching: one of tx_dma_fault, oversize, wire_crc_error,
//     wire_undersize (the last two: frames from the wire the MAC discards, hal/sim/mac_rx.hpp)
//     or a switch DropReason; or
//   - is switched into `copies` copies (Verdict::replicas() plus one when it goes to the wire),
//     and each copy ends as one of delivered, to_wire, link_down, rx_port_disabled, rx_no_queue,
//     rx_queue_disabled, rx_no_descriptor or rx_dma_fault.
// check() verifies both levels and says which sum is off.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "hal/sim/l2_switch.hpp"

namespace sim {

/// Totals since the device was created (device resets do not clear them).
struct Accounting {
  // ---- Offered frames.
  uint64_t offered_tx = 0;    ///< TX descriptor chains taken from rings
  uint64_t offered_wire = 0;  ///< frames taken from the wire port
  // ---- Frame-level ends (before or at the switch).
  uint64_t tx_dma_fault = 0;  ///< a TX buffer outside the queue's DMA domain
  /// A TX chain longer than EngineState::kMaxFrame or kMaxTxChain descriptors, or a wire frame
  /// with a good FCS longer than the MAC's maximum (ROC) or the engine's kMaxFrame.
  uint64_t oversize = 0;
  uint64_t wire_crc_error = 0;  ///< a wire frame with a bad FCS, any length (CRCERRS, RFC, RJC)
  uint64_t wire_undersize = 0;  ///< a wire frame with a good FCS under 64 bytes (RUC)
  std::array<uint64_t, kNumDropReasons> switch_drops{};  ///< indexed by DropReason
  uint64_t switched = 0;      ///< frames the switch sent somewhere
  // ---- Copies of switched frames and their ends.
  uint64_t copies = 0;             ///< sum of replicas() + wire() over switched frames
  uint64_t delivered = 0;          ///< copies written into an RX ring
  uint64_t to_wire = 0;            ///< copies handed to the wire port
  uint64_t link_down = 0;          ///< wire copies dropped because the link is down
  /// Receive is off for the whole port (RXCTRL.RXEN clear or SECRXCTRL.RX_DIS set): nothing
  /// enters the RX packet buffer, from the wire or looped back.
  uint64_t rx_port_disabled = 0;
  uint64_t rx_no_queue = 0;        ///< the pool owns no queue in the current VT mode
  uint64_t rx_queue_disabled = 0;  ///< the pool's RX queue has RXDCTL.ENABLE clear
  uint64_t rx_no_descriptor = 0;   ///< not enough descriptors between RDH and RDT
  uint64_t rx_dma_fault = 0;       ///< an RX descriptor or buffer outside the DMA domain

  uint64_t offered() const { return offered_tx + offered_wire; }
  uint64_t switch_dropped() const;
  /// Wire frames the MAC discarded (bad FCS or undersize; oversize ones are in `oversize`).
  uint64_t mac_dropped() const { return wire_crc_error + wire_undersize; }
  /// Frames dropped before or by the switch, every reason.
  uint64_t frame_drops() const { return tx_dma_fault + oversize + mac_dropped() + switch_dropped(); }
  /// Copies that ended in a drop counter.
  uint64_t copy_drops() const {
    return link_down + rx_port_disabled + rx_no_queue + rx_queue_disabled + rx_no_descriptor +
           rx_dma_fault;
  }
  uint64_t switch_drop(DropReason r) const { return switch_drops[static_cast<size_t>(r)]; }

  /// Calls `fn(std::string_view name, uint64_t count)` for every drop counter, frame-level ones
  /// first (the switch's by DropReason name), then the copies' ones, zeros included. Reports
  /// that list drops by name use this, so a counter added here reaches them all.
  template <typename Fn>
  void for_each_drop(Fn&& fn) const {
    fn("tx_dma_fault", tx_dma_fault);
    fn("oversize", oversize);
    fn("wire_crc_error", wire_crc_error);
    fn("wire_undersize", wire_undersize);
    for (DropReason r : kAllDropReasons) fn(to_string(r), switch_drop(r));
    fn("link_down", link_down);
    fn("rx_port_disabled", rx_port_disabled);
    fn("rx_no_queue", rx_no_queue);
    fn("rx_queue_disabled", rx_queue_disabled);
    fn("rx_no_descriptor", rx_no_descriptor);
    fn("rx_dma_fault", rx_dma_fault);
  }

  /// Empty when every frame and every copy is in exactly one place; otherwise a message naming
  /// the sum that does not add up, with the numbers.
  std::string check() const;
  /// One line with every non-zero counter, for test failure messages and reports.
  std::string summary() const;
};

/// Per absolute queue counters kept by the engine (not the statistics registers).
struct QueueCounters {
  uint64_t tx_packets = 0, tx_bytes = 0;
  uint64_t tx_dma_faults = 0;     ///< ring, buffer or head write-back faults of this TX queue
  uint64_t rx_packets = 0, rx_bytes = 0;
  uint64_t rx_no_descriptor = 0;  ///< drops for want of a descriptor (QDE or not, see docs)
  uint64_t rx_queue_disabled = 0;
  uint64_t rx_dma_faults = 0;     ///< ring or buffer faults of this RX queue
};

}  // namespace sim
