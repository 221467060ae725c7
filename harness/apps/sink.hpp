#pragma once
// A sink on one port: receives bursts, checks that each frame is a probe (probe_frame.hpp),
// tracks every flow's sequence numbers, measures latency from the probe's TSC, and frees the
// frames in bulk.
//
// Sequence tracking per flow. A flow expects sequence 0 first. A frame ahead of the expected
// number counts the numbers skipped as lost; a frame behind it is looked up in a window of the
// last kSeqWindow numbers: one never seen is reordered (and no longer lost), one seen already is
// a duplicate; one older than the window is late (lost is not corrected for it).

#include <cstdint>
#include <limits>
#include <vector>

#include "harness/apps/burst_port.hpp"
#include "harness/apps/probe_frame.hpp"

namespace harness::apps {

/// Counters of one flow, or of all of them.
struct FlowCounters {
  uint64_t received = 0;   ///< probes of the flow
  uint64_t bytes = 0;      ///< their L2 bytes without FCS
  uint64_t lost = 0;       ///< sequence numbers skipped and not (yet) seen
  uint64_t reordered = 0;  ///< arrived after a higher number of the flow, first time
  uint64_t duplicate = 0;  ///< a number already received (within the window)
  uint64_t late = 0;       ///< older than the window: reordered or duplicate, unknown
  /// One-way latency, TSC at receive minus TSC in the probe, in TSC cycles (rte_get_tsc_hz()).
  uint64_t latency_min = std::numeric_limits<uint64_t>::max();
  uint64_t latency_max = 0;
  uint64_t latency_sum = 0;  ///< over `received` frames
  double latency_avg() const {
    return received != 0 ? static_cast<double>(latency_sum) / static_cast<double>(received) : 0.0;
  }
};

struct SinkCounters {
  FlowCounters all;  ///< every flow summed (latency min/max across flows)
  uint64_t bad = 0;  ///< frames that are not probes, or of a flow id >= max_flows: freed uncounted
  uint64_t bad_bytes = 0;
};

struct SinkOptions {
  uint16_t udp_port = kProbeUdpPort;
  /// Flow ids 0..max_flows-1 are tracked (their state is allocated up front).
  uint16_t max_flows = 64;
  /// Frames per rx_burst, 1..kMaxBurst.
  uint16_t burst = kMaxBurst;
};

/// Not thread-safe: one thread polls one sink (and owns the port's RX queue).
class Sink {
 public:
  /// The sequence numbers behind a flow's highest one that are remembered.
  static constexpr unsigned kSeqWindow = 64;

  /// A sink on `port.rx` (which must be set; the TX side is not used). Options out of range are
  /// clamped (burst to 1..kMaxBurst, max_flows to at least 1).
  explicit Sink(const BurstPort& port, const SinkOptions& opts = {});

  /// One rx_burst, then consume(). Never blocks. Returns the frames received.
  uint16_t poll();

  /// Accounts `pkts[0, n)` as received now and frees them in bulk. For tests and for callers
  /// that receive themselves (a loop that drops some frames on purpose first).
  void consume(rte_mbuf** pkts, uint16_t n);

  /// Totals over every flow.
  SinkCounters counters() const;
  /// One flow's counters (flow < max_flows()).
  const FlowCounters& flow(uint16_t id) const { return flows_[id].c; }
  uint16_t max_flows() const { return static_cast<uint16_t>(flows_.size()); }

 private:
  struct Flow {
    FlowCounters c;
    uint64_t next = 0;    // the sequence number expected next
    uint64_t window = 0;  // bit i: number next - 1 - i was received
  };
  void account(Flow& f, uint64_t seq, uint32_t len, uint64_t latency);

  dp::RxQueue* rx_ = nullptr;
  uint16_t udp_port_ = kProbeUdpPort;
  uint16_t burst_ = kMaxBurst;
  std::vector<Flow> flows_;
  uint64_t bad_ = 0;
  uint64_t bad_bytes_ = 0;
};

}  // namespace harness::apps
