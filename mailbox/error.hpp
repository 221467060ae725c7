#pragma once
// Mailbox transport errors.

#include <string_view>

#include <fmt/format.h>

namespace mbx {

enum class Error {
  kLockTimeout,  ///< could not take the buffer lock (the other side holds it)
  kTimeout,      ///< no answer before the deadline; sticky until the next reset (as in Linux)
  kDisabled,     ///< an earlier timeout disabled the mailbox; reset first
  kNoMessage,    ///< nothing pending
  kReset,        ///< the PF is in reset or finished one (RSTI/RSTD)
  kTooLong,      ///< more than 16 words
  kNoDevice,     ///< the register read all-ones: the function is gone
};

std::string_view to_string(Error e);

}  // namespace mbx

template <>
struct fmt::formatter<mbx::Error> : fmt::formatter<std::string_view> {
  auto format(mbx::Error e, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(mbx::to_string(e), ctx);
  }
};
