#include "pf_driver/message_handlers.hpp"

#include <cerrno>

#include "hal/ixgbe/regs_pf.hpp"
#include "mailbox/codec.hpp"
#include "pf_driver/vf_hw.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;

namespace {

template <typename... Args>
std::unexpected<Nack> refuse(EventCode code, fmt::format_string<Args...> f, Args&&... args) {
  Nack n{.code = code, .reason = {}, .word1 = std::nullopt};
  n.reason.format(f, std::forward<Args>(args)...);
  return std::unexpected(std::move(n));
}

/// Decodes `req` as a `Req`, turning a codec error into a decode-error NACK.
template <typename Req>
std::expected<Req, Nack> decode(const mbx::Message& req) {
  auto r = Req::decode(req.words());
  if (!r) return refuse(EventCode::kDecodeError, "malformed: {}", r.error());
  return *r;
}

/// A host MAC belongs to the guest the host pairs it with: a VF may ask for it only when the
/// administrator gave the VF that MAC (set_vf_mac; VfState::pairs_with), never to take
/// another guest's, not even one it had chosen itself before the host added it.
bool host_mac_not_its_own(const PfCore& c, const VfState& s, const hal::MacAddr& mac) {
  return c.rar.is_host(mac) && !s.pairs_with(mac);
}

/// Copies an encoded reply into `reply` (word 0 is rewritten by the service).
void put_reply(mbx::Message& reply, const mbx::Message& encoded) { reply = encoded; }

}  // namespace

HandlerResult handle_set_mac_addr(PfCore& c, hal::VfId vf, const mbx::Message& req,
                                  mbx::Message&) {
  auto r = decode<mbx::SetMacAddrReq>(req);  // zero or multicast: kBadMac
  if (!r) return std::unexpected(r.error());
  VfState& s = c.vf(vf);
  if (s.admin_mac && !s.trusted && r->mac != s.mac) {
    return refuse(EventCode::kRequestRefused,
                  "untrusted VF may not replace the administratively set MAC {} with {}",
                  MacFmt{s.mac}, MacFmt{r->mac});
  }
  if (c.mac_in_use_by_other(r->mac, vf)) {
    return refuse(EventCode::kRequestRefused, "MAC {} is in use by another function",
                  MacFmt{r->mac});
  }
  if (host_mac_not_its_own(c, s, r->mac)) {
    return refuse(EventCode::kRequestRefused,
                  "MAC {} is a host MAC (a guest's failover MAC): only the administrator pairs "
                  "a VF with it",
                  MacFmt{r->mac});
  }
  s.mac = r->mac;
  c.rar.set_primary(vf, s.mac);
  return {};
}

HandlerResult handle_set_multicast(PfCore& c, hal::VfId vf, const mbx::Message& req,
                                   mbx::Message&) {
  auto r = decode<mbx::SetMulticastReq>(req);  // more than 30 hashes: kBadCount
  if (!r) return std::unexpected(r.error());
  for (uint16_t h : r->list()) {
    // Hashes are 12 bits (spec 4c); anything wider is not something a VF driver computes.
    if (h > reg::mta::kHashMask) return refuse(EventCode::kDecodeError, "multicast hash {:#x} wider than 12 bits", h);
  }
  c.mta.set_vf(vf, r->list());
  // The pool accepts multicast that hits the MTA (Linux sets ROMPE whatever the count).
  c.bar0.set_bits(reg::VMOLR(vf.value()), reg::vmolr::kRompe);
  return {};
}

HandlerResult handle_set_vlan(PfCore& c, hal::VfId vf, const mbx::Message& req, mbx::Message&) {
  auto r = decode<mbx::SetVlanReq>(req);  // VID > 4095 or MSGINFO not 0/1: kBadValue
  if (!r) return std::unexpected(r.error());
  const VfState& s = c.vf(vf);
  if (s.port_vlan()) {
    return refuse(EventCode::kRequestRefused,
                  "port VLAN {} (qos {}) is set by the administrator; VF VLANs are refused",
                  s.vlan, s.qos);
  }
  if (!r->add) {
    // VLAN 0 carries untagged and priority-tagged traffic: a VF may not drop it (Linux ACKs
    // and ignores the request).
    if (r->vid != 0) c.vlans.remove(r->vid, vf.value());
    return {};
  }
  if (auto a = c.vlans.add(r->vid, vf.value()); !a) {
    return refuse(EventCode::kRequestRefused, "VLAN {}: VLVF table full (64 VLANs)", r->vid);
  }
  return {};
}

HandlerResult handle_set_lpe(PfCore& c, hal::VfId vf, const mbx::Message& req, mbx::Message&) {
  auto r = decode<mbx::SetLpeReq>(req);
  if (!r) return std::unexpected(r.error());
  const uint32_t frame = r->max_frame;
  if (frame < kEthMinMtu || frame > kMaxJumboFrame) {
    return refuse(EventCode::kRequestRefused, "max frame {} outside {}..{}", frame, kEthMinMtu,
                  kMaxJumboFrame);
  }
  // 82599: the PF and every receiving VF must agree on jumbo, or a VF could be handed a frame
  // larger than its buffers. An API >= 1.1 VF copes with whatever the PF runs; a 1.0 VF only
  // with a standard PF and a standard frame (spec 7, Linux ixgbe_set_vf_lpe).
  VfState& s = c.vf(vf);
  const bool modern = mbx::api_at_least(s.api, mbx::Api::k11) && s.api != mbx::Api::k20;
  const bool ok = (modern && c.pf_jumbo()) ||
                  (!c.pf_jumbo() && frame <= kEthFrameLen + kEthFcs);
  write_rx_enable(c, vf, ok);
  if (!ok) {
    return refuse(EventCode::kRequestRefused,
                  "max frame {} with PF MTU {} and API {}: jumbo mismatch, VF receive disabled",
                  frame, c.opts.mtu, s.api);
  }
  // MAXFRS is shared by every pool: only ever raised, so no other function loses frames.
  const uint32_t cur = c.bar0.read(reg::MAXFRS) >> reg::maxfrs::kMfsShift;
  if (cur < frame) c.bar0.write(reg::MAXFRS, frame << reg::maxfrs::kMfsShift);
  s.max_frame = frame;
  return {};
}

HandlerResult handle_set_macvlan(PfCore& c, hal::VfId vf, const mbx::Message& req,
                                 mbx::Message&) {
  auto r = decode<mbx::SetMacvlanReq>(req);  // index > 0 with an invalid MAC: kBadMac
  if (!r) return std::unexpected(r.error());
  const VfState& s = c.vf(vf);
  if (r->index > 0) {
    if (s.admin_mac && !s.trusted) {
      return refuse(EventCode::kRequestRefused,
                    "MAC filters denied: the administrator set the MAC and the VF is untrusted");
    }
    if (c.mac_in_use_by_other(r->mac, vf)) {
      return refuse(EventCode::kRequestRefused, "MAC {} is in use by another function",
                    MacFmt{r->mac});
    }
    // Never as a filter, not even the VF's own paired MAC: a macvlan outlives the primary
    // MAC it copies, and would keep the host's delivery and the lifted MAC anti-spoof check
    // after the VF moved its primary MAC away.
    if (c.rar.is_host(r->mac)) {
      return refuse(EventCode::kRequestRefused,
                    "MAC filter {}: a host MAC (a guest's failover MAC) is never a VF's filter",
                    MacFmt{r->mac});
    }
    // A VF that receives on several MACs also sends from them: anti-spoof would drop its
    // traffic, so Linux turns it off for this VF (restored at VF reset).
    write_spoofchk(c, vf, false);
  }
  if (r->index <= 1) c.rar.clear_macvlans(vf);  // 0 clears the list, 1 starts a new one
  if (r->index == 0) return {};
  if (auto a = c.rar.add_macvlan(vf, r->mac, c.num_vfs); !a) {
    return refuse(EventCode::kRequestRefused, "MAC filter {} index {}: no spare RAR entry",
                  MacFmt{r->mac}, r->index);
  }
  return {};
}

HandlerResult handle_api_negotiate(PfCore& c, hal::VfId vf, const mbx::Message& req,
                                   mbx::Message&) {
  auto r = decode<mbx::ApiNegotiateReq>(req);  // enum this codec does not know: kBadValue
  if (!r) return std::unexpected(r.error());
  switch (r->api) {
    // The Linux PF's list without 1.6/1.7: this PF has neither GET_PF_LINK_STATE (E610 only)
    // nor FEATURES_NEGOTIATE, and never the 1.5 mailbox (spec 3c).
    case mbx::Api::k10:
    case mbx::Api::k11:
    case mbx::Api::k12:
    case mbx::Api::k13:
    case mbx::Api::k14:
      c.vf(vf).api = r->api;
      c.log(vf, EventCode::kApiNegotiated, "VF {} negotiated mailbox API {}", vf.value(), r->api);
      return {};
    default:
      return refuse(EventCode::kRequestRefused, "API {} not supported (this PF speaks 1.0-1.4)",
                    r->api);
  }
}

HandlerResult handle_get_queues(PfCore& c, hal::VfId vf, const mbx::Message& req,
                                mbx::Message& reply) {
  auto r = decode<mbx::GetQueuesReq>(req);
  if (!r) return std::unexpected(r.error());
  const unsigned q = c.layout.queues_per_pool;
  // No DCB: trans_vlan tells the VF whether the PF inserts/strips a port VLAN for it; the
  // default queue is the pool's first.
  put_reply(reply, mbx::GetQueuesReply{.tx_queues = q, .rx_queues = q,
                                       .trans_vlan = c.vf(vf).port_vlan() ? 1u : 0u,
                                       .default_queue = 0}
                       .encode(true, true));
  return {};
}

HandlerResult handle_get_reta(PfCore& c, hal::VfId vf, const mbx::Message& req,
                              mbx::Message& reply) {
  auto r = decode<mbx::GetRetaReq>(req);
  if (!r) return std::unexpected(r.error());
  if (!c.vf(vf).rss_query) {
    return refuse(EventCode::kRequestRefused, "RSS query not enabled by the administrator");
  }
  mbx::GetRetaReply out;
  for (unsigned i = 0; i < mbx::kRetaEntries; ++i) out.reta[i] = c.rss.reta[i] & reg::reta::kVfEntryMask;
  put_reply(reply, out.encode(true, true));
  return {};
}

HandlerResult handle_get_rss_key(PfCore& c, hal::VfId vf, const mbx::Message& req,
                                 mbx::Message& reply) {
  auto r = decode<mbx::GetRssKeyReq>(req);
  if (!r) return std::unexpected(r.error());
  if (!c.vf(vf).rss_query) {
    return refuse(EventCode::kRequestRefused, "RSS query not enabled by the administrator");
  }
  put_reply(reply, mbx::GetRssKeyReply{.key = c.rss.key}.encode(true, true));
  return {};
}

HandlerResult handle_update_xcast_mode(PfCore& c, hal::VfId vf, const mbx::Message& req,
                                       mbx::Message& reply) {
  auto r = decode<mbx::UpdateXcastModeReq>(req);  // mode > PROMISC: kBadValue
  if (!r) return std::unexpected(r.error());
  VfState& s = c.vf(vf);
  const mbx::XcastMode asked = r->mode;
  if (asked == mbx::XcastMode::kPromisc && !mbx::api_at_least(s.api, mbx::Api::k13)) {
    return refuse(EventCode::kApiTooOld, "xcast promisc needs API 1.3, VF negotiated {}", s.api);
  }
  mbx::XcastMode mode = asked;
  // An untrusted VF gets at most MULTI, silently (ACK with the mode applied): Linux policy.
  const bool downgraded = mode > mbx::XcastMode::kMulti && !s.trusted;
  if (downgraded) mode = mbx::XcastMode::kMulti;
  if (mode == mbx::XcastMode::kPromisc) {
    return refuse(EventCode::kRequestRefused,
                  "unicast promiscuous mode is not available to VFs on the 82599");
  }
  if (mode != s.xcast) {
    write_vmolr_xcast(c, vf, mode);
    s.xcast = mode;
  }
  if (downgraded) {
    c.log(vf, EventCode::kXcastDowngraded, "VF {} is untrusted: xcast {} downgraded to {}",
          vf.value(), asked, mode);
  }
  put_reply(reply, mbx::ValueReply{.id = mbx::MsgId::kUpdateXcastMode,
                                   .value = static_cast<uint32_t>(mode)}
                       .encode(true, true));
  return {};
}

HandlerResult handle_get_link_state(PfCore& c, hal::VfId vf, const mbx::Message& req,
                                    mbx::Message& reply) {
  auto r = decode<mbx::GetLinkStateReq>(req);
  if (!r) return std::unexpected(r.error());
  // The administrator's link enable, not the wire (spec 4b): a disabled VF sees link down.
  put_reply(reply, mbx::ValueReply{.id = mbx::MsgId::kGetLinkState,
                                   .value = c.vf(vf).link_enable ? 1u : 0u}
                       .encode(true, true));
  return {};
}

HandlerResult handle_ipsec(PfCore&, hal::VfId, const mbx::Message& req, mbx::Message&) {
  auto nack = refuse(EventCode::kRequestRefused, "{}: this PF has no IPsec offload for VFs",
                     static_cast<mbx::MsgId>(req.id()));
  // Word 1 of a refused IPsec request is an errno, as Linux ixgbe answers an untrusted VF or
  // one without IPsec offload (-EACCES); ixgbevf reads it to tell the user why.
  nack.error().word1 = static_cast<uint32_t>(-EACCES);
  return nack;
}

HandlerResult handle_unsupported(PfCore&, hal::VfId, const mbx::Message& req, mbx::Message&) {
  return refuse(EventCode::kRequestRefused, "{} is not served by this PF",
                static_cast<mbx::MsgId>(req.id()));
}

}  // namespace pf
