#pragma once
// The ends of an exchange: NLMSG_ERROR (an ACK when its error is 0) and NLMSG_DONE, with the
// extended-ACK text (NLMSGERR_ATTR_MSG) a peer explains its refusal with.

#include <linux/netlink.h>

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "netlink/error.hpp"
#include "netlink/message.hpp"

namespace rtnl {

struct Ack {
  int error = 0;        ///< 0, or a negative errno as the peer sent it
  std::string message;  ///< NLMSGERR_ATTR_MSG, empty when none was sent
  /// NLMSGERR_ATTR_OFFS: where in the request the attribute the peer refused starts.
  std::optional<uint32_t> bad_attr_offset;

  /// Whether `error` is 0 or a negated errno the kernel could send (-4095..-1, MAX_ERRNO);
  /// anything else (a positive value, INT_MIN whose negation overflows) breaks the protocol.
  bool error_is_errno() const { return error <= 0 && error >= -4095; }
};

/// Decodes NLMSG_ERROR: struct nlmsgerr, the request's header (and its payload unless
/// NLM_F_CAPPED), then TLVs when NLM_F_ACK_TLVS. Errors: kMalformed.
std::expected<Ack, Error> parse_ack(const nlmsghdr* msg);
/// Decodes NLMSG_DONE: an optional int error, then TLVs when NLM_F_ACK_TLVS. Errors: kMalformed.
std::expected<Ack, Error> parse_done(const nlmsghdr* msg);

/// The NLMSG_ERROR that answers `request` with `error` (0 or a negative errno), capped (the
/// request's header only) and carrying `text` as NLMSGERR_ATTR_MSG when not empty: what the
/// kernel sends to a socket with NETLINK_CAP_ACK and NETLINK_EXT_ACK set.
/// `text` longer than parse_ack() accepts (4096 bytes) is cut there, at a UTF-8 boundary, so
/// the attribute's 16-bit length never wraps.
std::expected<Message, Error> build_ack(const nlmsghdr& request, int error,
                                        std::string_view text = {});
/// The NLMSG_DONE ending a dump for `request`, with `error` (0 or a negative errno) and text.
std::expected<Message, Error> build_done(const nlmsghdr& request, int error = 0,
                                         std::string_view text = {});

}  // namespace rtnl
