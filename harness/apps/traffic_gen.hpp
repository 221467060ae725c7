#pragma once
// A traffic generator on one port: bursts of probe frames (probe_frame.hpp) of one flow, with a
// per-flow sequence number and the TSC of the burst, at most `rate_pps` frames per second of a
// hal::Clock (so a stepped test on a ManualClock is deterministic).
//
// Cheap per frame: the headers are built once; a frame costs one bulk allocation share, one
// rte_memcpy of the headers, two 64-bit stores and the length fields. Frames longer than the
// pool's data room are chains of full buffers, built the same way (headers in the first).

#include <cstdint>
#include <expected>
#include <memory>
#include <string>

#include "hal/clock.hpp"
#include "harness/apps/burst_port.hpp"
#include "harness/apps/probe_frame.hpp"

namespace harness::apps {

struct GenOptions {
  /// The frames: addresses, tag, flow id, port and length. A zero frame.src is replaced by the
  /// port's MAC (what the VF's anti-spoof check wants).
  ProbeSpec frame;
  /// Frames per second at most; 0: as many as the TX queue takes.
  uint64_t rate_pps = 0;
  /// What rate_pps is measured on; required when rate_pps is not 0. Must outlive the generator.
  const hal::Clock* clock = nullptr;
  /// Frames per poll, 1..kMaxBurst.
  uint16_t burst = kMaxBurst;
  /// Stop once this many were sent; 0: never stop.
  uint64_t count = 0;
};

/// Counters of a generator. offered = sent + tx_refused; frames the pool could not give are
/// alloc_failed and never offered. Nothing is dropped silently.
struct GenCounters {
  uint64_t offered = 0;       ///< frames handed to tx_burst
  uint64_t sent = 0;          ///< frames tx_burst took
  uint64_t tx_refused = 0;    ///< frames tx_burst left (ring full): freed here
  uint64_t alloc_failed = 0;  ///< frames not built: the pool had too few mbufs for the burst
  uint64_t bytes = 0;         ///< L2 bytes of the frames sent, without FCS
};

/// Not thread-safe: one thread polls one generator (and owns the port's TX queue).
class TrafficGen {
 public:
  /// A generator sending on `port.tx` with mbufs from `port.pool`.
  /// Errors (one line): no TX queue or pool, a frame length out of range, a burst out of
  /// 1..kMaxBurst, a rate without a clock, a pool whose data room cannot hold the headers, a
  /// frame needing more segments than the TX queue takes.
  static std::expected<TrafficGen, std::string> create(const BurstPort& port,
                                                       const GenOptions& opts);

  /// One burst: as many frames as the rate, the count and the burst size allow, built, offered
  /// to tx_burst, the refused ones freed. Never blocks. Returns the frames sent.
  uint16_t poll();

  const GenCounters& counters() const { return c_; }
  /// The sequence number of the next frame; frames refused by tx_burst do not use one up, so a
  /// receiver's gaps are frames lost after the queue took them.
  uint64_t next_seq() const { return seq_; }
  /// True once `count` frames were sent (never with count 0).
  bool done() const { return count_ != 0 && c_.sent >= count_; }
  /// Mbufs per frame.
  uint16_t segments() const { return nsegs_; }
  const ProbeHeader& header() const { return hdr_; }

 private:
  TrafficGen() = default;
  /// Frames the rate allows now, at most `want`.
  uint16_t rate_budget(uint16_t want);
  void fill_single(rte_mbuf** pkts, uint16_t n, uint64_t tsc);
  void fill_chained(rte_mbuf** pkts, uint16_t n, uint64_t tsc);

  dp::TxQueue* tx_ = nullptr;
  rte_mempool* pool_ = nullptr;
  ProbeHeader hdr_;
  uint32_t frame_len_ = 0;
  uint16_t burst_ = kMaxBurst;
  uint16_t nsegs_ = 1;
  uint16_t seg_len_ = 0;               // data in every segment but the last
  uint16_t last_len_ = 0;              // data in the last segment
  std::unique_ptr<rte_mbuf*[]> segs_;  // chains only: burst x nsegs mbufs of one allocation
  uint64_t seq_ = 0;
  uint64_t count_ = 0;
  // Token bucket in packet-nanoseconds: a frame costs 1e9, the clock adds rate_pps per ns.
  const hal::Clock* clock_ = nullptr;
  uint64_t rate_ = 0;
  uint64_t credit_ = 0;
  uint64_t credit_cap_ = 0;  // one burst: an idle generator does not save up a flood
  uint64_t cap_ns_ = 0;      // time that fills the bucket from empty
  int64_t last_ns_ = 0;
  GenCounters c_;
};

}  // namespace harness::apps
