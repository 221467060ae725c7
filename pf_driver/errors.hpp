#pragma once
// Why the PF driver refused an administrative call: a stable code and a human reason.

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace pf {

/// Refusal codes of the PF driver's cold-path API. Append-only: tools print and match them.
enum class ErrorCode {
  kInvalidArgument = 1,  ///< a value out of range (MAC, VLAN, QoS, rate, MTU, VF count)
  kNoSuchVf = 2,         ///< the VF index is not below num_vfs()
  kBusy = 3,             ///< not allowed in the current state (sysfs EBUSY)
  kNotSupported = 4,     ///< the device or this driver does not offer it
  kTimeout = 5,          ///< the hardware did not reach the expected state in time
  kNoDevice = 6,         ///< the device is gone or lacks a required capability
  kLinkDown = 7,         ///< needs the link up (at 10 Gb/s for rate limits)
  kNoSpace = 8,          ///< a hardware table (RAR, VLVF) is full
  kNotInitialized = 9,   ///< init() has not succeeded yet
};

std::string_view to_string(ErrorCode c);

/// A refused call: what kind of refusal and why, in words an operator understands.
struct Refusal {
  ErrorCode code;
  std::string reason;
};

}  // namespace pf

template <>
struct fmt::formatter<pf::ErrorCode> : fmt::formatter<std::string_view> {
  auto format(pf::ErrorCode c, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(pf::to_string(c), ctx);
  }
};
