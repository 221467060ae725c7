#pragma once
// One request and all of its replies, over any Transport.

#include <expected>
#include <vector>

#include "netlink/error.hpp"
#include "netlink/message.hpp"
#include "netlink/transport.hpp"

namespace rtnl {

struct Replies {
  /// The data messages (RTM_NEWLINK, ...) in the order they came, over every datagram.
  std::vector<Message> messages;
  /// A dump message carried NLM_F_DUMP_INTR: the set changed while it was dumped, so the
  /// result may mix old and new state. Dumping again gives a consistent one.
  bool dump_interrupted = false;
};

/// Stamps `request` with the transport's next sequence number, sends it, and collects the
/// replies carrying that number up to the end of the exchange: NLMSG_DONE for a dump
/// (NLM_F_DUMP), the ACK for a request with NLM_F_ACK, otherwise the first reply. Replies with
/// another sequence number (the tail of an earlier, abandoned exchange) are skipped, as are
/// NLMSG_NOOPs. Errors: kRefused when the peer answers NLMSG_ERROR, or ends a dump with
/// NLMSG_DONE, carrying a negative errno (errnum is that errno, peer_message its extended-ACK
/// text); kMalformed for a datagram whose messages overrun it or a bad NLMSG_ERROR/DONE;
/// kProtocol for an NLMSG_ERROR/DONE whose error is not 0 or an errno (outside -4095..-1);
/// kOverrun for NLMSG_OVERRUN; and the transport's errors.
std::expected<Replies, Error> exchange(Transport& t, Message& request);

}  // namespace rtnl
