#pragma once
// The PF side of the mailbox over PF BAR0 registers (spec 3a, 3b): per-VF primitives as the
// Linux PF uses them, with no waiting at all (Linux: timeout 0, one lock attempt).

#include <cstdint>
#include <expected>
#include <span>

#include "hal/register_io.hpp"
#include "hal/types.hpp"
#include "mailbox/error.hpp"
#include "mailbox/message.hpp"
#include "mailbox/trace.hpp"

namespace mbx {

/// What the PF has to look at, one bit per VF, read in one pass over MBVFICR and VFLRE.
struct PendingEvents {
  uint64_t flr = 0;  ///< VF FLR happened (VFLRE)
  uint64_t req = 0;  ///< VF sent a message (MBVFICR.VFREQ)
  uint64_t ack = 0;  ///< VF acked a PF message (MBVFICR.VFACK)
  bool any() const { return (flr | req | ack) != 0; }
};

/// PF mailbox transport. Never blocks and never allocates: safe in the PF's message path.
/// Thread safety: one PF service thread owns it.
class PfMailbox {
 public:
  explicit PfMailbox(hal::RegisterIo& bar0) : bar0_(bar0) {}

  // VF ids >= 64 do not exist: the bool calls return false, the others kNoDevice. MBVFICR and
  // VFLRE can legally read all-ones, so only PFMAILBOX reads detect a vanished device.

  /// Reads MBVFICR(0..3) and VFLRE(0..1) once for the first `num_vfs` VFs (clamped to 64):
  /// only the registers covering them (1 MBVFICR per 16 VFs, 1 VFLRE per 32). Clears nothing.
  PendingEvents pending(unsigned num_vfs);
  /// Clears `vf`'s FLR event (reads VFLRE, writes 1 to VFLREC). Returns whether it was set.
  bool check_for_rst(hal::VfId vf);
  /// Clears and returns `vf`'s VFREQ bit (write 1 to MBVFICR).
  bool check_for_msg(hal::VfId vf);
  /// Clears and returns `vf`'s VFACK bit.
  bool check_for_ack(hal::VfId vf);

  /// One attempt to take PFU (write PFU, read back). kLockTimeout if the VF holds the buffer,
  /// kNoDevice if PFMAILBOX reads all-ones.
  std::expected<void, Error> try_lock(hal::VfId vf);
  /// Takes PFU (one attempt), copies the 16 words, writes PFMAILBOX = ACK only (releasing
  /// PFU). The Message always has 16 words: the VF does not say how many it wrote.
  std::expected<Message, Error> read(hal::VfId vf);
  /// Takes PFU (one attempt), clears this VF's stale VFREQ/VFACK, writes `words`, writes
  /// PFMAILBOX = STS only (releasing PFU). kTooLong beyond 16 words. Does not wait for the ACK.
  std::expected<void, Error> write(hal::VfId vf, std::span<const uint32_t> words);
  /// Zeroes the VF's 16 mailbox words (after VF_RESET, as Linux does). Takes PFU, releases it
  /// with a plain write of 0 (no STS: nothing is announced).
  std::expected<void, Error> clear(hal::VfId vf);
  /// Gives PFU back without announcing anything (neither STS nor ACK). Only after a
  /// successful try_lock().
  void release_lock(hal::VfId vf);
  /// Forces VFU clear (RVFU) for a VF that holds the lock and went away.
  void release_vf_lock(hal::VfId vf);

  /// Installs the hook called with every message read (vf->pf, 16 words) or written (pf->vf).
  void set_trace(TraceFn fn) { trace_ = std::move(fn); }

 private:
  hal::RegisterIo& bar0_;
  TraceFn trace_;
};

}  // namespace mbx
