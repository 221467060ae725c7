#include "netlink/error.hpp"

#include <cstring>

namespace rtnl {

std::string_view to_string(ErrorCode c) {
  switch (c) {
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kMalformed:
      return "malformed message";
    case ErrorCode::kRefused:
      return "refused";
    case ErrorCode::kTimeout:
      return "timed out";
    case ErrorCode::kTruncated:
      return "truncated";
    case ErrorCode::kOverrun:
      return "receive overrun";
    case ErrorCode::kInterrupted:
      return "dump interrupted";
    case ErrorCode::kSystem:
      return "system error";
    case ErrorCode::kProtocol:
      return "protocol error";
    case ErrorCode::kClosed:
      return "connection closed";
  }
  return "unknown error";
}

std::string Error::to_string() const {
  // The detail says what went wrong in words; the code is for programs and stands in only
  // when there is no detail.
  std::string out = detail.empty() ? std::string(rtnl::to_string(code)) : detail;
  if (errnum != 0) {
    // strerrorname_np gives the symbol an operator can search for ("EOPNOTSUPP"); the text
    // alone ("Operation not supported") is shared by several errnos.
    const char* name = strerrorname_np(errnum);
    out += fmt::format(": {} ({})", name != nullptr ? name : fmt::format("errno {}", errnum),
                       std::strerror(errnum));
  }
  if (!peer_message.empty()) out += fmt::format(": {}", peer_message);
  return out;
}

Error Error::within(std::string_view what) && {
  detail = detail.empty() ? std::string(what) : fmt::format("{}: {}", what, detail);
  return std::move(*this);
}

}  // namespace rtnl
