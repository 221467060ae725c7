#include "mailbox/error.hpp"

namespace mbx {

std::string_view to_string(Error e) {
  switch (e) {
    case Error::kLockTimeout: return "mailbox lock timeout";
    case Error::kTimeout: return "mailbox timeout";
    case Error::kDisabled: return "mailbox disabled after a timeout";
    case Error::kNoMessage: return "no mailbox message";
    case Error::kReset: return "PF reset";
    case Error::kTooLong: return "message longer than 16 words";
    case Error::kNoDevice: return "no device";
  }
  return "unknown mailbox error";
}

}  // namespace mbx
