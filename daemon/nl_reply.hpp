#pragma once
// Putting answers on a client's connection: whole netlink messages, one datagram per send, every
// reply carrying its request's sequence number (ctl/protocol.hpp).

#include <linux/netlink.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string_view>
#include <vector>

#include "daemon/request_handler.hpp"
#include "netlink/message.hpp"

namespace simd {

/// Largest datagram a reply may be: well under the 208 KiB a UNIX socket's default send
/// buffer (net.core.wmem_default) lets one SOCK_SEQPACKET datagram have, so a reply is never
/// refused for its size alone. The biggest real ones: GETLINK of 63 VFs with stats (about
/// 19 KiB), "events" (EventJournal::kMaxReplyBytes, 64 KiB), a captured frame (64 KiB).
inline constexpr size_t kMaxReplyDatagram = 128 * 1024;

/// One netlink message of `type` answering `request` (its seq and pid), with `flags` and
/// `payload` after the header, padded to 4 bytes.
std::vector<std::byte> raw_message(const nlmsghdr& request, uint16_t type, uint16_t flags,
                                   std::span<const std::byte> payload);

/// Sends `m` as one datagram. One larger than kMaxReplyDatagram is not sent: the client gets
/// NLMSG_ERROR -EMSGSIZE with the sizes instead (answering `m`'s seq), so it is never left
/// waiting. Returns Connection::send()'s verdict (false after an EMSGSIZE).
bool send_message(Connection& c, const rtnl::Message& m);
/// NLMSG_ERROR for `request`: `error` is 0 (an ACK) or a negative errno, `text` the
/// extended-ACK reason. False when the message could not be built or sent.
bool send_ack(Connection& c, const nlmsghdr& request, int error, std::string_view text = {});
/// NLMSG_DONE ending a dump or a capture for `request`, with `text`.
bool send_done(Connection& c, const nlmsghdr& request, std::string_view text = {});
/// ctl::kMsgReply with `body` as its JSON payload. Invalid UTF-8 in a string is written as
/// U+FFFD (never an exception); a reply past kMaxReplyDatagram is answered -EMSGSIZE as with
/// send_message(). Returns Connection::send()'s verdict (false after an EMSGSIZE).
bool send_json(Connection& c, const nlmsghdr& request, const nlohmann::json& body);

}  // namespace simd
