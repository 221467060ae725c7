#pragma once
// Why an rtnetlink request or reply failed: a stable code, the errno where one exists, and
// enough words to act on.

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>

namespace rtnl {

/// Append-only: tools print and match them.
enum class ErrorCode {
  kInvalidArgument = 1,  ///< a request that cannot be encoded (no change, a name too long)
  kMalformed = 2,        ///< bytes that break the uapi layout (short struct, attribute overrun)
  kRefused = 3,          ///< the peer (kernel or daemon) answered NLMSG_ERROR; errnum says why
  kTimeout = 4,          ///< no reply within the transport's timeout
  kTruncated = 5,        ///< a datagram was cut short on receive
  kOverrun = 6,          ///< the receive queue overflowed (ENOBUFS): replies were lost
  kInterrupted = 7,      ///< a dump stayed inconsistent (NLM_F_DUMP_INTR) after every retry
  kSystem = 8,           ///< a socket call failed; errnum is its errno
  kProtocol = 9,         ///< a reply that does not belong to the exchange (wrong type, no end)
  kClosed = 10,          ///< the peer closed a connected socket
};

std::string_view to_string(ErrorCode c);

struct Error {
  explicit Error(ErrorCode c, int err = 0, std::string what = {}, std::string peer = {})
      : code(c), errnum(err), detail(std::move(what)), peer_message(std::move(peer)) {}

  ErrorCode code;
  /// Positive errno: the peer's (kRefused) or the failed call's (kSystem, kOverrun); else 0.
  int errnum = 0;
  /// What went wrong, in words, outermost context first: "RTM_SETLINK dev lo: refused by the
  /// kernel", "RTM_NEWLINK ifindex 4: malformed IFLA_VF_INFO #3: IFLA_VF_MAC: 20 byte(s), needs
  /// 36".
  std::string detail;
  /// The peer's own explanation (NLMSGERR_ATTR_MSG of an extended ACK), when it sent one.
  std::string peer_message;

  /// One line: the detail (the code's name when there is none), the errno's name and text,
  /// then the peer's words.
  std::string to_string() const;
  /// The same error with `what` put in front of its detail ("RTM_GETLINK dev eth0: ...").
  Error within(std::string_view what) &&;
};

}  // namespace rtnl

template <>
struct fmt::formatter<rtnl::ErrorCode> : fmt::formatter<std::string_view> {
  auto format(rtnl::ErrorCode c, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(rtnl::to_string(c), ctx);
  }
};
template <>
struct fmt::formatter<rtnl::Error> : fmt::formatter<std::string_view> {
  auto format(const rtnl::Error& e, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(e.to_string(), ctx);
  }
};
