#include "daemon/errno_map.hpp"

#include <cerrno>

namespace simd {

int to_errno(pf::ErrorCode code) {
  switch (code) {
    case pf::ErrorCode::kInvalidArgument:
    case pf::ErrorCode::kNoSuchVf:
    case pf::ErrorCode::kLinkDown:
      return EINVAL;
    case pf::ErrorCode::kBusy:
      return EBUSY;
    case pf::ErrorCode::kNoSpace:
      return ENOSPC;
    case pf::ErrorCode::kNotSupported:
      return EOPNOTSUPP;
    case pf::ErrorCode::kTimeout:
      return ETIMEDOUT;
    case pf::ErrorCode::kNoDevice:
      return ENODEV;
    case pf::ErrorCode::kNotInitialized:
      return ENETDOWN;
  }
  return EINVAL;
}

}  // namespace simd
