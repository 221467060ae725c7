#include "pf_driver/mailbox_service.hpp"

#include <array>
#include <optional>

#include "hal/ixgbe/regs_pf.hpp"
#include "mailbox/codec.hpp"
#include "pf_driver/mailbox_guard.hpp"
#include "pf_driver/message_handlers.hpp"
#include "pf_driver/outbox.hpp"
#include "pf_driver/spoof_watch.hpp"
#include "pf_driver/vf_hw.hpp"
#include "pf_driver/vf_reset.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;
using mbx::Api;
using mbx::MsgId;

namespace {

struct Route {
  MsgId id;
  Api min_api;  // the Linux PF's gate for this request (spec 4b)
  Handler fn;
};

constexpr std::array kRoutes = {
    Route{MsgId::kSetMacAddr, Api::k10, handle_set_mac_addr},
    Route{MsgId::kSetMulticast, Api::k10, handle_set_multicast},
    Route{MsgId::kSetVlan, Api::k10, handle_set_vlan},
    Route{MsgId::kSetLpe, Api::k10, handle_set_lpe},
    Route{MsgId::kSetMacvlan, Api::k10, handle_set_macvlan},
    Route{MsgId::kApiNegotiate, Api::k10, handle_api_negotiate},
    Route{MsgId::kGetQueues, Api::k11, handle_get_queues},
    Route{MsgId::kGetReta, Api::k12, handle_get_reta},
    Route{MsgId::kGetRssKey, Api::k12, handle_get_rss_key},
    Route{MsgId::kUpdateXcastMode, Api::k12, handle_update_xcast_mode},
    Route{MsgId::kGetLinkState, Api::k12, handle_get_link_state},
    Route{MsgId::kIpsecAdd, Api::k14, handle_ipsec},
    Route{MsgId::kIpsecDel, Api::k14, handle_ipsec},
    Route{MsgId::kGetPfLinkState, Api::k16, handle_unsupported},
    Route{MsgId::kFeaturesNegotiate, Api::k17, handle_unsupported},
};

/// A request id as event text: its name when known ("GET_QUEUES"), else "UNKNOWN".
std::string_view name(uint16_t id) { return mbx::to_string(static_cast<MsgId>(id)); }

const Route* find_route(uint16_t id) {
  for (const Route& r : kRoutes) {
    if (static_cast<uint16_t>(r.id) == id) return &r;
  }
  return nullptr;
}

void send(PfCore& c, hal::VfId vf, std::span<const uint32_t> words, bool ack) {
  VfCounters& n = c.vf(vf).counters;
  ++(ack ? n.acks : n.nacks);
  if (auto r = post_to_vf(c, vf, words); !r) {
    c.log(vf, EventCode::kMailboxError, "reply to VF {} not delivered: {}", vf.value(), r.error());
  }
}

/// ACK|CTS or NACK|CTS in the reply's length (the echo of the request for plain replies).
void send_reply(PfCore& c, hal::VfId vf, const mbx::Message& req, mbx::Message reply, bool ack) {
  reply.w[0] = mbx::reply_word0(req.w[0], ack, true);
  send(c, vf, reply.words(), ack);
}

/// A refusal in the form the VF's state calls for: NACK|CTS for a clear-to-send VF, else the
/// 1-word request|NACK without CTS that tells the VF it must reset first (spec 4d). `word1`,
/// when given, replaces the request's word 1 in the NACK.
void send_nack(PfCore& c, hal::VfId vf, const mbx::Message& req,
               std::optional<uint32_t> word1 = std::nullopt) {
  if (!c.vf(vf).clear_to_send) {
    const uint32_t w = mbx::reply_word0(req.w[0], false, false);
    send(c, vf, {&w, 1}, false);
    return;
  }
  mbx::Message reply = req;
  reply.size = static_cast<uint8_t>(mbx::reply_words(req.id()));
  if (word1 && reply.size > 1) reply.w[1] = *word1;
  send_reply(c, vf, req, reply, false);
}

void process_reset(PfCore& c, hal::VfId vf, const mbx::Message& req) {
  // Exactly VF_RESET in word 0, as Linux compares it: no MSGINFO, no reply bits.
  if (req.w[0] != mbx::word0::make(static_cast<uint16_t>(MsgId::kReset))) {
    c.log(vf, EventCode::kDecodeError, "VF_RESET from VF {} malformed: word 0 {:#010x}",
          vf.value(), req.w[0]);
    send_nack(c, vf, req);
    return;
  }
  VfState& s = c.vf(vf);
  clean_vf(c, vf);
  const mbx::ResetReply reply = readmit_vf(c, vf);
  ++s.counters.resets;
  send(c, vf, reply.encode().words(), reply.ack);
  c.log(vf, EventCode::kVfReset, "VF {} reset: MAC {} ({}), API 1.0", vf.value(), MacFmt{s.mac},
        reply.ack ? "set by administrator" : "VF chooses");
}

void dispatch(PfCore& c, hal::VfId vf, const mbx::Message& req) {
  const uint16_t id = req.id();
  const Route* route = find_route(id);
  if (route == nullptr) {
    c.log(vf, EventCode::kUnknownMessage, "VF {} sent unknown request {:#06x} (word 0 {:#010x})",
          vf.value(), id, req.w[0]);
    send_nack(c, vf, req);
    return;
  }
  const VfState& s = c.vf(vf);
  if (!mbx::api_at_least(s.api, route->min_api)) {
    c.log(vf, EventCode::kApiTooOld, "{} from VF {} needs API {}, VF negotiated {}", route->id,
          vf.value(), route->min_api, s.api);
    send_nack(c, vf, req);
    return;
  }
  mbx::Message reply = req;
  reply.size = static_cast<uint8_t>(mbx::reply_words(id));
  if (auto r = route->fn(c, vf, req, reply); !r) {
    c.log(vf, r.error().code, "{} from VF {} refused: {}", route->id, vf.value(), r.error().reason);
    send_nack(c, vf, req, r.error().word1);
    return;
  }
  send_reply(c, vf, req, reply, true);
}

void process_message(PfCore& c, hal::VfId vf, uint32_t peeked) {
  VfState& s = c.vf(vf);
  // Whatever this request makes the PF log is the VF's doing: its event budget pays.
  const ChargeScope charge(s.guard);
  auto m = c.mbx.read(vf);
  if (!m) {
    c.log(vf, EventCode::kMailboxError, "message from VF {} not read: {}", vf.value(), m.error());
    return;
  }
  ++s.counters.messages;
  // A VF posts a request only once it is done with the PF's last message (it discards a
  // stale PFSTS before writing, spec 3b).
  note_vf_read(c, vf);
  // A buffer that already carries ACK/NACK is a reply, not a request (spec 4a): nothing to
  // answer, but a VF that raises VFREQ over one has a bug worth seeing.
  if (m->is_ack() || m->is_nack()) {
    ++s.counters.ignored;
    c.log(vf, EventCode::kReplyBitsFromVf,
          "{} ({:#06x}) from VF {} ignored: word 0 {:#010x} carries {}, which only replies do",
          name(m->id()), m->id(), vf.value(), m->w[0], m->is_ack() ? "ACK" : "NACK");
    return;
  }
  // The guard admitted what word 0 said before the read (a VF_RESET needs a reset token). A
  // driver leaves its buffer alone while its request is pending; one that rewrote it since
  // must not pass a VF_RESET for something cheaper.
  if (m->w[0] != peeked) {
    c.log(vf, EventCode::kDecodeError,
          "{} ({:#06x}) from VF {} refused: word 0 changed from {:#010x} to {:#010x} while the "
          "request was pending",
          name(m->id()), m->id(), vf.value(), peeked, m->w[0]);
    send_nack(c, vf, *m);
    return;
  }
  // VF_RESET always goes through (within its budget): it is how a VF recovers, whatever
  // else is refused.
  if (m->id() == static_cast<uint16_t>(MsgId::kReset)) {
    process_reset(c, vf, *m);
    return;
  }
  if (c.hook) {
    c.hook_reason.clear();
    if (c.hook(vf, *m, c.hook_reason) == PolicyVerdict::kRefuse) {
      c.log(vf, EventCode::kPolicyRefused, "{} ({:#06x}) from VF {} refused by policy: {}",
            name(m->id()), m->id(), vf.value(), std::string_view(c.hook_reason));
      send_nack(c, vf, *m);
      return;
    }
  }
  if (!s.clear_to_send) {
    c.log(vf, EventCode::kNotClearToSend, "{} ({:#06x}) from VF {} before VF_RESET: NACK",
          name(m->id()), m->id(), vf.value());
    send_nack(c, vf, *m);
    return;
  }
  dispatch(c, vf, *m);
}

/// A pending request of `vf`: served if the flood guard admits it, else left pending (VFREQ
/// set, no ACK) for a later pass. Returns whether it was served.
bool serve_request(PfCore& c, hal::VfId vf) {
  // Read without the lock, as the DPDK PF reads: only to tell a VF_RESET from the rest.
  const uint32_t word0 = c.bar0.read(reg::PFMBMEM(vf.value(), 0));
  if (admit_request(c, vf, word0) == Admission::kHold) return false;
  if (!c.mbx.check_for_msg(vf)) return false;
  process_message(c, vf, word0);
  return true;
}

void process_ack(PfCore& c, hal::VfId vf) {
  const ChargeScope charge(c.vf(vf).guard);
  // A VF that is not clear to send should not be reading either: answer its ack with a bare
  // NACK so it notices and resets (Linux ixgbe_rcv_ack_from_vf). Not while a ping is owed:
  // the NACK would hold it back, and the VF's ack of that ping gets the NACK.
  if (c.vf(vf).clear_to_send || c.vf(vf).ping_pending) return;
  // Nor over a request the VF has posted and the PF has not read (one the flood guard holds,
  // or one posted since this pass looked): the write would clear VFREQ and replace it, and
  // the VF would read the NACK as its answer. That request's own answer tells the VF to
  // reset. Checked with PFU held, as try_ping() does, so none can slip in before the write.
  if (c.mbx.try_lock(vf)) {
    const unsigned v = vf.value();
    const uint32_t icr = c.bar0.read(reg::MBVFICR(reg::mbvficr::reg_index(v)));
    if ((icr & reg::mbvficr::req_bit(v)) != 0) {
      c.mbx.release_lock(vf);
      return;
    }
  }
  // PfMailbox::write takes PFU again (a no-op while held; one refused is logged by send()).
  const uint32_t w = mbx::word0::kNack;
  send(c, vf, {&w, 1}, false);
}

void process_flr(PfCore& c, hal::VfId vf) {
  VfState& s = c.vf(vf);
  // A VF driver that died holding VFU would keep the PF out of the buffer for good, its
  // VF_RESET reply included: force the lock free (RVFU, spec 3a). The buffer's old contents
  // and any owed ping are for the driver that is gone.
  c.mbx.release_vf_lock(vf);
  forget_mailbox(s);
  clean_vf(c, vf);
  // The function was reset under the VF driver: whatever it negotiated is gone, and it must
  // send VF_RESET before anything else.
  s.clear_to_send = false;
  ++s.counters.flrs;
  c.log(vf, EventCode::kVfFlr, "VF {} function level reset: filters cleaned", vf.value());
  // A request the guard held is gone with the function; the guard's memory stays.
  mailbox_guard_on_flr(c, vf);
}

void process_link_change(PfCore& c) {
  const LinkInfo now = read_link(c.bar0);
  if (now == c.link) return;
  c.link = now;
  c.log(std::nullopt, EventCode::kLinkChange, "PF link {} ({} Mb/s); VFs to be pinged",
        now.up ? "up" : "down", now.mbps);
  // Rate factors are relative to the link speed they were computed for (Linux
  // ixgbe_check_vf_rate_limit): a different speed disables them all.
  if (now.up && c.rate_link_mbps != 0 && now.mbps != c.rate_link_mbps) {
    c.rate_link_mbps = 0;
    for (unsigned v = 0; v < c.num_vfs; ++v) {
      c.vfs[v].max_tx_mbps = 0;
      write_rate_limit(c, hal::VfId(v));
    }
    c.log(std::nullopt, EventCode::kRateLimitsCleared,
          "link speed changed to {} Mb/s: VF rate limits disabled", now.mbps);
  }
  // Owed, not written: service_pass() writes each ping after serving that VF's pending
  // request, which a ping written now would destroy (outbox.hpp).
  for (unsigned v = 0; v < c.num_vfs; ++v) c.vfs[v].ping_pending = true;
}

/// Clears the "other" causes by writing them back (Linux reads EICS, not EICR, because of an
/// 82599 erratum: the read must not clear the queue causes). Returns them, or nothing when
/// the device is gone: EICS and STATUS (whose reserved bits read zero) both read all-ones.
std::optional<uint32_t> take_other_causes(PfCore& c) {
  const uint32_t causes = c.bar0.read(reg::EICS);
  if (causes == hal::kDeviceGone) {
    if (c.bar0.read(reg::STATUS) == hal::kDeviceGone) return std::nullopt;
    return 0;
  }
  const uint32_t other = causes & reg::eicr::kOtherCauses;
  if (other != 0) c.bar0.write(reg::EICR, other);
  return other;
}

}  // namespace

size_t service_pass(PfCore& c) {
  if (!c.initialized) return 0;
  install_event_gate(c);
  // Drain first: an interrupt that arrives while this pass runs signals again.
  c.fn.vector(kOtherVector).drain();
  size_t handled = 0;
  // A removed device reads all-ones everywhere: every cause word would look set, every VF
  // would seem to have an FLR, a request and an ack on every pass. Nothing to serve.
  const std::optional<uint32_t> other = take_other_causes(c);
  if (!other) return 0;
  if (*other & reg::eicr::kLsc) {
    process_link_change(c);
    ++handled;
  }
  if (c.num_vfs == 0) return handled;
  const mbx::PendingEvents p = c.mbx.pending(c.num_vfs);
  for (unsigned v = 0; v < c.num_vfs; ++v) {
    const hal::VfId vf(v);
    const uint64_t bit = uint64_t{1} << v;
    // Flood reports first: a VF disabled now is pinged in this same pass.
    handled += poll_mailbox_guard(c, vf);
    // The snapshot says where to look; the check_for_* calls re-read and clear the live bit
    // (a reply written for the message clears a stale ack, for instance).
    if ((p.flr & bit) && c.mbx.check_for_rst(vf)) {
      process_flr(c, vf);
      ++handled;
    }
    if ((p.req & bit) == 0) {
      note_no_request(c, vf);
    } else if (serve_request(c, vf)) {
      ++handled;
    }
    // Once the VF's request is answered, an owed ping (link change, admin change, one that
    // found the mailbox busy before) goes out if the mailbox is free by now. Before the ack:
    // the ping answers it (writing it clears VFACK).
    if (c.vfs[v].ping_pending && deliver_ping(c, vf)) ++handled;
    if ((p.ack & bit) && c.mbx.check_for_ack(vf)) {
      note_vf_read(c, vf);
      process_ack(c, vf);
      ++handled;
    }
  }
  return handled + check_spoofed_frames(c);
}

}  // namespace pf
