#pragma once
// The VF side of the mailbox over VF BAR0 registers (spec 3a, 3b, 3d): primitives (lock, read,
// write, check for message/ack/reset) and posted operations built on them.

#include <expected>
#include <span>

#include "hal/clock.hpp"
#include "hal/register_io.hpp"
#include "mailbox/error.hpp"
#include "mailbox/message.hpp"
#include "mailbox/trace.hpp"

namespace mbx {

struct VfMailboxParams {
  unsigned timeout_tries = 2000;                   ///< IXGBE_VF_MBX_INIT_TIMEOUT
  hal::Nanos delay = std::chrono::microseconds(500);  ///< IXGBE_VF_MBX_INIT_DELAY
};

/// VF mailbox transport. Legacy (API <= 1.4) handshake: REQ releases VFU, the VF polls PFSTS
/// for the reply. Read-to-clear bits (PFSTS, PFACK, RSTD) pass through one helper that keeps a
/// shadow, so no event is lost between two reads.
///
/// Waits go through `waiter` (spin, sleep, block on the VF's interrupt, or step a simulation)
/// with deadlines on `clock`. A posted operation that times out disables the mailbox until
/// reset_done() (Linux behaviour): later posted calls fail fast with kDisabled.
///
/// Posted operations also stop at a PF reset: RSTI seen live, or an RSTD not yet consumed
/// (check_for_rst, reset_done), ends them with kReset at once instead of after the timeout.
/// A reset is not a timeout: it neither disables the mailbox nor counts as a timeout, and the
/// RSTD stays in the shadow so the owner's check_for_rst() still reports it.
///
/// Not thread-safe: one VF driver owns it.
class VfMailbox {
 public:
  VfMailbox(hal::RegisterIo& bar0, hal::Clock& clock, hal::Waiter& waiter,
            VfMailboxParams params = {});

  // ---- Primitives. None of them waits. A VFMAILBOX read of all-ones (the function is gone)
  // is never folded into the shadow; the bool primitives then report only events seen before,
  // and device_gone() says why.
  /// Reads VFMAILBOX once, folding read-to-clear bits into the shadow; returns the live value
  /// (hal::kDeviceGone when the function no longer answers).
  uint32_t read_mailbox();
  /// True (and consumes it) if the PF has posted a message (PFSTS).
  bool check_for_msg();
  /// True (and consumes it) if the PF acked our message (PFACK).
  bool check_for_ack();
  /// True if the PF is in reset (RSTI, live) or has finished one (RSTD, consumed).
  bool check_for_rst();
  /// Reads VFMAILBOX and returns RSTI: the PF is not ready, touch nothing but VFMAILBOX.
  /// Folds read-to-clear bits like read_mailbox(); false when the function is gone.
  bool pf_in_reset();
  /// One attempt to take VFU: writes VFU, reads it back (the hardware grants VFU only while
  /// PFU is clear). kLockTimeout if the PF holds the buffer, kNoDevice on an all-ones read.
  std::expected<void, Error> try_lock();
  /// True when the last VFMAILBOX read returned all-ones.
  bool device_gone() const { return gone_; }

  // ---- Composed operations. The lock is retried params.timeout_tries times, params.delay
  // apart, through the waiter (kLockTimeout after that, counted in lock_failures). Any of them
  // returns kNoDevice when VFMAILBOX reads all-ones, kTooLong for more than 16 words.
  /// Takes the lock (bounded retries), discards stale PFSTS/PFACK, writes `words` to VFMBMEM
  /// and writes VFMAILBOX = REQ only (which releases VFU). Does not wait for PFACK (legacy).
  std::expected<void, Error> write(std::span<const uint32_t> words);
  /// Takes the lock, copies `n` words of VFMBMEM and writes VFMAILBOX = ACK only (releasing
  /// VFU). Requires a consumed PFSTS (check_for_msg); does not look for one itself.
  std::expected<Message, Error> read(size_t n);
  /// write() after checking the mailbox is enabled (kDisabled otherwise). Each lock try first
  /// reads VFMAILBOX: RSTI or a pending RSTD ends it with kReset, nothing written. A lock
  /// timeout here is not sticky.
  std::expected<void, Error> write_posted(std::span<const uint32_t> words);
  /// Waits for PFSTS (params.timeout_tries x params.delay), then read(n). kDisabled at once if
  /// an earlier posted call timed out; a timeout counts, disables the mailbox, returns kTimeout.
  /// kReset as soon as a poll sees RSTI or a pending RSTD (checked before PFSTS: a reply next
  /// to a reset comes from a PF that has since forgotten this VF); not sticky, RSTD kept.
  std::expected<Message, Error> read_posted(size_t n);
  /// write_posted() then read_posted(): one request/reply exchange.
  std::expected<Message, Error> request(std::span<const uint32_t> words, size_t reply_words);
  /// Reads a pending PF message (a ping) without waiting; kNoMessage if none. Works while
  /// disabled: it never waits, so it cannot time out.
  std::expected<Message, Error> poll_message(size_t n);

  /// Re-arms the mailbox after a VF reset (clears the sticky timeout and the shadow).
  void reset_done();
  bool disabled() const { return disabled_; }

  /// Installs the hook called with every message written (vf->pf) or read (pf->vf), labelled
  /// with `vf` (a VF does not know its own index; the caller does).
  void set_trace(TraceFn fn, hal::VfId vf) { trace_ = std::move(fn); trace_vf_ = vf; }
  const VfMailboxParams& params() const { return params_; }

  struct Counters {
    uint64_t sent = 0, received = 0, timeouts = 0, lock_failures = 0;
    uint64_t resets = 0;  ///< posted calls ended by a PF reset (kReset)
  };
  const Counters& counters() const { return counters_; }

 private:
  enum class WaitResult { kSeen, kTimeout, kReset, kGone };
  /// Polls until `bit` is in the shadow (and consumes it), a PF reset shows (reset_pending),
  /// the function is gone, or the timeout.
  WaitResult wait_for(uint32_t bit);
  /// try_lock() with bounded retries. With `stop_on_reset`, each try first reads VFMAILBOX and
  /// ends the wait with kReset if a PF reset is pending.
  std::expected<void, Error> lock(bool stop_on_reset);
  /// write() with the lock wait of a posted call.
  std::expected<void, Error> send(std::span<const uint32_t> words, bool stop_on_reset);
  /// Removes `bit` from the shadow; whether it was there.
  bool consume(uint32_t bit);
  /// RSTI in the last live VFMAILBOX read, or an RSTD in the shadow. Reads nothing and
  /// consumes nothing.
  bool reset_pending() const;
  /// kReset, counted.
  std::unexpected<Error> reset_error();

  hal::RegisterIo& bar0_;
  hal::Clock& clock_;
  hal::Waiter& waiter_;
  VfMailboxParams params_;
  uint32_t shadow_ = 0;  // read-to-clear bits seen and not yet consumed
  uint32_t live_ = 0;    // the last VFMAILBOX value that was not all-ones (for RSTI, a level)
  bool disabled_ = false;
  bool gone_ = false;    // the last VFMAILBOX read was all-ones
  TraceFn trace_;
  hal::VfId trace_vf_{0};
  Counters counters_;
};

}  // namespace mbx
