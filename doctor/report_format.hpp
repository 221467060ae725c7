#pragma once
// A report as text for a person or as JSON for a program.

#include <nlohmann/json.hpp>
#include <string>

#include "doctor/check.hpp"

namespace doctor {

/// One line per check, "STATUS name[subject]: finding", the fix indented below a WARN or FAIL,
/// the evidence too when `evidence` is set, and a last line with the verdict and the checks that
/// led to it.
std::string format_text(const Report& r, bool evidence);

/// The verdict line alone: "not ready: 2 failed (iommu, acs[0000:01:00.0]), 1 warning (...), ..."
std::string format_summary(const Report& r);

/// {"root", "verdict", "exit_status", "counts": {pass, warn, fail}, "checks": [{name, subject,
/// status, finding, evidence: [..], fix (null when passed)}]}, keys in that order.
nlohmann::ordered_json to_json(const Report& r);

}  // namespace doctor
