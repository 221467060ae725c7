#pragma once
// What sriov-bench's loop drives: senders and receivers as plain lists of queues (a VF's, the
// PF's host queues, or the built-in wire peer), and the totals one run adds up. Chosen at setup
// (bench_rig.hpp), so the loop has no scenario logic; the one branch per burst (a dp queue or
// the wire peer) always goes the same way for a given endpoint.

#include <cstdint>
#include <vector>

#include "datapath/rx_queue.hpp"
#include "datapath/tx_queue.hpp"
#include "hal/types.hpp"
#include "harness/wire/ring_peer.hpp"

struct rte_mempool;

namespace bench {

/// One sending function.
struct Sender {
  /// Prefilled with the frames (bench_frames.hpp); the queues' DMA domain maps it.
  rte_mempool* pool = nullptr;
  /// The function's TX queues; bursts take turns. Empty when `peer` sends.
  std::vector<dp::TxQueue*> queues;
  /// The wire peer, sending with rte_eth_tx_burst (wire-to-vf).
  harness::WirePeer* peer = nullptr;
  /// More than one: bursts take turns among these destinations (the prefilled address is
  /// overwritten); otherwise the prefilled destination stands.
  std::vector<hal::MacAddr> dsts;
  unsigned next_queue = 0;
  unsigned next_dst = 0;
  /// Frames this sender's tx_burst took (Totals::sent is the sum over the senders).
  uint64_t sent = 0;
};

/// One receiving function.
struct Receiver {
  /// The function's RX queues, each polled once per round. Empty when `peer` receives.
  std::vector<dp::RxQueue*> queues;
  /// Frames received per queue (index as `queues`; one entry for the peer).
  std::vector<uint64_t> per_queue;
  /// The wire peer, sinking with rte_eth_rx_burst (vf-to-wire).
  harness::WirePeer* peer = nullptr;
};

/// Cycle and packet totals of one run.
struct Totals {
  uint64_t sent = 0;     ///< taken by tx_burst (a driver's, or the wire peer's)
  uint64_t tx_full = 0;  ///< offered to tx_burst and refused (ring full): never reached the device
  uint64_t alloc_fail = 0;  ///< mbufs the sender's pool could not give
  uint64_t received = 0;    ///< by the receivers (or taken by an external wire's driver)
  uint64_t rx_bytes = 0;
  uint64_t polls = 0;       ///< engine passes
  uint64_t cyc_engine = 0;  ///< inside poll_once (inline), or the engine thread's busy passes
  uint64_t cyc_rx = 0;      ///< inside the receiving driver's rx_burst
  uint64_t cyc_tx = 0;      ///< inside the sending driver's tx_burst (a VF's or the PF's)
  uint64_t cyc_peer = 0;    ///< inside the wire peer's rte_eth_rx_burst / rte_eth_tx_burst
  uint64_t cyc_total = 0;   ///< the guests' core, from the first burst to the end of the drain
  double seconds = 0;
  double tsc_hz = 0;
};

}  // namespace bench
