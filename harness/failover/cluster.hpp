#pragma once
// The failover scenarios' world: simulated hosts, each with one or more simulated 82599s (a PF
// driver each) and a software switch on its first NIC's default pool (host_switch.hpp); a ToR
// switch (harness/fabric/tor_switch.hpp) that every NIC's wire plugs into; a traffic partner on
// the ToR (partner.hpp); and one guest (guest_vm.hpp) that lives on one host at a time.
//
// One thread steps it all on one ManualClock (deterministic): each tick moves time, runs every
// PF's service, every host switch, the guest's data path, the partner, and every device's
// engine until the frames settle; then the guest's VF drivers' upkeep. A guest's VF driver that
// waits for its PF (probe) runs ticks meanwhile (the rest of the guest, the hosts and the
// partner keep moving), as TrafficRig's guests do.
//
// The host's side of the guest's VFs (docs/guest-failover.md):
//   - hotplug_vf(): picks a free VF, sets its admin MAC to the guest's MAC (the failover
//     pairing, PfDriver::set_vf_mac) and plugs it into the guest, whose OS probes it;
//   - revoke_vf(): the graceful removal's first half (HostSwitch::revoke_vf: the MAC moves to
//     the host, the guest is asked to let go); finish_vf_removal() after the guest's
//     kVfReleased, or at once for a surprise removal: the function is reset (FLR, as vfio-pci
//     does when a VM lets go of a device), its admin MAC cleared, the slot free again.
//
// Every frame is accounted for (ledger()): what the guest and the partner sent, plus the
// copies switches made, equals what they received plus every drop counter plus what is in
// flight; after drain() nothing is in flight.
//
// Requires a running EAL.

#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hal/clock.hpp"
#include "hal/sim/device.hpp"
#include "harness/fabric/tor_switch.hpp"
#include "harness/failover/guest_vm.hpp"
#include "harness/failover/host_switch.hpp"
#include "harness/failover/partner.hpp"
#include "pf_driver/pf_driver.hpp"

namespace harness::failover {

using namespace std::chrono_literals;

struct ClusterOptions {
  unsigned hosts = 2;          ///< 1..4
  unsigned nics_per_host = 1;  ///< 1..2
  unsigned vfs_per_nic = 4;    ///< 1..31
  /// Simulated time per tick: the resolution of every time the scenarios report.
  hal::Nanos tick = 10us;
  /// Real time instead of the stepped clock: the one thread polls everything as fast as it
  /// can, the devices, drivers and senders run on the machine's steady clock, and every time
  /// reported is wall-clock time on this machine (the benchmark's mode). `tick` is then
  /// unused. Not deterministic: tests step.
  bool realtime = false;
  /// Probes per second each way (guest -> partner, partner -> guest).
  uint64_t rate_pps = 100000;
  /// Descriptors of each VF queue.
  uint16_t vf_ring = 512;
  /// The guest.
  GuestVmOptions guest;
  uint64_t seed = 1;
};

/// One VF slot of one NIC.
struct VfLocation {
  unsigned host = 0, nic = 0;
  hal::VfId vf{0};
  bool operator==(const VfLocation& o) const { return host == o.host && nic == o.nic && vf.value() == o.vf.value(); }
};

/// What the whole cluster counted (see the header comment).
struct ClusterLedger {
  uint64_t sent = 0;          ///< guest probes taken by its interface + partner frames
  uint64_t extra_copies = 0;  ///< copies beyond the first (device replication, ToR floods, host switches)
  uint64_t received = 0;      ///< frames the guest and the partner read
  uint64_t in_flight = 0;     ///< in the channel, the host switches' backlogs and rings, the ToR
  /// Every drop counter, "where/what" (device drops by their accounting names).
  std::map<std::string, uint64_t> drops;
  uint64_t dropped() const;
  /// sent + extra_copies - received - dropped - in_flight: 0 when nothing is lost silently.
  int64_t unaccounted() const;
};

class Cluster {
 public:
  /// Builds every host (PF up, VFs enabled, the host switch open), the ToR, the partner and
  /// the guest (placed nowhere yet). Errors: no EAL, a PF or a switch refused (one line).
  static std::expected<std::unique_ptr<Cluster>, std::string> create(const ClusterOptions& opts);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  // ---- Time.
  /// Time since the cluster was built (on its clock).
  hal::Nanos elapsed() const { return clock_->now() - start_; }
  /// The longest time between two ticks since the cluster was built: with `realtime`, how
  /// long the polling thread was away (a control step, or the OS taking the CPU); stepped, the
  /// tick.
  hal::Nanos longest_stall() const { return longest_stall_; }
  /// One tick (see the header comment), then the guest's VF drivers' upkeep.
  void step();
  void run_for(hal::Nanos d);
  /// Steps until `done` or `limit` passes; whether `done` held.
  bool run_until(const std::function<bool()>& done, hal::Nanos limit);

  // ---- The guest's placement.
  /// Attaches the guest's synthetic NIC to `host`'s switch (its MAC delivered to the host).
  std::expected<void, std::string> attach_guest(unsigned host);
  /// Detaches it from its host's switch (the host MAC removed). The guest is on no host then.
  std::expected<void, std::string> detach_guest();
  /// The host the guest is attached to, if any.
  std::optional<unsigned> guest_host() const { return guest_host_; }

  // ---- The guest's VFs.
  /// A free VF of (host, nic), or nullopt.
  std::optional<hal::VfId> free_vf(unsigned host, unsigned nic) const;
  /// Marks a VF as another tenant's (true) or free (false).
  void set_vf_busy(VfLocation where, bool busy);
  /// Assigns a free VF of (host, nic) to the guest: admin MAC = the guest's, spoof check on;
  /// the guest's OS probes it (the world keeps running meanwhile) and plugs it in.
  /// Errors: no free VF (nothing changed), the PF refused, the probe failed (the VF is freed).
  std::expected<VfLocation, std::string> hotplug_vf(unsigned host, unsigned nic);
  /// The first half of a graceful removal of the guest's VF at `where`'s host (its switch moves
  /// the MAC to the host and asks the guest to let go). Errors: the guest has no VF there, or
  /// is not on that host's switch.
  std::expected<void, std::string> revoke_vf(VfLocation where);
  /// Whether the guest answered the revoke (kVfReleased reached the host's switch). Clears it.
  bool vf_released(unsigned host);
  /// The graceful removal's second half, once the guest released the VF: the host resets the
  /// function (FLR through config space, as vfio-pci does when a VM lets go of a device), the
  /// PF reclaims it, its admin MAC is cleared and the slot is free.
  /// Errors (nothing changed): no such VF; a VF that was not given to the guest; one the guest
  /// still holds (that is a surprise removal).
  std::expected<void, std::string> remove_released_vf(VfLocation where);
  /// A surprise removal of the guest's VF: the function is reset under the guest in the
  /// middle of the next step, after the guest handed its frames to the VF and before the
  /// device fetches them, and the guest's OS hears of it `notice` later (the hot-plug
  /// controller's report): until then it keeps using the dead function, whose rings send
  /// and receive nothing. Then the guest's OS closes the rings without touching registers,
  /// counting what they held (lost, in guest/vf_tx_unsent and guest/vf_rx_unread), and the
  /// slot is freed as remove_released_vf() does. Step until surprise_pending() is false.
  /// Errors (nothing changed): no such VF, one the guest does not hold, a surprise removal
  /// already pending.
  std::expected<void, std::string> surprise_remove(VfLocation where, hal::Nanos notice);
  bool surprise_pending() const { return surprise_.has_value(); }
  /// Where the guest's VFs are, in plug order.
  std::vector<VfLocation> guest_vfs() const;

  // ---- Accounting and teardown.
  /// Starts or stops both senders (the guest's probes and the partner's). Both start stopped:
  /// a scenario turns them on once the guest's interface is up, so no frame goes to a MAC
  /// nobody has yet.
  void set_traffic(bool on);
  /// Stops both senders and steps until nothing is in flight (or `limit` passes).
  bool drain(hal::Nanos limit = 50ms);
  ClusterLedger ledger() const;
  /// Component checks (device accounting, ToR, host switches): empty when all hold.
  std::string check() const;

  // ---- Parts.
  /// The cluster's clock: stepped, or the steady clock with `realtime`.
  hal::Clock& clock() { return *clock_; }
  GuestVm& guest() { return *vm_; }
  Partner& partner() { return *partner_; }
  fabric::TorSwitch& tor() { return tor_; }
  pf::PfDriver& pf(unsigned host, unsigned nic);
  sim::Device82599& device(unsigned host, unsigned nic);
  HostSwitch& host_switch(unsigned host);
  unsigned tor_port(unsigned host, unsigned nic) const;
  unsigned num_hosts() const { return static_cast<unsigned>(hosts_.size()); }
  const ClusterOptions& options() const { return opts_; }
  /// Host names: "A", "B", ...
  static std::string host_name(unsigned host);

  /// Timestamped notes of what the rig did and saw (the scenarios' event list).
  struct Note {
    hal::Nanos at;  ///< elapsed() when noted
    std::string text;
  };
  void note(std::string text);
  const std::vector<Note>& notes() const { return notes_; }

 private:
  struct Nic;
  struct Host;
  class GuestWaiter;
  explicit Cluster(const ClusterOptions& opts);
  std::expected<void, std::string> build();
  /// One tick of `dt` (no driver upkeep).
  void tick(hal::Nanos dt);
  void drivers_upkeep();
  /// The surprise removal's steps: the reset (mid-tick), then the guest's notice.
  void surprise_reset();
  void surprise_notice();
  /// Errors when `where` is no VF of the cluster or was not given to the guest.
  std::expected<void, std::string> check_assigned(VfLocation where) const;
  /// FLR of `where` through config space, then the PF's service (it reclaims the function).
  void reset_function(VfLocation where);
  /// Admin MAC cleared, slot free, no longer the guest's.
  void release_slot(VfLocation where, const char* how);
  GuestVf* guest_vf_at(VfLocation where);
  Nic& nic(unsigned host, unsigned n);
  const Nic& nic(unsigned host, unsigned n) const;

  ClusterOptions opts_;
  hal::ManualClock manual_;
  hal::RealClock real_;
  hal::Clock* clock_ = &manual_;
  hal::Nanos start_{};
  hal::Nanos last_tick_{};
  hal::Nanos longest_stall_{};
  fabric::TorSwitch tor_;
  std::vector<std::unique_ptr<Host>> hosts_;
  std::unique_ptr<Partner> partner_;
  unsigned partner_port_ = 0;
  std::unique_ptr<GuestWaiter> waiter_;
  std::unique_ptr<GuestVm> vm_;
  std::optional<unsigned> guest_host_;
  std::optional<unsigned> guest_port_;  ///< the guest's port on its host's switch
  bool in_wait_ = false;                ///< the guest's OS is inside a VF driver call
  std::vector<VfLocation> assigned_;    ///< VFs given to the guest and not yet freed
  struct Surprise {
    VfLocation where;
    hal::Nanos notice{};
    bool reset = false;    ///< the function was reset
    hal::Nanos notice_at{};
  };
  std::optional<Surprise> surprise_;
  std::vector<Note> notes_;
};

}  // namespace harness::failover
