#pragma once
// What the PF writes into a VF's mailbox, and when it may (spec 3b, 4d).
//
// A reply answers the request the PF has just read, so it may always be written. A ping
// (CONTROL_MSG) is unsolicited, and PfMailbox::write clears VFREQ and overwrites the buffer:
// written at the wrong moment it destroys a request the VF has posted and the PF has not read,
// or a message the VF has not read yet (a legacy VF takes the next PFSTS as the reply it is
// waiting for). So a ping is first owed (VfState::ping_pending) and written only while the
// mailbox is free; every service pass retries the owed ones, after serving the VF's request.
//
// Never blocks, sleeps or allocates. Thread safety: that of PfCore.

#include <chrono>
#include <expected>
#include <span>

#include "hal/clock.hpp"
#include "hal/types.hpp"
#include "mailbox/error.hpp"
#include "pf_driver/pf_core.hpp"

namespace pf {

/// How long a VF waits for the PF's message before it gives up on it (spec 3d: 2000 polls
/// 500 us apart). A message unread for longer is no longer expected, so a ping may replace it.
inline constexpr hal::Nanos kVfReadTimeout = std::chrono::seconds(1);

/// Writes `words` to `vf`'s mailbox (PfMailbox::write: one PFU attempt, STS) and notes them
/// unread until the VF acks. Errors: those of PfMailbox::write (kLockTimeout while the VF holds
/// VFU, kNoDevice, kTooLong).
std::expected<void, mbx::Error> post_to_vf(PfCore& c, hal::VfId vf,
                                           std::span<const uint32_t> words);

/// The VF acked the PF's last message (its VFACK was consumed) or moved on to a new request.
void note_vf_read(PfCore& c, hal::VfId vf);

/// Owes `vf` a ping and tries to write it at once (deliver_ping). One that cannot go out now
/// stays owed; a VF holding its lock is logged (kMailboxError) once, when the ping is owed.
/// The ping's CTS is the VF's clear_to_send when the ping is written, not when it was owed.
void ping_vf(PfCore& c, hal::VfId vf);

/// Writes `vf`'s owed ping if the mailbox is free: the PF gets PFU, no request of the VF is
/// waiting (MBVFICR.VFREQ), and the VF has read the PF's last message (VFACK seen) or has had
/// kVfReadTimeout to do so. Otherwise the ping stays owed. Checks are made with PFU held, so a
/// request the VF posts meanwhile cannot slip under the ping. Returns whether it was written.
bool deliver_ping(PfCore& c, hal::VfId vf);

/// Forgets the mailbox state the PF kept for `vf` (owed ping, unread message): after an FLR
/// or a device reset the buffer and the VF driver reading it start over.
void forget_mailbox(VfState& s);

}  // namespace pf
