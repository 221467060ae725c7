#include "vf_driver/error.hpp"

namespace vf {

std::string_view to_string(ErrorCode c) {
  switch (c) {
    case ErrorCode::kNoDevice: return "no device";
    case ErrorCode::kResetTimeout: return "reset timeout";
    case ErrorCode::kPfNotReady: return "PF not ready";
    case ErrorCode::kTimeout: return "mailbox timeout";
    case ErrorCode::kMailboxDisabled: return "mailbox disabled";
    case ErrorCode::kMailboxBusy: return "mailbox busy";
    case ErrorCode::kPfReset: return "PF reset";
    case ErrorCode::kRefused: return "refused by the PF";
    case ErrorCode::kNotClearToSend: return "not clear to send";
    case ErrorCode::kProtocol: return "protocol error";
    case ErrorCode::kNotSupported: return "not supported";
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotUp: return "not up";
  }
  return "unknown";
}

std::string_view to_string(Step s) {
  switch (s) {
    case Step::kNone: return "-";
    case Step::kStop: return "stop";
    case Step::kReset: return "reset";
    case Step::kPfReady: return "pf-ready";
    case Step::kInterrupts: return "interrupts";
    case Step::kVfReset: return "VF_RESET";
    case Step::kSetMac: return "SET_MAC_ADDR";
    case Step::kApiNegotiate: return "API_NEGOTIATE";
    case Step::kGetQueues: return "GET_QUEUES";
    case Step::kRestore: return "restore";
    case Step::kLink: return "link";
    case Step::kRequest: return "request";
  }
  return "unknown";
}

std::string to_string(const Error& e) {
  return fmt::format("{}: {}: {}", to_string(e.step), to_string(e.code), e.detail);
}

}  // namespace vf
