#include "harness/soak/admin_verdict.hpp"

#include <fmt/format.h>

namespace harness::soak {

pf::ErrorCode expected_refusal(BadAdmin bad) {
  switch (bad) {
    case BadAdmin::kNoSuchVf: return pf::ErrorCode::kNoSuchVf;
    case BadAdmin::kOtherVfsMac: return pf::ErrorCode::kBusy;
    case BadAdmin::kMulticastMac:
    case BadAdmin::kVlanTooBig:
    case BadAdmin::kQosTooBig:
    case BadAdmin::kRateTooLow:
    case BadAdmin::kRateTooHigh: break;
  }
  return pf::ErrorCode::kInvalidArgument;
}

std::optional<std::string> judge_admin(const Op& op, const std::expected<void, pf::Refusal>& r) {
  if (op.kind != OpKind::kBadAdmin) {
    if (r) return std::nullopt;
    return fmt::format("{} refused: {} ({})", describe(op), r.error().reason,
                       pf::to_string(r.error().code));
  }
  if (r) return fmt::format("{} was accepted", describe(op));
  const pf::ErrorCode want = expected_refusal(op.bad);
  if (r.error().code == want) return std::nullopt;
  return fmt::format("{} refused with {}, expected {} ({})", describe(op),
                     pf::to_string(r.error().code), pf::to_string(want), r.error().reason);
}

}  // namespace harness::soak
