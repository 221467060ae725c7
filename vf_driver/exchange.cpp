// One request/reply exchange with the PF and the messages built on it (spec 3b, 4b, 4d).

#include <algorithm>

#include "mailbox/codec.hpp"
#include "vf_driver/vf_driver.hpp"

namespace vf {

namespace {

// A PF_CONTROL_MSG can sit in the buffer ahead of a reply. Read past at most this many before
// calling the exchange broken.
constexpr int kMaxPingsBeforeReply = 2;

std::string describe(const mbx::Message& m) {
  const auto id = static_cast<mbx::MsgId>(m.id());
  return fmt::format("{} ({:#010x})", mbx::is_known(m.id()) ? mbx::to_string(id) : "UNKNOWN",
                     m.w[0]);
}

// Words to read for a reply: what the PF writes for this id, at least word 0.
size_t reply_len(mbx::MsgId id) {
  return std::max<size_t>(1, mbx::reply_words(static_cast<uint16_t>(id)));
}

}  // namespace

Error VfDriver::transport_error(mbx::Error e, const mbx::Message& req, Step step) {
  const std::string what = fmt::format("{}: {}", describe(req), mbx::to_string(e));
  switch (e) {
    case mbx::Error::kTimeout:
      // Linux's rule: a timeout disables the mailbox until the next reset. Recover then.
      ++counters_.timeouts;
      reset_needed_ = true;
      return {ErrorCode::kTimeout, what, step};
    case mbx::Error::kDisabled:
      reset_needed_ = true;
      return {ErrorCode::kMailboxDisabled, what, step};
    case mbx::Error::kReset:
      // RSTI or RSTD during the exchange: the PF lost this VF's state. Not a timeout: the
      // mailbox stays enabled, and the scheduled reset is what brings the VF back.
      reset_needed_ = true;
      return {ErrorCode::kPfReset, what, step};
    case mbx::Error::kLockTimeout:
      return {ErrorCode::kMailboxBusy, what, step};
    case mbx::Error::kNoDevice:
      device_lost_ = true;
      return {ErrorCode::kNoDevice, what, step};
    case mbx::Error::kTooLong:
      return {ErrorCode::kInvalidArgument, what, step};
    case mbx::Error::kNoMessage:
      break;
  }
  reset_needed_ = true;
  return {ErrorCode::kProtocol, what, step};
}

std::expected<mbx::Message, Error> VfDriver::transact(const mbx::Message& req,
                                                      size_t reply_words, Step step) {
  if (mailbox_.disabled()) {
    reset_needed_ = true;
    return std::unexpected(Error{ErrorCode::kMailboxDisabled,
                                 fmt::format("{}: not sent, reset first", describe(req)), step});
  }
  // Drop a stale cause and make sure the vector is unmasked, so this wait's wake-ups come from
  // this exchange.
  rearm_interrupts();
  auto reply = mailbox_.request(req.words(), reply_words);
  // A ping with CTS only announces a link change. One without CTS says "reset": harmless
  // ahead of VF_RESET's reply, which is that reset.
  const bool resetting = req.id() == static_cast<uint16_t>(mbx::MsgId::kReset);
  for (int i = 0; i < kMaxPingsBeforeReply && reply &&
                  reply->id() == static_cast<uint16_t>(mbx::MsgId::kPfControlMsg) &&
                  (reply->has_cts() || resetting);
       ++i) {
    ++counters_.pings;
    reply = mailbox_.read_posted(reply_words);
  }
  if (!reply) return std::unexpected(transport_error(reply.error(), req, step));
  if (reply->id() == req.id()) return *reply;

  // Our reply never came: the PF is talking about something else. A ping without CTS means
  // it forgot us; anything else means the exchange is out of step. Either way, reset.
  reset_needed_ = true;
  if (reply->id() == static_cast<uint16_t>(mbx::MsgId::kPfControlMsg)) {
    ++counters_.pings;
    return std::unexpected(Error{ErrorCode::kNotClearToSend,
                                 fmt::format("PF_CONTROL_MSG without CTS while waiting for {}",
                                             describe(req)),
                                 step});
  }
  return std::unexpected(Error{
      ErrorCode::kProtocol,
      fmt::format("reply {} to request {}", describe(*reply), describe(req)), step});
}

std::expected<mbx::Message, Error> VfDriver::request(const mbx::Message& req,
                                                     size_t reply_words, Step step) {
  auto reply = transact(req, reply_words, step);
  if (!reply) return reply;
  if (!reply->has_cts()) {
    // Only VF_RESET replies come without CTS; any other means the PF lost this VF's state
    // (PF reset, FLR, trust or link-state change). Our filters are gone: redo the bring-up.
    reset_needed_ = true;
    return std::unexpected(Error{ErrorCode::kNotClearToSend,
                                 fmt::format("{} answered {} without CTS", describe(req),
                                             describe(*reply)),
                                 step});
  }
  if (reply->is_nack()) {
    ++counters_.nacks;
    return std::unexpected(Error{ErrorCode::kRefused, describe(req), step});
  }
  if (!reply->is_ack()) {
    reset_needed_ = true;
    return std::unexpected(Error{ErrorCode::kProtocol,
                                 fmt::format("{} answered {} with neither ACK nor NACK",
                                             describe(req), describe(*reply)),
                                 step});
  }
  return reply;
}

std::expected<void, Error> VfDriver::send_set_mac(hal::MacAddr mac, Step step) {
  auto r = request(mbx::SetMacAddrReq{mac}.encode(), reply_len(mbx::MsgId::kSetMacAddr), step);
  if (!r) return std::unexpected(r.error());
  return {};
}

std::expected<void, Error> VfDriver::send_multicast(std::span<const hal::MacAddr> macs,
                                                    Step step) {
  mbx::SetMulticastReq req;
  for (const hal::MacAddr& m : macs) {
    if (req.count == mbx::kMaxMulticast) break;  // callers check; never overrun the message
    req.hashes[req.count++] = mbx::mta_hash(m, mc_filter_type_);
  }
  auto r = request(req.encode(), reply_len(mbx::MsgId::kSetMulticast), step);
  if (!r) return std::unexpected(r.error());
  return {};
}

std::expected<void, Error> VfDriver::send_vlan(bool add, uint16_t vid, Step step) {
  auto r = request(mbx::SetVlanReq{add, vid}.encode(), reply_len(mbx::MsgId::kSetVlan), step);
  if (!r) return std::unexpected(r.error());
  return {};
}

std::expected<void, Error> VfDriver::send_lpe(uint32_t mtu, Step step) {
  auto r = request(mbx::SetLpeReq{mtu + kFrameOverhead}.encode(),
                   reply_len(mbx::MsgId::kSetLpe), step);
  if (!r) return std::unexpected(r.error());
  return {};
}

std::expected<mbx::XcastMode, Error> VfDriver::send_xcast(mbx::XcastMode mode, Step step) {
  auto r = request(mbx::UpdateXcastModeReq{mode}.encode(),
                   std::max<size_t>(2, reply_len(mbx::MsgId::kUpdateXcastMode)), step);
  if (!r) return std::unexpected(r.error());
  auto v = mbx::ValueReply::decode(mbx::MsgId::kUpdateXcastMode, r->words());
  if (!v || v->value > static_cast<uint32_t>(mbx::XcastMode::kPromisc)) {
    reset_needed_ = true;
    return std::unexpected(Error{ErrorCode::kProtocol,
                                 fmt::format("UPDATE_XCAST_MODE reply {:#x} does not decode",
                                             r->w[1]),
                                 step});
  }
  return static_cast<mbx::XcastMode>(v->value);
}

std::expected<bool, Error> VfDriver::send_get_link_state(Step step) {
  auto r = request(mbx::GetLinkStateReq{}.encode(),
                   std::max<size_t>(2, reply_len(mbx::MsgId::kGetLinkState)), step);
  if (!r) return std::unexpected(r.error());
  auto v = mbx::ValueReply::decode(mbx::MsgId::kGetLinkState, r->words());
  if (!v) {
    reset_needed_ = true;
    return std::unexpected(
        Error{ErrorCode::kProtocol, "GET_LINK_STATE reply does not decode", step});
  }
  return v->value != 0;
}

}  // namespace vf
