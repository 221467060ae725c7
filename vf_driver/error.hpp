#pragma once
// Errors of the VF driver's control plane: what went wrong and at which bring-up step.

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace vf {

/// What went wrong. Transport failures (kTimeout, kPfReset, kNotClearToSend, kProtocol) also
/// schedule a reset: the next service() call re-runs the bring-up.
enum class ErrorCode {
  kNoDevice,         ///< a register read all-ones: the function is gone (VF disabled, removed)
  kResetTimeout,     ///< no reset indication (RSTD/RSTI) after VFCTRL.RST within reset_timeout
  kPfNotReady,       ///< RSTI (PF not ready) did not clear in time
  kTimeout,          ///< the PF did not answer; the mailbox is disabled until the next reset
  kMailboxDisabled,  ///< an earlier timeout disabled the mailbox; a reset re-arms it
  kMailboxBusy,      ///< the PF held the mailbox lock for the whole lock timeout
  kPfReset,          ///< a PF reset (RSTI/RSTD) ended the exchange; unlike kTimeout the
                     ///< mailbox stays enabled
  kRefused,          ///< the PF answered NACK (with CTS): the request was refused
  kNotClearToSend,   ///< a reply without CTS: the PF lost this VF's state
  kProtocol,         ///< a reply for another request, or one that does not decode
  kNotSupported,     ///< the negotiated API (or the function) does not offer this
  kInvalidArgument,  ///< the caller's argument is out of range
  kNotUp,            ///< the driver is not up; the setting is kept and applied by the next bring-up
};

/// Which step of the bring-up (or which runtime request) failed.
enum class Step {
  kNone,          ///< not tied to a step
  kStop,          ///< stopping queues, masking interrupts
  kReset,         ///< VFCTRL.RST and waiting for the reset indication
  kPfReady,       ///< waiting while RSTI says the PF is not ready
  kInterrupts,    ///< programming VFIVAR_MISC/VFEIMS
  kVfReset,       ///< the VF_RESET exchange
  kSetMac,        ///< SET_MAC_ADDR (own or random MAC at bring-up, or set_mac())
  kApiNegotiate,  ///< API_NEGOTIATE
  kGetQueues,     ///< GET_QUEUES
  kRestore,       ///< replaying the user's configuration (multicast, VLANs, MTU, xcast)
  kLink,          ///< VFLINKS and GET_LINK_STATE
  kRequest,       ///< a runtime request (set_multicast, add_vlan, set_mtu, ...)
};

struct Error {
  ErrorCode code;
  std::string detail;
  Step step = Step::kNone;
};

std::string_view to_string(ErrorCode c);
std::string_view to_string(Step s);
/// "<step>: <code>: <detail>" for logs.
std::string to_string(const Error& e);

}  // namespace vf

template <>
struct fmt::formatter<vf::ErrorCode> : fmt::formatter<std::string_view> {
  auto format(vf::ErrorCode c, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(vf::to_string(c), ctx);
  }
};
template <>
struct fmt::formatter<vf::Step> : fmt::formatter<std::string_view> {
  auto format(vf::Step s, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(vf::to_string(s), ctx);
  }
};
template <>
struct fmt::formatter<vf::Error> : fmt::formatter<std::string_view> {
  auto format(const vf::Error& e, format_context& ctx) const {
    return fmt::formatter<std::string_view>::format(vf::to_string(e), ctx);
  }
};
