#pragma once
// One handler per VF request (spec 4b, 7): each validates every field of the request, applies
// the Linux ixgbe PF policy and fills the reply. The mailbox service has already checked
// clear-to-send and the negotiated API, and sets word 0 (ACK/NACK, CTS) itself.
// No handler allocates or sleeps.

#include <expected>
#include <optional>

#include "hal/types.hpp"
#include "mailbox/message.hpp"
#include "pf_driver/event_log.hpp"
#include "pf_driver/pf_core.hpp"

namespace pf {

/// Why a handler NACKs: the event to record and its reason, and what word 1 of the NACK
/// carries when the protocol gives it a meaning (an errno for IPsec, as Linux sends).
struct Nack {
  EventCode code = EventCode::kRequestRefused;
  ReasonText reason;
  std::optional<uint32_t> word1;
};
using HandlerResult = std::expected<void, Nack>;

/// A request handler. `req` is the 16-word buffer read from the VF; `reply` starts as a copy
/// of it sized to the reply length, and the handler overwrites what it answers.
using Handler = HandlerResult (*)(PfCore& c, hal::VfId vf, const mbx::Message& req,
                                  mbx::Message& reply);

HandlerResult handle_set_mac_addr(PfCore&, hal::VfId, const mbx::Message&, mbx::Message&);
HandlerResult handle_set_multicast(PfCore&, hal::VfId, const mbx::Message&, mbx::Message&);
HandlerResult handle_set_vlan(PfCore&, hal::VfId, const mbx::Message&, mbx::Message&);
HandlerResult handle_set_lpe(PfCore&, hal::VfId, const mbx::Message&, mbx::Message&);
HandlerResult handle_set_macvlan(PfCore&, hal::VfId, const mbx::Message&, mbx::Message&);
HandlerResult handle_api_negotiate(PfCore&, hal::VfId, const mbx::Message&, mbx::Message&);
HandlerResult handle_get_queues(PfCore&, hal::VfId, const mbx::Message&, mbx::Message&);
HandlerResult handle_get_reta(PfCore&, hal::VfId, const mbx::Message&, mbx::Message&);
HandlerResult handle_get_rss_key(PfCore&, hal::VfId, const mbx::Message&, mbx::Message&);
HandlerResult handle_update_xcast_mode(PfCore&, hal::VfId, const mbx::Message&, mbx::Message&);
HandlerResult handle_get_link_state(PfCore&, hal::VfId, const mbx::Message&, mbx::Message&);
/// IPSEC_ADD / IPSEC_DEL: this PF has no IPsec offload, so always NACK with the reason.
HandlerResult handle_ipsec(PfCore&, hal::VfId, const mbx::Message&, mbx::Message&);
/// Known ids this PF never serves (GET_PF_LINK_STATE, FEATURES_NEGOTIATE): NACK.
HandlerResult handle_unsupported(PfCore&, hal::VfId, const mbx::Message&, mbx::Message&);

}  // namespace pf
