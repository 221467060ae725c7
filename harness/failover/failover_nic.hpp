#pragma once
// The guest's failover NIC: one MAC over two paths, a VF (primary) and the synthetic path
// (standby, harness/failover/synthetic_channel.hpp), as Linux's net_failover over virtio-net
// and Hyper-V's netvsc with its VF. The guest's stack sees one interface:
//   - it sends on the VF while the VF is present, its driver up and its link up, and it is
//     not being released; otherwise on the synthetic path; otherwise nowhere (tx_burst takes
//     nothing: the frames stay the caller's, as a stopped queue leaves them);
//   - it receives on both paths (a frame may come either way while delivery moves);
//   - each time the path changes it tells the host (GuestMsg::kDataPathVf / kDataPathSynthetic),
//     so the host moves the MAC's delivery to match (HostSwitch, PfDriver::add_host_mac);
//   - on the host's eject request (HostMsg::kVfRevoke) it moves to the synthetic path at once,
//     lets the VF's TX ring finish what it took and reads what its RX ring holds, then reports
//     vf_quiesced(): the guest OS then releases the VF (GuestMsg::kVfReleased).
//
// The VF itself (driver, queues, pool) belongs to the guest OS that probed it (the failover
// rig); the NIC borrows its VfPort between attach_vf() and detach_vf().
//
// Not thread-safe: the guest's one thread runs it.

#include <cstdint>

#include "hal/clock.hpp"
#include "hal/types.hpp"
#include "harness/datapath_host.hpp"
#include "harness/failover/synthetic_channel.hpp"

struct rte_mbuf;

namespace harness::failover {

enum class Path : uint8_t { kNone, kVf, kSynthetic };
const char* to_string(Path p);

struct FailoverCounters {
  uint64_t tx_vf = 0;         ///< frames the VF's TX queue took
  uint64_t tx_synthetic = 0;  ///< frames the channel took
  uint64_t tx_held = 0;       ///< frames tx_burst left with the caller (no path, ring full)
  uint64_t rx_vf = 0;
  uint64_t rx_synthetic = 0;
  uint64_t to_vf = 0;         ///< path changes to the VF
  uint64_t to_synthetic = 0;  ///< path changes to the synthetic path
  uint64_t revokes = 0;       ///< eject requests received
  uint64_t time_on_synthetic_ns = 0;  ///< closed intervals with the synthetic path active
};

class FailoverNic {
 public:
  /// A NIC with address `mac`, timed by `clock` (which must outlive it). No path yet.
  FailoverNic(hal::MacAddr mac, const hal::Clock& clock);

  /// The synthetic path (the guest's channel, attached to some host's switch). nullptr: the
  /// guest is between hosts (paused): no synthetic path. The path itself changes at the next
  /// poll() (tx_burst takes nothing on a synthetic path without a channel meanwhile), except
  /// that a new channel set while the synthetic path is active is told so at once
  /// (kDataPathSynthetic): the new host must learn where to deliver the MAC.
  void set_synthetic(SyntheticChannel* ch);
  /// The VF the guest probed (its driver brought up, queue 0 set up; the port's MAC must be
  /// this NIC's). The NIC moves to it once its driver is up with the link up. A VF whose
  /// driver's MAC is not this NIC's is never used, as net_failover enslaves only a VF with
  /// the failover device's MAC (its frames would not come back to this NIC).
  void attach_vf(VfPort& port);
  /// The VF is gone from the guest: released after vf_quiesced(), or surprise-removed (the
  /// caller has closed its queues already or is about to: the NIC touches them no more).
  /// Moves to the synthetic path if the VF was active.
  void detach_vf();

  /// Upkeep, once per guest poll: the host's messages (kVfRevoke starts a release), the VF's
  /// link and driver state (net_failover follows the VF's carrier), path changes and their
  /// messages to the host.
  void poll();

  /// Sends on the active path; returns how many frames it took (the rest stay the caller's).
  uint16_t tx_burst(rte_mbuf** pkts, uint16_t n);
  /// Receives from the VF (when attached) and then the synthetic path, up to `n`.
  uint16_t rx_burst(rte_mbuf** pkts, uint16_t n);

  /// A release is under way (kVfRevoke seen, the VF still attached).
  bool releasing() const { return releasing_; }
  /// The release may complete: the VF's TX ring has no frame the device has not sent and its
  /// RX ring was read empty since the release began. Cleans the TX ring as it checks.
  /// "Sent" is the device's word: with head write-back the written-back head, else the DD of
  /// the RS descriptors and, for the few descriptors after the last RS (which never get a DD),
  /// VFTDH == VFTDT read from the VF's BAR. A queue the device has stopped (a VF reset, a DMA
  /// fault) or a device that is gone sends nothing more: it counts as done, and what it still
  /// holds is what TxQueue::close() reports as not completed.
  bool vf_quiesced();

  Path path() const { return path_; }
  bool has_vf() const { return vf_ != nullptr; }
  VfPort* vf() const { return vf_; }
  hal::MacAddr mac() const { return mac_; }
  /// Counters, time_on_synthetic_ns including the interval still open.
  FailoverCounters counters() const;
  /// When the path last changed (the clock's time).
  hal::Nanos last_switch() const { return last_switch_; }

 private:
  bool vf_usable() const;
  /// The path poll() would choose now: the VF if usable, else the synthetic path if any.
  Path choose_path() const;
  void set_path(Path p);
  /// The VF's TX ring holds nothing the device will still send (see vf_quiesced()).
  bool vf_tx_done();

  hal::MacAddr mac_;
  const hal::Clock& clock_;
  SyntheticChannel* ch_ = nullptr;
  VfPort* vf_ = nullptr;
  Path path_ = Path::kNone;
  bool releasing_ = false;
  bool rx_drained_ = false;
  hal::Nanos last_switch_{};
  hal::Nanos synthetic_since_{};
  FailoverCounters c_;
};

}  // namespace harness::failover
