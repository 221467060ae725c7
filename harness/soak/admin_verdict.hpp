#pragma once
// How the soak judges the PF's answer to an administrative call. Every setting the soak gives
// as valid is valid for the PF in any state it can be in (MACs under the soak's own prefix,
// port VLANs 0..3 in a 64-entry VLVF, rates inside the link), so a refusal of one is a
// violation, never a note; a mistake (BadAdmin) must be refused, with its own error code.

#include <expected>
#include <optional>
#include <string>

#include "harness/soak/op_picker.hpp"
#include "pf_driver/errors.hpp"

namespace harness::soak {

/// The error code the PF must refuse `bad` with.
pf::ErrorCode expected_refusal(BadAdmin bad);

/// The violation in the PF's answer `r` to `op` (an admin kind, or kBadAdmin), as one line
/// without the iteration ("mac vf 3 0a:50:... refused: <reason> (busy)"); nullopt when the
/// answer is right: accepted for a valid setting, refused with expected_refusal() for a mistake.
std::optional<std::string> judge_admin(const Op& op, const std::expected<void, pf::Refusal>& r);

}  // namespace harness::soak
