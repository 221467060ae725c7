#pragma once
// The sriovkit PF driver for the Intel 82599: brings the PF up, enables VFs, applies the
// administrator's per-VF policy and serves the VFs' mailbox requests the way the Linux ixgbe
// PF does. It reaches the device only through hal::PciFunction (BAR0 registers, config space,
// the "other" MSI-X vector), so it drives the simulator and a real 82599 (VFIO) alike.
//
// Thread safety: none. One owner calls everything, or serialises calls with its own lock
// (service_once() from an epoll loop and admin calls from a control thread need that lock).

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hal/clock.hpp"
#include "hal/event_fd.hpp"
#include "hal/pci_function.hpp"
#include "hal/types.hpp"
#include "mailbox/trace.hpp"
#include "pf_driver/errors.hpp"
#include "pf_driver/event_log.hpp"
#include "pf_driver/host_pool.hpp"
#include "pf_driver/options.hpp"
#include "pf_driver/vf_info.hpp"

namespace pf {

struct PfCore;

class PfDriver {
 public:
  /// Binds the driver to `fn` (the PF function). Touches no hardware; call init() next.
  /// `clock` and `waiter` bound and pace the hardware waits of init() and reset(); they must
  /// outlive the driver, as must `fn`.
  PfDriver(hal::PciFunction& fn, hal::Clock& clock, hal::Waiter& waiter, PfOptions opts = {});
  /// Touches no hardware, like a driver process that exits: the device keeps running as it
  /// was (VFs, link, traffic), which hosts that hand a device from one driver object to the
  /// next, and tests that look at the device after the driver, rely on. Call stop() first for
  /// an orderly teardown.
  ~PfDriver();
  PfDriver(const PfDriver&) = delete;
  PfDriver& operator=(const PfDriver&) = delete;

  /// Brings the PF up (pf_driver/hw_init.hpp lists every step): the datasheet's order (4.6.3)
  /// to TX init, then Linux's. Options are checked first (nothing is touched on a refusal);
  /// VFs a failed reset() or an earlier owner left are disabled; interrupts masked, GIO master
  /// disable (a double reset when STATUS stays set with nothing pending in PCIe), CTRL.RST
  /// when the link is up or CTRL.LRST when down, EEPROM auto-read and DMA init done, flow
  /// control off, link setup (SFP+ laser on unless manageability firmware owns it, AUTOC 10G
  /// serial through the pipeline reset only when it differs, a bounded wait for link up: a
  /// link that stays down is recorded in the kPfInit event and link_up(), not an error),
  /// statistics cleared, filter tables cleared and the PF MAC in RAR 0, RSS, receive and
  /// transmit globals, VT off, TX on, RX on (the 82599's SECRXCTRL sequence), interrupts on
  /// (the "other" MSI-X vector), the link read again, then CTRL_EXT.PFRSTD. Calling it again
  /// when already up is reset(); after stop() it brings the PF up again.
  /// Errors: kInvalidArgument (MTU out of 68..9710, a PfOptions::mac that is not unicast, no
  /// valid PF MAC, a mailbox flood policy MailboxFloodPolicy::validate() refuses: the reason is
  /// its text, PfOptions::host_mac_entries above 64), kBusy (VFs left enabled that cannot be disabled), kNotSupported (not an SFP+
  /// SFI port, LESM firmware), kTimeout (a hardware wait ran out, or PCIe transactions stayed
  /// pending; the reason names the step), kNoDevice (the device reads all-ones).
  std::expected<void, Refusal> init();

  /// sysfs sriov_numvfs: 0 disables the VFs; n > 0 enables n VFs (VT mode, per-VF defaults,
  /// then the SR-IOV capability). Setting the current count again succeeds and does nothing.
  /// Host MACs stay, moved to the new default pool (their spare entries move below the new
  /// VFs' primary entries).
  /// Errors: kNotInitialized; kInvalidArgument (n > 63 or n > TotalVFs); kBusy (changing a
  /// non-zero count to another non-zero count: go through 0; or a HostPoolLease is alive:
  /// close the host queues first, since the change moves the default pool); kNoSpace (more
  /// host MACs than the 127 - n spare RAR entries n VFs leave); kNoDevice (no SR-IOV cap).
  std::expected<void, Refusal> set_num_vfs(unsigned n);
  unsigned num_vfs() const;
  /// Queues each pool owns (4 with <= 31 VFs, 2 above); 0 while SR-IOV is off.
  unsigned queues_per_pool() const;
  /// Pools of the current VT mode (32 or 64); 0 while SR-IOV is off.
  unsigned num_pools() const;

  // ---- The PF's default pool: the host's own traffic (docs/datapath.md "PF default pool").

  /// The pool VT_CTL.DEF_PL names: num_vfs() while SR-IOV is on (the pool after the VFs',
  /// spec 6); 0 while it is off (VT_CTL is 0 and every frame from the wire goes to pool 0).
  unsigned default_pool() const;
  /// The absolute queues of the default pool the host may drive: its queues_per_pool() queues
  /// from default_pool() * queues_per_pool() in VT mode; queue 0 alone without VT (MRQC is 0:
  /// no RSS, so every received frame lands on queue 0). Empty before init().
  QueueRange host_queues() const;
  /// A lease on the default pool for the host's queues (see HostPoolLease): while one lives,
  /// set_num_vfs() refuses to move the pool. pf::HostQueues takes one.
  /// Errors: kNotInitialized.
  std::expected<HostPoolLease, Refusal> lease_host_pool();

  /// One pass over all VFs, as Linux's mailbox task: for each VF with a pending event, its FLR
  /// first, then its message, then its ack. Also handles link changes (every VF is owed a
  /// ping). A ping goes out after the VF's message, only while the VF's mailbox holds neither
  /// a request the PF has not read nor a PF message the VF has not read; an owed ping is
  /// retried every pass.
  /// Returns how many events it handled. 0 does not mean nothing is left: a request the flood
  /// guard holds (MailboxFloodPolicy) stays pending and raises no new interrupt; see
  /// next_service_due(). Never blocks or allocates (a policy hook or event listener may).
  /// No-op before init().
  size_t service_once();

  /// When service_once() next has work that no interrupt will announce, on the driver's
  /// clock: the earliest time a request the flood guard holds gets its token(s) (it is served
  /// then), or a flood report or a report of events left out is due. nullopt: none (only an
  /// interrupt brings work). May be at or before now: call service_once() at once. A caller
  /// that sleeps must wake at the earlier of the interrupt and this time, and call
  /// service_once() then; after each service_once() (and each admin call) ask again. Not
  /// covered: the SSVPC spoof counter, read at most once per kSpoofCheckInterval by whichever
  /// pass comes. Reads driver state only.
  std::optional<hal::Nanos> next_service_due() const;

  /// The eventfd of the PF's "other" MSI-X vector (mailbox, link), for epoll. service_once()
  /// drains it; after a wake-up, or once next_service_due() is reached, call service_once().
  const hal::EventFd& interrupt() const;

  // ---- The host's software switch (docs/switch.md "Host MACs"): which pool receives a MAC.

  /// The host's software switch takes delivery of unicast `mac` on the default pool, as
  /// `bridge fdb add MAC dev PF self` does on Linux ixgbe: the failover pairing of a guest's
  /// synthetic NIC (standby) with its VF (primary), sharing one MAC. Only the administrator
  /// pairs: a VF whose RAR entry holds `mac` must have it as its admin MAC (set_vf_mac), else
  /// kBusy (a MAC a VF chose itself may be another guest's, copied off the wire). The paired
  /// VF's entries holding `mac` have their pool map (MPSAR) moved to the default pool: the VF
  /// keeps its MAC (vf_info() shows it, with rx_to_host) but receives nothing for it until
  /// remove_host_mac(). It can still send from it: MAC anti-spoof reads the pool maps (the
  /// source MAC must be in an entry naming the VF's pool), so the VF's MAC check (PFVFSPOOF
  /// MAC bit) is lifted while its entry delivers to the host, and put back after; meanwhile
  /// the VF may send from any source MAC. Each lift and each end of one is recorded
  /// (kMacAntispoofLifted, kMacAntispoofRestored) and shown (VfInfo::mac_antispoof_lifted);
  /// VLAN anti-spoof and the spoofchk setting are unchanged. With no VF entry holding `mac`,
  /// a spare RAR entry maps it to the default pool. A spare entry is reserved for each host
  /// MAC either way, so the delivery survives the VF's FLR or MAC change without a free entry
  /// being needed then: while a VF entry holds the MAC the spare is invalid, when the entry
  /// goes the spare goes valid first. Spares come from the PfOptions::host_mac_entries block
  /// first (never given to macvlans), then from those shared with macvlans. A VF entry that
  /// comes to hold it (VF_RESET with it as admin MAC, set_vf_mac, SET_MAC_ADDR of the admin
  /// MAC) maps it to the default pool too. A VF's own SET_MAC_ADDR for a host MAC that is not
  /// its admin MAC is NACKed, SET_MACVLAN for any host MAC too; a VF-chosen MAC that became a
  /// host MAC while the VF's filter was down is not programmed back at its VF_RESET
  /// (kMacInUse). Host MACs survive reset() and set_num_vfs() (the default pool moves with
  /// the VF count: 0 with SR-IOV off). stop() keeps them in software (RX is off, so nothing is
  /// delivered) and init() after it programs them again, as Linux keeps a netdev's unicast
  /// list across down/up. Adding a MAC that is already a host MAC succeeds and changes
  /// nothing (no event). Records kHostMacAdd (naming the VF whose check it lifted), or
  /// kAdminRefused on a refusal.
  /// Errors: kNotInitialized; kInvalidArgument (not unicast, or the PF's own MAC); kBusy (a
  /// VF's entry holds `mac` and it is not that VF's admin MAC: set_vf_mac first); kNoSpace
  /// (no spare RAR entry left of the 127 - num_vfs(): the host_mac_entries block is full and
  /// the VFs' macvlans took the rest).
  std::expected<void, Refusal> add_host_mac(hal::MacAddr mac);
  /// Gives `mac`'s delivery back: to the VF whose RAR entry holds it (its MPSAR back to the
  /// VF's pool, then its MAC anti-spoof back to the spoofchk setting: kMacAntispoofRestored),
  /// or to nobody (the spare entry is freed). Records kHostMacDel, or kAdminRefused on a
  /// refusal.
  /// Errors: kNotInitialized; kInvalidArgument (not a host MAC).
  std::expected<void, Refusal> remove_host_mac(hal::MacAddr mac);
  /// The host MACs, in the order they were added.
  std::vector<hal::MacAddr> host_macs() const;

  // ---- Administrator (ip link set <pf> vf N ...). Each refuses kNotInitialized before
  // init() and kNoSuchVf for vf >= num_vfs(), and records an event either way.

  /// Sets the VF's MAC (valid unicast) or clears the admin MAC (zero). Takes effect at the
  /// VF's next reset, as in Linux. An admin MAC stays reserved for its VF, also while an FLR
  /// has its filter down. A host MAC is allowed (no other function uses it: the host's spare
  /// entry is nobody's): that is how the host pairs a VF with a guest's synthetic port; the
  /// VF's entry then delivers to the default pool until remove_host_mac(), and only an
  /// admin MAC is ever paired (add_host_mac refuses a VF-chosen one).
  /// Errors: kInvalidArgument (multicast), kBusy (another function uses
  /// that MAC, or it is another VF's admin MAC).
  std::expected<void, Refusal> set_vf_mac(hal::VfId vf, hal::MacAddr mac);
  /// Port VLAN: vid 1..4095 and/or qos 0..7; vid 0 and qos 0 clears it. The PF then tags the
  /// VF's traffic (VMVIR), removes its untagged access, and refuses its own VLAN requests.
  /// Errors: kInvalidArgument (vid > 4095, qos > 7), kNoSpace (VLVF table full).
  std::expected<void, Refusal> set_vf_vlan(hal::VfId vf, uint16_t vid, uint8_t qos);
  /// MAC and VLAN anti-spoof together (PFVFSPOOF).
  std::expected<void, Refusal> set_vf_spoofchk(hal::VfId vf, bool on);
  /// Trust (MAC override, macvlans, multicast promisc). A change forces the VF to reset.
  std::expected<void, Refusal> set_vf_trust(hal::VfId vf, bool on);
  /// auto/enable/disable; disable stops the VF's RX and TX (VFRE/VFTE). A change forces the
  /// VF to reset.
  std::expected<void, Refusal> set_vf_link_state(hal::VfId vf, LinkState state);
  /// TX rate limit in Mb/s over all the VF's queues; 0 removes it. Errors: kLinkDown (link
  /// not up at 10 Gb/s), kInvalidArgument (rate <= 10 or above the link speed).
  std::expected<void, Refusal> set_vf_rate(hal::VfId vf, uint32_t max_tx_mbps);
  /// Lets the VF read the shared RETA and RSS key (GET_RETA, GET_RSS_KEY). Off by default.
  std::expected<void, Refusal> set_vf_rss_query(hal::VfId vf, bool on);

  /// PF reset with VFs up (Linux ixgbe_down + ixgbe_up): every VF is marked not clear to send
  /// and pinged, VF RX/TX stop, the init() hardware sequence runs (CTRL.RST wipes the chip;
  /// SR-IOV config space survives), VT mode and every VF's admin configuration are
  /// programmed again from software (host MACs too), then PFRSTD raises RSTD to every VF. The VFs reset
  /// themselves and send their requests again. The host's queues on the default pool are
  /// wiped too (their leases turn stale()): destroy and create them again. Errors: those of
  /// init().
  std::expected<void, Refusal> reset();

  /// Orderly teardown, as Linux's ixgbe_down() and remove (pf_driver/hw_stop.hpp lists the
  /// steps): the switch's loopback then receive off, RX queues off, interrupts masked,
  /// every VF pinged without CTS, its pool stopped and the VFs disabled (sriov_numvfs 0),
  /// TX queues and DMATXCTL.TE off, CTRL_EXT.PFRSTD and DRV_LOAD cleared, the SFP+ laser off
  /// so the link partner sees the link go down (left on with manageability firmware). Host queue
  /// leases turn stale; host MACs are kept for the next init(). Afterwards the
  /// driver is not initialized: admin calls refuse, init() brings the PF up again. Idempotent:
  /// a second call, or one before init(), touches nothing. Best effort: a device that reads
  /// all-ones still gets every write.
  void stop();

  /// Admin settings, negotiated state and counters of `vf`; exists == false if vf >= num_vfs().
  VfInfo vf_info(hal::VfId vf) const;
  /// The bounded event log (see EventCode).
  const EventLog& events() const;
  /// Called with every new event, on the thread that caused it. Must not call the driver.
  void set_event_listener(std::function<void(const Event&)> fn);
  /// See PolicyHook. Replaces any earlier hook; an empty function removes it.
  void set_policy_hook(PolicyHook hook);
  /// Sees every mailbox message the PF reads or writes (--trace-mailbox).
  void set_mailbox_trace(mbx::TraceFn fn);

  // ---- Read-only detail for a control daemon (sriov-sim --name; pf_driver/vf_details.cpp).
  // Each reads driver state only; none touches the hardware or records an event.

  /// The PF's link as the driver last read it (at init(), then on every link change
  /// service_once() handled). False before init().
  bool link_up() const;
  /// The link speed in Mb/s as last read: 10000 at 10 Gb/s, 0 when down (or at a speed the
  /// rate limiter ignores).
  uint32_t link_mbps() const;
  /// The PF's own MAC (RAR 0) and MTU.
  hal::MacAddr mac() const;
  uint32_t mtu() const;
  /// The VLAN ids whose VLVF entry includes `vf`'s pool (its port VLAN, the VLANs it asked for,
  /// VLAN 0 for untagged access), ascending. Empty for a VF that does not exist.
  std::vector<uint16_t> vf_vlans(hal::VfId vf) const;
  /// True when a function other than `vf` uses `mac` (a live filter, or another VF's
  /// administrator-set MAC): what set_vf_mac() refuses with kBusy. A host MAC's own spare
  /// entry does not count (the host is not a function that excludes pairing).
  bool mac_in_use_by_other(hal::MacAddr mac, hal::VfId vf) const;

 private:
  /// init()'s and reset()'s argument checks, before any register access (Principle 4).
  std::expected<void, Refusal> validate_options() const;
  /// Before init()'s bring-up: the VFs a failed reset() left (disable_vfs()), or VFs an
  /// earlier owner left enabled (SR-IOV off). Errors: kBusy when they cannot be disabled.
  std::expected<void, Refusal> release_stale_vfs();
  /// Bring-up steps 1-7 (hw_init.hpp): reset to the transmit globals, RX and TX still off.
  /// The caller does VT (step 8), then finish_bring_up().
  std::expected<void, Refusal> bring_up();
  /// Steps 9-12: TX on, RX on, interrupts on, the link read again, then PFRSTD; the driver is
  /// initialized. Errors: kNoDevice.
  std::expected<void, Refusal> finish_bring_up();
  /// "up"/"down", with setup_link()'s note when it left one, for the init and reset events.
  std::string link_summary() const;
  std::expected<void, Refusal> check_vf(hal::VfId vf, std::string_view what);
  std::expected<void, Refusal> admin_refusal(hal::VfId vf, ErrorCode code, std::string reason);
  std::expected<void, Refusal> enable_vfs(unsigned n);
  void disable_vfs();
  /// VT mode, the PF pool and every VF's admin configuration from software, after a device
  /// reset or when VFs are enabled. `had_filter[v]`: VF v's MAC filter was live before the
  /// reset (its MAC is restored before the others'); empty when there was none.
  void program_vfs_after_reset(std::span<const bool> had_filter = {});

  std::unique_ptr<PfCore> c_;
  HostPoolState host_;  // leases point here: PfDriver is neither copied nor moved
  bool hw_live_ = false;  // bring_up() touched the device and stop() has not undone it
  std::string link_note_;  // setup_link()'s note from the last bring_up()
};

}  // namespace pf
