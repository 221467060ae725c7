#pragma once
// The 82599 VF driver's control plane: bring-up (reset, VF_RESET, API negotiation, queues),
// configuration requests to the PF over the mailbox, and recovery when the PF resets or forgets
// this VF. It reaches the device only through hal::PciFunction (registers and config space), so
// the same code drives the simulated 82599 and a real one through VFIO.
//
// The data path (queues, descriptors) is not here; it builds on tx_queues()/rx_queues() and
// must set its queues up again whenever counters().resets changes (a VF reset stops them).

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>

#include "hal/clock.hpp"
#include "hal/pci_function.hpp"
#include "hal/types.hpp"
#include "mailbox/message.hpp"
#include "mailbox/vf_mailbox.hpp"
#include "vf_driver/error.hpp"
#include "vf_driver/options.hpp"
#include "vf_driver/user_config.hpp"

namespace vf {

/// Largest MTU a VF may ask for: the 82599's 9728-byte jumbo frame minus header and FCS.
inline constexpr uint32_t kMaxMtu = 9728 - 18;
/// Smallest MTU (Linux ETH_MIN_MTU).
inline constexpr uint32_t kMinMtu = 68;
/// Largest MTU without jumbo frames; all an API 1.0 VF may use on an 82599 (spec 7, SET_LPE).
inline constexpr uint32_t kStdMtu = 1500;
/// SET_LPE carries the frame size: MTU + Ethernet header (14) + FCS (4).
inline constexpr uint32_t kFrameOverhead = 18;
/// The MSI-X vector that carries the "other" cause (mailbox, link) when use_interrupts is on.
inline constexpr unsigned kMiscVector = 2;

/// One VF's control plane.
///
/// Configuration calls (set_mac, set_multicast, add_vlan, ...) are remembered unless the PF
/// refuses them, and replayed on every bring-up. A call that cannot reach the PF (driver not up,
/// timeout, PF reset) returns an error, and the setting is still applied by the next successful
/// bring-up. A NACK (kRefused) leaves the remembered configuration as it was.
///
/// Thread safety: none. One thread owns the driver and calls everything, service() included.
/// Waits go through the Waiter given at construction, bounded by the Clock.
class VfDriver {
 public:
  /// `fn`, `clock` and `waiter` must outlive the driver. Touches no register until probe().
  /// An opts.max_api newer than kMaxApi (or unknown) is clamped to kMaxApi (see options()).
  VfDriver(hal::PciFunction& fn, hal::Clock& clock, hal::Waiter& waiter, VfOptions opts = {});
  VfDriver(const VfDriver&) = delete;
  VfDriver& operator=(const VfDriver&) = delete;

  /// Full bring-up (spec 3e, 4): enable bus mastering, stop and mask, VFCTRL.RST, wait for the
  /// reset (and up to pf_ready_timeout while the PF is not ready), VF_RESET (PF's MAC, or a random
  /// locally administered one then SET_MAC_ADDR), API negotiation (max_api down to 1.0),
  /// GET_QUEUES, replay of the user configuration (SET_LPE every time, with the user's MTU or
  /// kStdMtu: a jumbo 82599 PF keeps the VF's receive off until it), the first link-settle
  /// read (the link then comes up through check_link(), which service() calls). State is kUp
  /// on success; kResetting when the PF stayed in reset (kPfNotReady: service() resumes the
  /// wait); kFailed otherwise.
  /// Errors: any ErrorCode; Error::step names the step that failed. A mailbox timeout leaves the
  /// mailbox disabled until the next bring-up; a PF reset during an exchange (kPfReset) does
  /// not, and schedules the next one. A refused restore of a user setting (say a VLAN
  /// under a new port VLAN) is counted in nacks and does not fail the bring-up.
  std::expected<void, Error> probe();

  /// The watchdog; call it regularly. Reads a pending PF message (a ping without CTS, or an
  /// unsolicited NACK without CTS, means the PF forgot this VF), looks for a PF reset (RSTI/RSTD)
  /// and a disabled mailbox, and on any of these re-runs the bring-up (counted in recoveries),
  /// which restores the user configuration. Never waits long: if the PF is still in reset it
  /// leaves the driver kResetting and tries again on the next call. In kFailed it retries the
  /// bring-up (each try can take one mailbox timeout), except when the device is gone.
  /// Returns how many events it handled (messages read, bring-ups tried); 0 when all is quiet.
  size_t service();

  /// SET_MAC_ADDR. kInvalidArgument for a zero or multicast MAC; kRefused when the PF keeps an
  /// admin MAC for an untrusted VF (mac() is unchanged then).
  std::expected<void, Error> set_mac(hal::MacAddr mac);
  /// SET_MULTICAST with the hashes of `macs` (replaces the list). kInvalidArgument for more than
  /// mbx::kMaxMulticast entries or a non-multicast address.
  std::expected<void, Error> set_multicast(std::span<const hal::MacAddr> macs);
  /// SET_VLAN add. kInvalidArgument for vid > 4095; kRefused under a port VLAN.
  std::expected<void, Error> add_vlan(uint16_t vid);
  /// SET_VLAN remove. The VLAN is forgotten even if the PF refuses.
  std::expected<void, Error> remove_vlan(uint16_t vid);
  /// SET_LPE with max frame = mtu + 18. kInvalidArgument outside kMinMtu..kMaxMtu;
  /// kNotSupported for a jumbo MTU under API 1.0. kRefused when the PF refuses the size (an
  /// 82599 PF at MTU 1500 refuses any jumbo frame); the PF then turned this VF's receive off,
  /// so the driver asks again for the last size it took (or the standard one) to turn it back
  /// on. At bring-up, a refused user MTU falls back to the standard one the same way.
  std::expected<void, Error> set_mtu(uint32_t mtu);
  /// UPDATE_XCAST_MODE (API >= 1.2; PROMISC needs 1.3). Returns the mode the PF applied: an
  /// untrusted VF asking for more than MULTI gets MULTI (an ACK, not an error: Linux ixgbe and
  /// our PF alike), counted in counters().xcast_downgrades, and xcast() says MULTI. kRefused
  /// when the PF says no (PROMISC on an 82599, even for a trusted VF): xcast() keeps the mode
  /// in force. The request is sent once; the remembered mode is replayed once per bring-up.
  std::expected<mbx::XcastMode, Error> set_xcast(mbx::XcastMode mode);
  /// GET_LINK_STATE (API >= 1.2): the PF's admin link-enable flag for this VF (not the wire).
  std::expected<bool, Error> get_link_state();

  /// True when the driver is up, the mailbox is healthy (no reset seen, no timeout), VFLINKS says
  /// up and has settled (read up 5 times at least 100 us apart after a down-to-up change, spec
  /// 3d) and the admin has not disabled the link. Never waits: each call is one settle read, so
  /// after probe() the link comes up through later calls (service() makes them), as Linux's
  /// watchdog does. A reset seen here schedules recovery for the next service(). Sends no
  /// message.
  bool check_link();

  State state() const { return state_; }
  /// The MAC in use: the PF's admin MAC, the user's, or the random one.
  hal::MacAddr mac() const { return mac_; }
  /// True when mac() is the one the PF assigned in its VF_RESET reply.
  bool mac_from_pf() const { return mac_from_pf_; }
  mbx::Api api() const { return api_; }
  unsigned tx_queues() const { return tx_queues_; }
  unsigned rx_queues() const { return rx_queues_; }
  /// GET_QUEUES word 3: non-zero when the PF inserts a port VLAN (or the number of TCs).
  unsigned trans_vlan() const { return trans_vlan_; }
  unsigned default_queue() const { return default_queue_; }
  /// The link as last seen by the bring-up or check_link().
  bool link_up() const { return link_up_; }
  /// The xcast mode the PF last applied (kNone after a reset without a user request).
  mbx::XcastMode xcast() const { return xcast_applied_; }
  /// The multicast filter type from the last VF_RESET reply (selects the MTA hash bits).
  uint32_t mc_filter_type() const { return mc_filter_type_; }
  /// What the driver replays on every bring-up.
  const UserConfig& user_config() const { return user_; }
  /// The error of the last failed bring-up, if the last one failed.
  const std::optional<Error>& last_error() const { return last_error_; }
  /// True when a recovery is scheduled for the next service() call.
  bool reset_pending() const { return reset_needed_; }

  struct Counters {
    uint64_t resets = 0;      ///< VFCTRL.RST writes
    uint64_t recoveries = 0;  ///< bring-ups completed by service()
    uint64_t pings = 0;       ///< PF_CONTROL_MSG received
    uint64_t nacks = 0;       ///< requests the PF refused
    uint64_t timeouts = 0;    ///< mailbox exchanges that timed out
    uint64_t xcast_downgrades = 0;  ///< UPDATE_XCAST_MODE ACKed with less than asked
  };
  const Counters& counters() const { return counters_; }

  /// The options in use (max_api clamped to kMaxApi).
  const VfOptions& options() const { return opts_; }

  /// The mailbox transport, for tracing (set_trace) and tests. Sending through it directly
  /// bypasses the driver's bookkeeping.
  mbx::VfMailbox& mailbox() { return mailbox_; }

 private:
  // Bring-up steps (bring_up.cpp).
  std::expected<void, Error> bring_up(hal::Nanos pf_ready_timeout);
  std::expected<void, Error> start_reset();
  std::expected<void, Error> wait_pf_ready(hal::Nanos timeout);
  void enable_bus_master();
  void stop_and_mask();
  std::expected<void, Error> program_interrupts();
  void rearm_interrupts();
  std::expected<void, Error> vf_reset();
  std::expected<void, Error> claim_own_mac();
  std::expected<void, Error> negotiate_api();
  std::expected<void, Error> get_queues();
  std::expected<void, Error> restore_user_config();
  std::expected<void, Error> refresh_link();
  /// One read of the 82599 link-settle rule; true once the link counts as up.
  bool sample_link_settle();
  void restart_link_settle() {
    phys_link_ = false;
    settle_reads_ = 0;
  }
  std::expected<void, Error> finish(std::expected<void, Error> result);

  // Mailbox exchanges (exchange.cpp).
  std::expected<mbx::Message, Error> transact(const mbx::Message& req, size_t reply_words,
                                              Step step);
  std::expected<mbx::Message, Error> request(const mbx::Message& req, size_t reply_words,
                                             Step step);
  Error transport_error(mbx::Error e, const mbx::Message& req, Step step);
  std::expected<void, Error> send_set_mac(hal::MacAddr mac, Step step);
  std::expected<void, Error> send_multicast(std::span<const hal::MacAddr> macs, Step step);
  std::expected<void, Error> send_vlan(bool add, uint16_t vid, Step step);
  std::expected<void, Error> send_lpe(uint32_t mtu, Step step);
  std::expected<mbx::XcastMode, Error> send_xcast(mbx::XcastMode mode, Step step);
  std::expected<bool, Error> send_get_link_state(Step step);
  std::expected<void, Error> ready_for_request() const;
  /// Records the mode the PF applied for a request of `asked`, counting a downgrade.
  void note_xcast_applied(mbx::XcastMode asked, mbx::XcastMode applied) {
    if (applied != asked) ++counters_.xcast_downgrades;
    xcast_applied_ = applied;
  }

  // Watchdog (vf_driver.cpp).
  size_t drain_pf_messages();
  bool function_was_reset();
  bool device_gone(uint32_t value) const { return value == hal::kDeviceGone; }

  hal::PciFunction& fn_;
  hal::RegisterIo& bar0_;
  hal::Clock& clock_;
  hal::Waiter& waiter_;
  VfOptions opts_;
  mbx::VfMailbox mailbox_;

  State state_ = State::kDown;
  UserConfig user_;
  hal::MacAddr mac_;
  bool mac_from_pf_ = false;
  std::optional<hal::MacAddr> random_mac_;  // made once, reused by later bring-ups (as Linux)
  unsigned random_index_ = 0;               // position of random_mac_ in the seed's stream
  mbx::Api api_ = mbx::Api::k10;
  unsigned tx_queues_ = 1;
  unsigned rx_queues_ = 1;
  unsigned trans_vlan_ = 0;
  unsigned default_queue_ = 0;
  uint32_t mc_filter_type_ = 0;
  bool link_up_ = false;
  bool phys_link_ = false;    // VFLINKS up and settled
  unsigned settle_reads_ = 0;  // up reads so far toward the settle rule
  hal::Nanos settle_last_read_{};
  bool admin_link_ = true;    // GET_LINK_STATE; an admin change forces a reset, so it stays fresh
  bool bme_tracks_ = false;   // Command.BME reads back: its loss then reveals an FLR
  mbx::XcastMode xcast_applied_ = mbx::XcastMode::kNone;
  bool reset_needed_ = false;
  bool awaiting_pf_ = false;  // VFCTRL.RST done, RSTI still set: resume at wait_pf_ready
  bool device_lost_ = false;
  std::optional<Error> last_error_;
  Counters counters_;
};

}  // namespace vf
