#include "pf_driver/event_log.hpp"

#include <algorithm>

namespace pf {

std::string_view to_string(EventCode c) {
  switch (c) {
    case EventCode::kPfInit: return "pf-init";
    case EventCode::kPfInitFailed: return "pf-init-failed";
    case EventCode::kPfReset: return "pf-reset";
    case EventCode::kVfsEnabled: return "vfs-enabled";
    case EventCode::kVfsDisabled: return "vfs-disabled";
    case EventCode::kVfFlr: return "vf-flr";
    case EventCode::kVfReset: return "vf-reset";
    case EventCode::kApiNegotiated: return "api-negotiated";
    case EventCode::kRequestRefused: return "request-refused";
    case EventCode::kPolicyRefused: return "policy-refused";
    case EventCode::kDecodeError: return "decode-error";
    case EventCode::kUnknownMessage: return "unknown-message";
    case EventCode::kNotClearToSend: return "not-clear-to-send";
    case EventCode::kApiTooOld: return "api-too-old";
    case EventCode::kXcastDowngraded: return "xcast-downgraded";
    case EventCode::kAdminMac: return "admin-mac";
    case EventCode::kAdminVlan: return "admin-vlan";
    case EventCode::kAdminSpoofchk: return "admin-spoofchk";
    case EventCode::kAdminTrust: return "admin-trust";
    case EventCode::kAdminLinkState: return "admin-link-state";
    case EventCode::kAdminRate: return "admin-rate";
    case EventCode::kAdminRssQuery: return "admin-rss-query";
    case EventCode::kAdminRefused: return "admin-refused";
    case EventCode::kMailboxError: return "mailbox-error";
    case EventCode::kLinkChange: return "link-change";
    case EventCode::kRateLimitsCleared: return "rate-limits-cleared";
    case EventCode::kMacInUse: return "mac-in-use";
    case EventCode::kReplyBitsFromVf: return "reply-bits-from-vf";
    case EventCode::kSpoofedFrames: return "spoofed-frames";
    case EventCode::kMailboxRateLimited: return "mailbox-rate-limited";
    case EventCode::kMailboxFloodDisabled: return "mailbox-flood-disabled";
    case EventCode::kMailboxFloodCleared: return "mailbox-flood-cleared";
    case EventCode::kVfEventsLeftOut: return "vf-events-left-out";
    case EventCode::kPfStopped: return "pf-stopped";
    case EventCode::kHostMacAdd: return "host-mac-add";
    case EventCode::kHostMacDel: return "host-mac-del";
    case EventCode::kMacAntispoofLifted: return "mac-antispoof-lifted";
    case EventCode::kMacAntispoofRestored: return "mac-antispoof-restored";
  }
  return "unknown-event";
}

void ReasonText::assign(std::string_view text) {
  len_ = static_cast<uint8_t>(std::min(text.size(), kCapacity));
  std::copy_n(text.data(), len_, buf_.data());
}

EventLog::EventLog(size_t capacity) : ring_(std::max<size_t>(capacity, 1)) {}

const Event& EventLog::operator[](size_t i) const {
  // Once the ring has wrapped, the oldest event sits where the next one will be written.
  const size_t oldest = total_ < ring_.size() ? 0 : static_cast<size_t>(total_ % ring_.size());
  return ring_[(oldest + i) % ring_.size()];
}

size_t EventLog::count(EventCode code, std::optional<hal::VfId> vf) const {
  size_t n = 0;
  for (size_t i = 0; i < size(); ++i) {
    const Event& e = (*this)[i];
    if (e.code == code && (!vf || e.vf == vf)) ++n;
  }
  return n;
}

const Event* EventLog::find_last(EventCode code, std::optional<hal::VfId> vf) const {
  for (size_t i = size(); i-- > 0;) {
    const Event& e = (*this)[i];
    if (e.code == code && (!vf || e.vf == vf)) return &e;
  }
  return nullptr;
}

const Event& EventLog::record_text(hal::Nanos time, std::optional<hal::VfId> vf, EventCode code,
                                   std::string_view reason) {
  if (!admit(time, vf, code)) return left_out_event_;
  Event& e = next_slot(time, vf, code);
  e.reason.assign(reason);
  return publish(e);
}

bool EventLog::admit(hal::Nanos time, std::optional<hal::VfId> vf, EventCode code) {
  if (gate_ == nullptr || gate_(gate_ctx_, time, vf, code)) return true;
  ++left_out_;
  left_out_event_.time = time;
  left_out_event_.vf = vf;
  left_out_event_.code = code;
  return false;
}

Event& EventLog::next_slot(hal::Nanos time, std::optional<hal::VfId> vf, EventCode code) {
  Event& e = ring_[static_cast<size_t>(total_ % ring_.size())];
  e.seq = total_++;
  e.time = time;
  e.vf = vf;
  e.code = code;
  return e;
}

const Event& EventLog::publish(const Event& e) {
  if (listener_) listener_(e);
  return e;
}

}  // namespace pf
