#pragma once
// A forwarder on one port, as testpmd's io and macswap modes: what arrives is sent back out of
// the same port, unchanged (io) or with destination and source MAC swapped (macswap). Frames
// tx_burst refuses are freed and counted.
//
// io sends frames with another function's source address: a VF does that only with spoof check
// off (the switch drops it as mac_spoof otherwise), and a frame to its own address leaves on
// the wire (docs/switch.md T9, A10). macswap answers the sender and passes anti-spoof whenever the
// frame was addressed to this port's MAC.
//
// The received mbufs go straight back to TX: the port's pool must be mapped into the domain of
// the function the TX queue belongs to (it is, for one VF's queue pair). A VLAN tag stripped by
// the RX queue (vlan_strip) is not put back: TX does no VLAN insertion.

#include <cstdint>

#include "harness/apps/burst_port.hpp"

namespace harness::apps {

enum class ForwardMode {
  kIo,       ///< send back as received
  kMacSwap,  ///< swap destination and source MAC, then send
};

struct ForwarderCounters {
  uint64_t received = 0;
  uint64_t forwarded = 0;   ///< taken by tx_burst
  uint64_t tx_refused = 0;  ///< left by tx_burst (ring full): freed
};

/// Not thread-safe: one thread polls one forwarder (and owns the port's queues).
class Forwarder {
 public:
  /// A forwarder between `port.rx` and `port.tx` (both must be set). `burst` is clamped to
  /// 1..kMaxBurst.
  Forwarder(const BurstPort& port, ForwardMode mode, uint16_t burst = kMaxBurst);

  /// One rx_burst, the rewrite, one tx_burst; refused frames freed. Never blocks. Returns the
  /// frames received.
  uint16_t poll();

  const ForwarderCounters& counters() const { return c_; }
  ForwardMode mode() const { return mode_; }

 private:
  dp::RxQueue* rx_;
  dp::TxQueue* tx_;
  ForwardMode mode_;
  uint16_t burst_;
  ForwarderCounters c_;
};

}  // namespace harness::apps
