#pragma once
// The link partner of the fault scenarios' device: a sim::WirePort that sends probe frames to
// each VF's MAC at a fixed rate (on the rig's simulated clock), takes what the device sends
// onto the wire and reads its probes into the FlowLedger, and, on request, puts bad frames on
// the wire: runts, oversize frames and frames with a bad FCS (hal/sim/mac_rx.hpp).
//
// While the link is down the peer sends nothing: its own MAC sees the link down too. Frames it
// queued stay queued until the device takes them (the queue is bounded: a peer never queues
// more than kMaxQueued, it just generates later).

#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "hal/clock.hpp"
#include "hal/sim/wire_port.hpp"
#include "hal/types.hpp"
#include "harness/faults/flow_ledger.hpp"

namespace harness::faults {

/// Kinds of bad frame the peer can send.
enum class WireError : uint8_t {
  kRunt,       ///< 40 bytes with a good FCS: undersize (RUC)
  kFragment,   ///< 40 bytes with a bad FCS (RFC)
  kOversize,   ///< longer than the device's maximum frame, good FCS (ROC)
  kJabber,     ///< longer than the maximum, bad FCS (RJC)
  kBadFcs,     ///< a normal-sized probe with a bad FCS (CRCERRS)
};

struct WirePeerCounters {
  uint64_t generated = 0;  ///< good probes queued for the device
  uint64_t taken = 0;      ///< frames (good or bad) the device took
  uint64_t bad_queued = 0; ///< bad frames queued
  uint64_t received = 0;   ///< frames the device sent onto the wire
  uint64_t probes = 0;     ///< of those, probes
};

/// Not thread-safe: the rig's thread polls the device and drives the peer.
class WirePeer final : public sim::WirePort {
  static constexpr size_t kMaxQueued = 256;

 public:
  /// A peer with address `mac` sending `rate_pps` frames per second to each destination added,
  /// timed by `clock`; probes it receives go to `ledger`. Both must outlive it.
  WirePeer(hal::MacAddr mac, uint64_t rate_pps, const hal::Clock& clock, FlowLedger& ledger);

  /// Sends to `dst` from now on, on a new flow of path wire -> `to`.
  void add_destination(hal::MacAddr dst, unsigned to);
  /// Queues what the rate allows since the last call (nothing while the link is down).
  void generate();
  /// Queues `count` bad frames of `kind` to `dst`; `max_frame` is the device's maximum frame
  /// (FCS included) the oversize kinds must exceed.
  void queue_bad(WireError kind, hal::MacAddr dst, unsigned count, uint32_t max_frame);
  void set_link(bool up) { link_up_ = up; }

  void send(std::span<const uint8_t> frame) override;
  bool receive(std::vector<uint8_t>& frame) override;
  bool last_fcs_bad() const override { return last_fcs_bad_; }
  /// This peer models its MAC: a short frame it sends is a runt.
  bool carries_runts() const override { return true; }

  /// The source address of every bad frame (queue_bad): whatever survives of a frame on its
  /// way to a guest, a frame from here means the MAC let a bad frame through.
  static hal::MacAddr bad_source() { return hal::MacAddr({0x02, 0xfe, 0x00, 0x00, 0x00, 0xbd}); }
  /// Whether `frame` (its first bytes are enough) comes from bad_source(): one of ours.
  static bool is_bad_frame(std::span<const uint8_t> frame);

  /// Frames queued and not taken yet.
  size_t queued() const { return queue_.size(); }
  const WirePeerCounters& counters() const { return c_; }
  hal::MacAddr mac() const { return mac_; }

 private:
  struct Dest {
    hal::MacAddr mac;
    uint16_t flow = 0;
    uint64_t seq = 0;
  };
  struct Queued {
    std::vector<uint8_t> bytes;
    bool fcs_bad = false;
  };

  hal::MacAddr mac_;
  uint64_t rate_pps_;
  const hal::Clock& clock_;
  FlowLedger& ledger_;
  bool link_up_ = true;
  hal::Nanos last_{};
  uint64_t credit_ = 0;  ///< frame-nanoseconds: a frame costs 1e9
  std::vector<Dest> dests_;
  std::deque<Queued> queue_;
  bool last_fcs_bad_ = false;
  WirePeerCounters c_;
};

}  // namespace harness::faults
