#pragma once
// A host's software switch (the vswitch): how the host reaches its guests' synthetic NICs.
// It runs on the PF's default pool (pf::HostQueues, one queue pair): frames the 82599 delivers
// to the default pool are handed to the guest port whose MAC they are addressed to (broadcast
// and multicast to every port), and frames the guests send are transmitted on the PF's queue,
// to the wire or, through the 82599's VEB, to a VF on the same host.
//
// Which frames reach the default pool is the PF driver's business, set through registers:
// pf::PfDriver::add_host_mac() maps a guest's MAC to the default pool (its VF's RAR entry
// moved, or a spare entry), remove_host_mac() gives it back to the VF. The switch calls them
// when a guest's NIC asks (GuestMsg::kDataPathVf / kDataPathSynthetic) and when a port is
// attached or detached.
//
// Every frame ends in exactly one counter (check()). Not thread-safe: one thread polls the
// switch and calls the PF driver (the failover rig's thread).

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "hal/pci_function.hpp"
#include "hal/types.hpp"
#include "harness/datapath_host.hpp"
#include "harness/failover/synthetic_channel.hpp"
#include "pf_driver/host_queues.hpp"
#include "pf_driver/pf_driver.hpp"

namespace harness::failover {

struct HostSwitchOptions {
  /// Descriptors of each PF queue, each way (a power of two, 8..32768).
  uint16_t ring_size = 1024;
  /// Queue pairs opened on the default pool; 0 opens all of them (PfDriver::host_queues()).
  /// Every RX queue opened is polled; only the first TX queue sends. In VT mode the 82599's RSS
  /// spreads hashed (IP) flows over all of the pool's queues, and the device drops what lands
  /// on a queue that is not enabled (rx_queue_disabled): open fewer only for non-IP traffic.
  unsigned queue_pairs = 0;
  /// Mbufs of the switch's pool (mapped into the PF's DMA domain); 0 picks enough for every RX
  /// ring, the TX ring, a backlog of ring_size and two bursts.
  unsigned pool_size = 0;
  /// Data room of the switch's mbufs after the headroom (RX buffers are this rounded down to
  /// KiB). A longer frame is received and sent as a chain.
  uint16_t data_room = 2048;
};

/// Counters. From the PF queue: every frame read ends in to_guest, no_port, guest_ring_full or
/// guest_no_mbuf (per copy for broadcast: extra_copies counts copies beyond the first). From
/// the guests: every frame dequeued from a channel ends in tx_taken (the PF's TX ring took it)
/// or no_mbuf_tx, or is in the backlog (backlog()) waiting for room in the TX ring (or
/// backlog_freed at destruction).
struct HostSwitchCounters {
  uint64_t rx = 0;               ///< frames read from the PF's RX queue
  uint64_t extra_copies = 0;     ///< copies beyond the first (broadcast/multicast to n ports)
  uint64_t to_guest = 0;         ///< copies a guest's channel took
  uint64_t no_port = 0;          ///< frames for a MAC no attached port has (a guest gone away)
  uint64_t guest_ring_full = 0;  ///< copies a channel refused: its receive ring was full
  uint64_t guest_no_mbuf = 0;    ///< copies not made: the guest's receive pool was empty
  uint64_t from_guests = 0;      ///< frames dequeued from the channels
  uint64_t tx_taken = 0;         ///< frames the PF's TX queue took
  uint64_t no_mbuf_tx = 0;       ///< guest frames not copied: the switch's pool was empty
  uint64_t backlog_freed = 0;    ///< backlog frames freed when the switch was destroyed
  uint64_t pf_calls_failed = 0;  ///< add_host_mac/remove_host_mac refusals (each logged)
};

/// One attached guest port.
struct HostPortInfo {
  unsigned id = 0;
  hal::MacAddr mac;
  /// The switch asked the PF for the MAC's delivery (add_host_mac) and has not given it back.
  bool host_mac = false;
};

class HostSwitch {
 public:
  /// Opens one queue pair on `pf`'s default pool, with a pool of its own mapped into `pf_fn`'s
  /// DMA domain. `pf`, `pf_fn` and the EAL must outlive the switch.
  /// Errors: no EAL, the PF not initialized, the queues or the mapping failed (one line).
  static std::expected<std::unique_ptr<HostSwitch>, std::string> open(pf::PfDriver& pf,
                                                                      hal::PciFunction& pf_fn,
                                                                      const HostSwitchOptions& opts = {});
  /// Detaches the ports still attached, frees the backlog's frames (counted in
  /// backlog_freed), then closes the queues (frames still in the rings are freed with them).
  ~HostSwitch();
  HostSwitch(const HostSwitch&) = delete;
  HostSwitch& operator=(const HostSwitch&) = delete;

  /// A guest's synthetic NIC plugs in: frames to `mac` go to `ch`, frames from `ch` go out of
  /// the PF. With `deliver_to_host`, the MAC's delivery moves to the default pool now
  /// (add_host_mac): a guest that arrives without a VF (a migrated guest) needs it; a guest
  /// whose VF carries its traffic asks later (GuestMsg::kDataPathSynthetic).
  /// Errors: not a unicast MAC; the MAC or the channel is attached already; the PF refused
  /// (its reason; counted in pf_calls_failed). Nothing changes on an error.
  std::expected<unsigned, std::string> attach(hal::MacAddr mac, SyntheticChannel& ch,
                                              bool deliver_to_host);
  /// Unplugs port `id` (the guest is paused or gone): the host MAC is removed if the switch
  /// holds it, and the port forgets the channel. Frames the guest queued stay in the channel
  /// (they leave from wherever it is attached next); frames for the MAC that arrive later
  /// count as no_port. A PF refusal to remove the MAC is counted and logged, and the port
  /// goes anyway. Errors: no such port.
  std::expected<void, std::string> detach(unsigned id);

  /// Moves port `id`'s MAC to the default pool now (add_host_mac), as a host does before it
  /// takes a guest's VF away, then asks the guest to let go of the VF (HostMsg::kVfRevoke).
  /// Errors: no such port; the PF refused (counted; nothing is posted then).
  std::expected<void, std::string> revoke_vf(unsigned id);

  /// One pass: a burst from each PF RX queue to the ports, each port's control messages
  /// (datapath switches; kVfReleased is kept for the rig: take_vf_released()), then the
  /// guests' frames to the PF's TX queue: the backlog first; a channel is read (up to a burst
  /// per port, ports in rotating order) only while the backlog is empty and no further than
  /// the ring's free descriptors. A refused datapath switch is counted and logged (the guest
  /// is not told). Never blocks. Returns frames moved: read from RX, read from the channels,
  /// and backlog frames the TX ring took.
  unsigned poll();

  /// Whether port `id`'s guest said it released its VF since the last revoke_vf(), and clears
  /// the flag.
  bool take_vf_released(unsigned id);

  std::vector<HostPortInfo> ports() const;
  const HostSwitchCounters& counters() const { return c_; }
  /// Guest frames copied into the switch's mbufs and not yet taken by the TX ring. At most
  /// ring_size: one backlog shared by every port (frames in it stay on this host when the
  /// guest moves; what the guest queued in its channel moves with it).
  unsigned backlog() const;
  /// Frames handed to the PF's TX ring that the device has not taken yet plus frames the
  /// device delivered to the RX rings that poll() has not read: what a drain waits for.
  /// TX is exact: the queue runs with head write-back, and this first reaps the completions
  /// (TxQueue::cleanup(), no register access), then counts the packets between the written-back
  /// head and the tail. RX reads each RX queue's RDH and RDT (registers) and counts the
  /// descriptors the device filled that rx_burst has not consumed: exact for frames of one
  /// buffer (data_room rounded down to KiB), a chained frame counts once per buffer. Cold.
  unsigned in_rings() const;
  /// The PF was reset after open(): the device forgot the queues and nothing moves any more
  /// (destroy the switch and open a new one). Cold.
  bool stale() const;
  /// Empty when the counters add up (see HostSwitchCounters), else the numbers.
  std::string check() const;

 private:
  HostSwitch() = default;
  struct Port;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  HostSwitchCounters c_;
};

}  // namespace harness::failover
