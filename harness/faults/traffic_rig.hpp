#pragma once
// The fault scenarios' rig: one simulated 82599 on a ManualClock, the real PF driver, a guest
// per VF (the real VF driver, a data path from harness/datapath_host.hpp, two traffic
// generators and a sink) and a link partner on the wire (wire_peer.hpp). Every VF sends to the
// next VF (through the VEB) and to the wire; the wire sends to every VF.
//
// Why not SimHost or DatapathHost: both serve the PF's mailbox from inside a guest's waits, so
// neither can hold the PF service back (the stalled-mailbox fault), and neither keeps traffic
// moving while a guest waits. Here a guest's wait runs rig ticks: time, the PF service (unless
// stalled), the wire peer, every guest's data path and the engine.
//
// A guest behaves as an OS does: it sends only while its driver is up with the link up; when
// its driver resets (VfDriver::counters().resets moves, the device forgot the queues) it
// frees its rings, counting the frames still in them, and sets up new queues with new flows.
//
// Requires a running EAL. Deterministic; one thread.

#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hal/clock.hpp"
#include "hal/sim/device.hpp"
#include "harness/apps/sink.hpp"
#include "harness/apps/traffic_gen.hpp"
#include "harness/datapath_host.hpp"
#include "harness/faults/flow_ledger.hpp"
#include "harness/faults/wire_peer.hpp"
#include "pf_driver/pf_driver.hpp"
#include "vf_driver/vf_driver.hpp"

namespace harness::faults {

using namespace std::chrono_literals;

struct RigOptions {
  unsigned num_vfs = 4;  ///< 2..31
  /// Seeds the guests' random MACs.
  uint64_t seed = 1;
  /// Frames per second of every flow (each VF has two, the peer one per VF).
  uint64_t rate_pps = 20000;
  uint16_t ring_size = 256;
  /// Simulated time per tick.
  hal::Nanos tick = 100us;
  /// The administrator's settings, applied after the VFs are enabled and before any guest
  /// probes (as `ip link set PF vf N ...` before the VMs start). Errors: a refusal's reason.
  std::function<std::expected<void, std::string>(pf::PfDriver&)> admin;
};

/// Frames counted by the rig, the device and the peer since the rig was built.
struct FrameTotals {
  uint64_t guest_sent = 0;      ///< frames the guests' tx_burst took
  uint64_t peer_sent = 0;       ///< frames the peer generated or queued bad (taken or not)
  uint64_t guest_received = 0;  ///< frames the guests' rx_burst returned
  uint64_t peer_received = 0;   ///< frames the device sent onto the wire
  uint64_t in_flight = 0;       ///< still in a TX or RX ring or queued at the peer (0 after drain())
  /// Each frame that ended in a drop, by counter: the device's accounting (its names), plus
  /// tx_ring_reset / rx_ring_reset (frames in a guest's ring when a reset made it free them).
  std::map<std::string, uint64_t> drops;
  /// The MAC statistics registers (hal/sim/mac_rx.hpp), by name, non-zero ones.
  std::map<std::string, uint64_t> mac;
  /// Bad frames from the peer that reached a guest (must stay 0).
  uint64_t bad_delivered = 0;

  uint64_t sent() const { return guest_sent + peer_sent; }
  uint64_t received() const { return guest_received + peer_received; }
  uint64_t dropped() const;
};

/// What the PF holds about one VF that must survive resets, as one comparable line.
std::string config_line(const pf::VfInfo& i, std::span<const uint16_t> vlans, bool admin_only);

class TrafficRig {
 public:
  /// Builds everything, brings every guest up and starts its traffic.
  /// Errors: no EAL, the PF refused, a guest failed to come up (one line).
  static std::expected<std::unique_ptr<TrafficRig>, std::string> create(const RigOptions& opts);
  ~TrafficRig();
  TrafficRig(const TrafficRig&) = delete;
  TrafficRig& operator=(const TrafficRig&) = delete;

  /// One tick, then every guest's watchdog and queue upkeep.
  void step();
  /// Steps for `d` of simulated time.
  void run_for(hal::Nanos d);
  /// Steps until `done` or `limit` passes; returns whether `done` held.
  bool run_until(const std::function<bool()>& done, hal::Nanos limit);
  /// One tick: time moves, the PF service runs (unless stalled), the peer and every guest's
  /// data path run (a guest sends only while its driver is up with the link up), and the
  /// engine passes until idle. Runs no driver: a guest waiting in its driver ticks through it.
  void tick();
  /// The same with time moving by `dt` (a guest's short wait).
  void tick(hal::Nanos dt);

  // ---- Faults.
  /// VF `vf`'s function level reset, through its config space (PCIe Device Control BCR/FLR).
  void flr(unsigned vf);
  /// The guest of `vf` disappears without a VF_RESET: its rings are counted and freed, its
  /// mapping and driver go. Then the host resets the function through its config space, as
  /// vfio-pci does when a VM's device is released, and the PF reclaims it (VFLRE).
  void kill_guest(unsigned vf);
  /// A new guest on `vf` (a new VM): probes and starts its traffic. Errors: probe failed.
  std::expected<void, std::string> start_guest(unsigned vf);
  /// The wire's link, for the device (LINKS, LSC) and the peer alike.
  void set_link(bool up);
  /// No PF service pass until `until` on the rig's clock.
  void stall_pf_until(hal::Nanos until) { pf_stalled_until_ = until; }
  /// Stops (or restarts) every sender: the guests' generators and the peer.
  void set_sending(bool on) { sending_ = on; }
  /// Stops sending and steps until every ring and the peer are empty (or 50 ms pass); from
  /// then on check_invariant() also requires nothing in flight.
  void drain();

  // ---- Observation.
  bool guest_up(unsigned vf) const;
  bool all_up() const;
  /// Every path to or from each VF in `vfs` carried a frame sent after the last mark.
  bool flowing(const std::vector<unsigned>& vfs) const;
  /// The latest "first frame since the mark" over the paths of `vfs` (nullopt: one has none).
  std::optional<hal::Nanos> flowing_since(const std::vector<unsigned>& vfs) const;
  /// Every VF's config_line (admin fields only for those in `admin_only`).
  std::vector<std::string> config(const std::vector<unsigned>& admin_only = {}) const;
  FrameTotals totals() const;
  /// Empty when every frame is accounted for (docs in traffic_rig.cpp), else what is off.
  std::string check_invariant() const;

  FlowLedger& ledger() { return ledger_; }
  sim::Device82599& device() { return *dev_; }
  pf::PfDriver& pf() { return *pf_; }
  hal::ManualClock& clock() { return clock_; }
  vf::VfDriver& driver(unsigned vf);
  unsigned num_vfs() const { return static_cast<unsigned>(guests_.size()); }
  WirePeer& peer() { return *peer_; }
  hal::MacAddr vf_mac(unsigned vf) const { return macs_.at(vf); }

 private:
  struct Guest;
  class GuestWaiter;
  explicit TrafficRig(const RigOptions& opts);
  std::expected<void, std::string> bring_up();
  /// Queue upkeep after the guest's driver ran: retire queues a reset made stale, build new
  /// ones once the driver is up.
  void sync_guest(Guest& g);
  /// Every guest's driver upkeep and queue sync, except guests inside a wait.
  void step_drivers();
  std::expected<void, std::string> build_queues(Guest& g);
  /// Counts and frees the guest's rings (comparing their counts with the device's) and its
  /// apps. `device_alive` false: the function was reset under a dead guest, touch no register.
  void retire_queues(Guest& g, bool device_alive = true);
  /// The guests' TX queue options: head write-back, so a ring's close() knows what was sent.
  static dp::TxQueueOptions tx_options();
  void poll_tx(Guest& g);
  void poll_rx(Guest& g);
  unsigned abs_queue(unsigned vf) const;

  RigOptions opts_;
  hal::ManualClock clock_;
  std::unique_ptr<sim::Device82599> dev_;
  hal::SteppingWaiter pf_waiter_;
  std::unique_ptr<pf::PfDriver> pf_;
  FlowLedger ledger_;
  std::shared_ptr<WirePeer> peer_;
  std::vector<std::unique_ptr<Guest>> guests_;
  std::vector<hal::MacAddr> macs_;
  hal::Nanos pf_stalled_until_{};
  bool sending_ = true;
  // Retired guests' and rings' counts.
  uint64_t retired_sent_ = 0, retired_received_ = 0;
  uint64_t tx_ring_reset_ = 0, rx_ring_reset_ = 0;
  uint64_t bad_delivered_ = 0;
  std::vector<bool> waiting_;  ///< per VF: its guest is inside a wait (GuestWaiter)
  bool drained_ = false;
  /// Teardown checks that failed (ring counts against the device's, mbufs not returned).
  std::string teardown_problems_;
  /// The MAC statistics registers' totals: they clear on read, and totals() reads them.
  mutable std::map<std::string, uint64_t> mac_totals_;
};

}  // namespace harness::faults
