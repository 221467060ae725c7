#include "pf_driver/outbox.hpp"

#include "hal/ixgbe/regs_pf.hpp"
#include "mailbox/codec.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;

namespace {

/// One delivery attempt: true = written, false = the mailbox is busy (kept owed), an error =
/// PFU not obtained.
std::expected<bool, mbx::Error> try_ping(PfCore& c, hal::VfId vf) {
  VfState& s = c.vf(vf);
  if (auto l = c.mbx.try_lock(vf); !l) return std::unexpected(l.error());
  // With PFU held the VF cannot take VFU, so it cannot post a request between this check and
  // the write below: what MBVFICR says now still holds then.
  const unsigned v = vf.value();
  const uint32_t icr = c.bar0.read(reg::MBVFICR(reg::mbvficr::reg_index(v)));
  const bool request_waiting = (icr & reg::mbvficr::req_bit(v)) != 0;
  const bool unread = s.unread_msg && (icr & reg::mbvficr::ack_bit(v)) == 0 &&
                      c.clock.now() - s.msg_posted_at < kVfReadTimeout;
  if (request_waiting || unread) {
    c.mbx.release_lock(vf);
    return false;
  }
  const mbx::Message m = mbx::PfControlMsg{.cts = s.clear_to_send}.encode();
  // PfMailbox::write takes PFU again (a no-op while held) and releases it with STS.
  if (auto w = post_to_vf(c, vf, m.words()); !w) return std::unexpected(w.error());
  s.ping_pending = false;
  ++s.counters.pings;
  return true;
}

}  // namespace

std::expected<void, mbx::Error> post_to_vf(PfCore& c, hal::VfId vf,
                                           std::span<const uint32_t> words) {
  if (auto w = c.mbx.write(vf, words); !w) return w;
  VfState& s = c.vf(vf);
  s.unread_msg = true;
  s.msg_posted_at = c.clock.now();
  return {};
}

void note_vf_read(PfCore& c, hal::VfId vf) { c.vf(vf).unread_msg = false; }

void ping_vf(PfCore& c, hal::VfId vf) {
  VfState& s = c.vf(vf);
  const bool already_owed = s.ping_pending;
  s.ping_pending = true;
  auto r = try_ping(c, vf);
  if (r || already_owed) return;
  if (r.error() == mbx::Error::kLockTimeout) {
    c.log(vf, EventCode::kMailboxError,
          "ping to VF {} deferred: the VF holds the mailbox lock (retried every pass)",
          vf.value());
    return;
  }
  s.ping_pending = false;  // the device is gone: nothing will ever read it
  c.log(vf, EventCode::kMailboxError, "ping to VF {} not delivered: {}", vf.value(), r.error());
}

bool deliver_ping(PfCore& c, hal::VfId vf) {
  auto r = try_ping(c, vf);
  if (r) return *r;
  if (r.error() != mbx::Error::kLockTimeout) {
    c.vf(vf).ping_pending = false;
    c.log(vf, EventCode::kMailboxError, "ping to VF {} dropped: {}", vf.value(), r.error());
  }
  return false;
}

void forget_mailbox(VfState& s) {
  s.ping_pending = false;
  s.unread_msg = false;
}

}  // namespace pf
