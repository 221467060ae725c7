#include "pf_driver/errors.hpp"

namespace pf {

std::string_view to_string(ErrorCode c) {
  switch (c) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNoSuchVf: return "no such VF";
    case ErrorCode::kBusy: return "busy";
    case ErrorCode::kNotSupported: return "not supported";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kNoDevice: return "no device";
    case ErrorCode::kLinkDown: return "link down";
    case ErrorCode::kNoSpace: return "no space";
    case ErrorCode::kNotInitialized: return "not initialized";
  }
  return "unknown error";
}

}  // namespace pf
