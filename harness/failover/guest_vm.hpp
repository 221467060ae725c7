#pragma once
// The guest of the failover scenarios: a VM whose one network interface is either a failover
// NIC (a VF and the synthetic path, failover_nic.hpp) or an active-backup team of VFs
// (active_backup_team.hpp). Its traffic: probe frames to the partner at a fixed rate of the
// rig's clock, and the partner's probes read back and tracked (probe_tracker.hpp).
//
// What migrates with it: its memory (the pool, the synthetic channel and what sits in it),
// the interface's state and the traffic's sequence numbers. What does not: its VFs, which
// belong to a host; the rig (cluster.hpp) plugs them in and out.
//
// Every frame the guest's stack hands to the interface is counted once it is taken (sent());
// frames the interface did not take stay queued in the guest (held, not sent, no number lost).
// Not thread-safe: the rig's one thread runs it.

#include <array>
#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "datapath/dma_map.hpp"
#include "hal/clock.hpp"
#include "hal/types.hpp"
#include "harness/apps/probe_frame.hpp"
#include "harness/datapath_host.hpp"
#include "harness/failover/active_backup_team.hpp"
#include "harness/failover/failover_nic.hpp"
#include "harness/failover/probe_tracker.hpp"
#include "harness/failover/synthetic_channel.hpp"

struct rte_mbuf;

namespace harness::failover {

enum class GuestNic : uint8_t { kFailover, kTeam };

struct GuestVmOptions {
  hal::MacAddr mac{{0x02, 0x47, 0x00, 0x00, 0x00, 0x01}};
  GuestNic nic = GuestNic::kFailover;
  /// Probes per second to the partner; 0 sends nothing.
  uint64_t rate_pps = 100000;
  /// A guest that ignores the host's eject request (no failover support, or hung): the host's
  /// timeout then removes the VF by surprise.
  bool ignore_revoke = false;
  TeamOptions team;
};

/// A VF plugged into the guest: where it is, and the guest's side of it.
struct GuestVf {
  unsigned host = 0, nic = 0;
  hal::VfId vf{0};
  /// Built on the guest's pool (PortOptions::shared_pool): the VF receives into the guest's
  /// memory and sends the guest's frames from it.
  std::unique_ptr<VfPort> port;
  /// Descriptors per queue, for setting the queues up again after a VF reset.
  uint16_t ring_size = 512;
  uint64_t resets_seen = 0;
};

/// Frames the guest counted when it let go of a VF's rings.
struct VfRingCounts {
  uint64_t tx_unsent = 0;  ///< frames the VF's TX ring took and the device never sent
  uint64_t rx_unread = 0;  ///< frames the device completed in the VF's RX ring, never read
};

class GuestVm {
 public:
  /// A guest with its pool and channel; no host yet. `partner` is where its probes go.
  /// Errors: no EAL, no memory (one line).
  static std::expected<std::unique_ptr<GuestVm>, std::string> create(const GuestVmOptions& opts,
                                                                     const hal::Clock& clock,
                                                                     hal::MacAddr partner);
  ~GuestVm();
  GuestVm(const GuestVm&) = delete;
  GuestVm& operator=(const GuestVm&) = delete;

  /// One pass of the guest's data path (nothing while paused): the interface's upkeep, probes
  /// sent as the rate allows, everything received read and tracked.
  void run_datapath();
  /// Stops sending probes (the guest keeps receiving).
  void set_sending(bool on);
  /// A paused guest runs nothing (live migration's stop-and-copy).
  void set_paused(bool on) { paused_ = on; }
  bool paused() const { return paused_; }

  /// The guest's VFs, in the order they were plugged in.
  std::vector<std::unique_ptr<GuestVf>>& vfs() { return vfs_; }
  /// Hands a VF probed on pool() (PortOptions::shared_pool) to the interface.
  void plug_vf(std::unique_ptr<GuestVf> vf);
  /// Takes VF `i` out of the interface and closes its rings, counting what they held
  /// (`device_alive` false: the function was reset under the guest, touch no register), then
  /// destroys it (driver included).
  VfRingCounts unplug_vf(size_t i, bool device_alive);
  /// After a VF driver reset (its counters().resets moved: the device forgot the queues): the
  /// rings are counted and set up again. Returns what they held.
  VfRingCounts rebuild_queues(GuestVf& vf);

  FailoverNic* nic() { return nic_.get(); }
  ActiveBackupTeam* team() { return team_.get(); }
  SyntheticChannel& channel() { return *ch_; }
  rte_mempool* pool() const { return pool_.get(); }
  hal::MacAddr mac() const { return opts_.mac; }
  const GuestVmOptions& options() const { return opts_; }

  /// Probes the interface took (their numbers are 0..sent()-1).
  uint64_t sent() const { return seq_; }
  /// The number of the first probe sent after the interface last changed path (the failover
  /// NIC's path, the team's active member): what "lost after the switch" counts from.
  uint64_t seq_at_last_switch() const { return seq_at_switch_; }
  /// Frames in the VF rings: taken by a TX ring and not yet fetched by the device, or written
  /// by the device into an RX ring and not yet read (counted from the rings and the VF's
  /// RDH/RDT; an RX queue the device no longer runs counts none: its frames are counted when
  /// the ring is closed).
  unsigned in_rings();
  /// What the guest OS could not do (setting a VF's queues up again after its reset); empty
  /// when nothing failed.
  const std::string& problems() const { return problems_; }
  /// Frames read from the interface, of any kind.
  uint64_t received() const { return received_; }
  /// Frames read that were not the partner's probes.
  uint64_t not_probe() const { return not_probe_; }
  /// Probes built and not taken yet by the interface.
  unsigned held() const { return held_n_; }
  ProbeTracker& from_partner() { return from_partner_; }
  /// What the rings of every VF unplugged or rebuilt so far held.
  const VfRingCounts& ring_counts() const { return ring_counts_; }

 private:
  GuestVm(const GuestVmOptions& opts, const hal::Clock& clock);
  void send_probes();
  void receive_all();
  uint16_t nic_tx(rte_mbuf** pkts, uint16_t n);
  uint16_t nic_rx(rte_mbuf** pkts, uint16_t n);
  VfRingCounts close_rings(GuestVf& vf, bool device_alive);

  static constexpr uint16_t kBurst = 32;

  GuestVmOptions opts_;
  const hal::Clock& clock_;
  MempoolPtr pool_;
  std::unique_ptr<SyntheticChannel> ch_;
  std::unique_ptr<FailoverNic> nic_;
  std::unique_ptr<ActiveBackupTeam> team_;
  std::vector<std::unique_ptr<GuestVf>> vfs_;
  apps::ProbeHeader hdr_;
  uint32_t frame_len_ = 60;
  bool paused_ = false;
  bool sending_ = true;
  hal::Nanos last_{};
  uint64_t credit_ = 0;
  uint64_t seq_ = 0;
  uint64_t received_ = 0;
  uint64_t not_probe_ = 0;
  std::array<rte_mbuf*, kBurst> held_{};
  unsigned held_n_ = 0;
  /// The interface's path (failover NIC) or active member (team) as last seen, and the
  /// sequence number when it last changed.
  int last_path_ = -1;
  uint64_t seq_at_switch_ = 0;
  std::string problems_;
  ProbeTracker from_partner_;
  VfRingCounts ring_counts_;
};

}  // namespace harness::failover
