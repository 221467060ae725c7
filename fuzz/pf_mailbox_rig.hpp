#pragma once
// fuzz_pf_mailbox's world: a simulated 82599 with the real PF driver, and VFs that drive their
// mailbox by raw VF BAR0 accesses, so a VF can do what a well-behaved driver never would (keep
// its lock, skip reading a reply, reset mid-exchange). Everything runs on one thread on a
// ManualClock: an input replays the same way every time.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "hal/clock.hpp"
#include "hal/sim/device.hpp"
#include "mailbox/message.hpp"
#include "pf_driver/pf_driver.hpp"

namespace fuzz {

/// What the PF is set up with before the VFs talk, one bit each (the input's first byte).
namespace setup {
inline constexpr uint8_t kAdminMacVf1 = 1u << 0;   ///< VF 1 has an administrator's MAC
inline constexpr uint8_t kPortVlanVf2 = 1u << 1;   ///< VF 2 has port VLAN 100, qos 3
inline constexpr uint8_t kTrustVf0 = 1u << 2;      ///< VF 0 is trusted
inline constexpr uint8_t kLinkOffVf3 = 1u << 3;    ///< VF 3's link state is "disable"
inline constexpr uint8_t kRssQueryVf0 = 1u << 4;   ///< VF 0 may read RETA and the RSS key
inline constexpr uint8_t kSpoofOffVf2 = 1u << 5;   ///< VF 2 has spoofchk off
inline constexpr uint8_t kJumboPf = 1u << 6;       ///< the PF runs MTU 9000 (shuts out API 1.0 RX)
inline constexpr uint8_t kManyVfs = 1u << 7;       ///< 40 VFs (2 queues per pool) instead of 4
}  // namespace setup

/// One VF's side of the mailbox, register by register, as mailbox/vf_mailbox.cpp does it.
class RawVf {
 public:
  explicit RawVf(hal::PciFunction& fn) : fn_(fn) {}

  /// Writes VFU and reads it back (which also clears a stale PFSTS/PFACK, as a VF does before
  /// posting). False when the PF holds the buffer.
  bool take_lock();
  /// Copies `words` into VFMBMEM and rings REQ. `keep_lock`: VFU stays set (a VF that never
  /// lets the PF read its buffer). Precondition: take_lock() succeeded.
  void post(std::span<const uint32_t> words, bool keep_lock);
  /// Lets go of VFU without ringing anything.
  void release();
  /// The PF's pending message if PFSTS is set: lock, copy 16 words, ACK. nullopt otherwise (or
  /// when the lock is refused).
  std::optional<mbx::Message> read_reply();
  /// Function-level reset through PCIe Device Control, as a hypervisor does for a guest.
  void flr();
  /// VFMAILBOX as it reads now (clears PFSTS/PFACK/RSTD).
  uint32_t mailbox();

 private:
  hal::PciFunction& fn_;
};

/// The simulated device, the PF driver and up to 40 VFs.
class PfMailboxRig {
 public:
  static constexpr unsigned kFewVfs = 4, kManyVfs = 40;
  /// Event log size: small, so wrapping is exercised.
  static constexpr size_t kEventCapacity = 64;

  /// Brings the PF up with `setup_flags` (namespace setup). Aborts (fuzz::fail) if the PF
  /// refuses: that is a bug in the rig or the driver, not an input's fault.
  explicit PfMailboxRig(uint8_t setup_flags);

  unsigned num_vfs() const { return num_vfs_; }
  pf::PfDriver& pf() { return pf_; }
  RawVf& vf(unsigned i) { return *vfs_[i]; }
  /// service_once() until nothing is pending (bounded), advancing the clock between passes.
  void settle();
  /// VF `vf`'s REQ is still pending in MBVFICR: the PF has not read its request (the flood
  /// guard holds a request until its tokens are there). Reading MBVFICR changes nothing.
  bool request_pending(unsigned vf);
  /// Lets `ms` milliseconds of the PF's time pass (a VF's requests are spread in time).
  void tick(unsigned ms = 1) { clock_.advance(std::chrono::milliseconds(ms)); }
  /// Lets `d` of the PF's time pass.
  void advance(hal::Nanos d) { clock_.advance(d); }
  /// The flood policy the PF runs with (set up by the constructor).
  const pf::MailboxFloodPolicy& policy() const { return policy_; }

 private:
  hal::ManualClock clock_;
  std::unique_ptr<sim::Device82599> dev_;
  hal::SteppingWaiter waiter_;
  pf::PfDriver pf_;
  unsigned num_vfs_;
  pf::MailboxFloodPolicy policy_;
  std::array<std::unique_ptr<RawVf>, kManyVfs> vfs_;
};

}  // namespace fuzz
