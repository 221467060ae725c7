#pragma once
// sriovkit's own requests to a daemon (ctl/protocol.hpp): JSON in, JSON or an ACK out.

#include <expected>
#include <functional>
#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ctl/protocol.hpp"
#include "netlink/error.hpp"
#include "netlink/transport.hpp"

namespace ctl {

/// Deepest nesting of arrays and objects a reply may have; no daemon reply comes near it.
inline constexpr size_t kMaxReplyDepth = 64;

/// Sends {"op": op, ...args} as kMsgRequest and waits for its end: a kMsgReply (returned), an
/// ACK (returns an empty object), or NLMSG_ERROR with an errno (kRefused, errnum and
/// peer_message set: the daemon's reason). Errors: kProtocol (another message type, a reply
/// that is not a JSON object or nests deeper than kMaxReplyDepth, an NLMSG_ERROR or
/// NLMSG_DONE whose error is not 0 or -4095..-1), kMalformed, and the transport's.
std::expected<nlohmann::json, rtnl::Error> request(rtnl::Transport& t, std::string_view op,
                                                   nlohmann::json args = nlohmann::json::object());

/// One captured frame as the daemon sent it.
struct CapturedFrame {
  uint64_t time_ns = 0;
  uint32_t orig_len = 0;
  FrameDirection direction = FrameDirection::kInbound;
  std::span<const std::byte> bytes;  ///< valid during the callback only
};

/// Result of a capture that ended.
struct CaptureEnd {
  uint64_t frames = 0;   ///< frames handed to the callback
  uint64_t dropped = 0;  ///< frames the daemon could not send (its "dropped N")
};

/// Starts a capture ({"op": "capture", ...args}), calls `on_start` with the kMsgReply, then
/// `on_frame` per kMsgFrame until NLMSG_DONE, or until `on_frame` returns false (the caller
/// then closes the transport to stop the daemon's side). Errors: as request().
std::expected<CaptureEnd, rtnl::Error> capture(
    rtnl::Transport& t, nlohmann::json args,
    const std::function<void(const nlohmann::json&)>& on_start,
    const std::function<bool(const CapturedFrame&)>& on_frame);

}  // namespace ctl
