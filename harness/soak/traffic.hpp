#pragma once
// The soak's traffic: every guest of a stepped SimHost runs a generator (harness/apps
// TrafficGen) towards the next guest's MAC and a sink, on its VF's queue pair 0. Resets stop a
// VF's queues; each time the guest's driver is up again after one, the queues are set up
// anew, as a guest OS does.
//
// Each set-up of a VF's queues is a "life". When a life ends, its queues are closed and say
// what they freed: the frames its generator handed to the TX ring that the device never took
// (no written-back head past them), and the copies the device completed in its RX ring (DD)
// that the sink never read; both are counted as abandoned. With the device's per-queue
// counters this closes the guests' own books:
//   sent      = tx_taken + tx_abandoned + (in the live ring)
//   delivered = received + rx_abandoned + (in the live ring)
// each side counted on its own. A life whose rings disagree with the device's counters and the
// apps (more taken than sent, an unsent count other than sent - taken, ...) is a phantom: a
// violation the checker reports.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/apps/sink.hpp"
#include "harness/apps/traffic_gen.hpp"
#include "harness/datapath_host.hpp"
#include "harness/sim_host.hpp"
#include "harness/soak/counting_wire.hpp"

namespace harness::soak {

/// One guest's books, over every life of its queues.
struct GuestTraffic {
  uint64_t sent = 0;          ///< frames tx_burst took
  uint64_t tx_taken = 0;      ///< of those, taken by the device (lives ended so far)
  uint64_t tx_abandoned = 0;  ///< freed unsent when a life ended (TxQueue::close)
  uint64_t delivered = 0;     ///< copies the device wrote into the RX ring (lives ended)
  uint64_t received = 0;      ///< frames the sink read (probes and others)
  uint64_t rx_abandoned = 0;  ///< completed, never read, freed when a life ended (RxQueue::close)
  uint64_t bad = 0;           ///< frames the sink read that are not probes
  /// Lives whose closed rings disagreed with the device's counters and the apps: more taken
  /// than sent or read than delivered, or a count of unsent (unread) frames in the ring other
  /// than sent - taken (delivered - read).
  uint64_t phantoms = 0;
  uint64_t lives = 0;           ///< queue set-ups that succeeded
  uint64_t setup_failures = 0;  ///< queue set-ups that failed (retried on a later turn)
  std::string last_setup_error;
  /// Probes received per sending VF (the flow id is the sender's VF index).
  std::array<uint64_t, 64> from{};
  /// Mbufs of the guest's pool not back in it once the queues are gone (teardown only).
  uint64_t mbufs_missing = 0;
};

struct TrafficOptions {
  /// Descriptors per ring.
  uint16_t ring_size = 64;
  /// Per generator, on the host's simulated clock (20000/s: two frames per 100 us step).
  uint64_t rate_pps = 20000;
};

/// Not thread-safe: the soak's thread runs it, with the host. Needs a running EAL, a stepped
/// host (its ManualClock paces the generators) with at least 2 guests.
class SoakTraffic {
 public:
  /// Installs a CountingWire on the host's device; builds nothing yet (turn() does).
  SoakTraffic(SimHost& host, TrafficOptions opts);
  ~SoakTraffic();
  SoakTraffic(const SoakTraffic&) = delete;
  SoakTraffic& operator=(const SoakTraffic&) = delete;

  /// One round: ends the life of every VF whose driver reset since its queues were set up,
  /// sets up queues for every guest that is up without them, one generator burst each (unless
  /// stopped), one engine pass, one sink burst each. Returns what moved (frames sent, taken,
  /// received).
  size_t turn() { return send() + engine() + receive(); }
  /// The three phases of turn(), for a caller that acts between them (a reset with frames in
  /// the rings). Each first ends the life of every VF whose driver reset since its queues were
  /// set up, so no app touches a stopped queue. send() also sets up queues where needed.
  size_t send();
  size_t engine();
  size_t receive();
  /// Stops (true) or restarts the generators; the engine and the sinks go on.
  void set_sending(bool on) { sending_ = on; }
  /// True when `vf`'s queues are set up for its driver's current reset.
  bool live(unsigned vf) const;

  /// The books of every guest, lives still running included (their in-ring frames counted as
  /// neither taken nor abandoned: `in_tx_ring`/`in_rx_ring` give them).
  std::vector<GuestTraffic> books() const;
  /// Frames sent on live queues the device has not taken yet, and copies delivered into live
  /// RX rings the sinks have not read: both 0 once quiesced.
  uint64_t in_tx_ring() const;
  uint64_t in_rx_ring() const;
  /// After teardown(): the unsent frames and unread completed copies the live rings held when
  /// their queues were closed, counted by the queues (in_tx_ring/in_rx_ring estimate the same
  /// from the counters, for a running host).
  uint64_t left_in_tx_rings() const { return left_tx_; }
  uint64_t left_in_rx_rings() const { return left_rx_; }
  /// Frames the device sent onto the wire.
  uint64_t wire_frames() const { return wire_->sent(); }

  /// Ends every life (closing the live queues: left_in_tx_rings/left_in_rx_rings), destroys
  /// the apps and queues, and counts each pool's missing mbufs
  /// (GuestTraffic::mbufs_missing); then frees the pools. Idempotent; the destructor calls it.
  void teardown();

 private:
  struct Path;
  /// Ends `vf`'s life: closes its queues (`function_reset`: the function was reset, so no
  /// register is touched) and books what they freed.
  void end_life(unsigned vf, Path& p, bool function_reset);
  void end_reset_lives();
  void start_life(unsigned vf, Path& p);
  void refresh_gen(unsigned vf, Path& p);
  sim::QueueCounters counters(unsigned vf) const;

  SimHost& host_;
  TrafficOptions opts_;
  std::shared_ptr<CountingWire> wire_;
  std::vector<std::unique_ptr<Path>> paths_;
  bool sending_ = true;
  bool torn_down_ = false;
  uint64_t left_tx_ = 0;
  uint64_t left_rx_ = 0;
};

}  // namespace harness::soak
