#pragma once
// One check's outcome, and the report of a run.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace doctor {

enum class Status : uint8_t { kPass, kWarn, kFail };

/// "PASS", "WARN", "FAIL".
std::string_view to_string(Status s);

/// What a check concluded, from what, and what to do about it.
struct Check {
  std::string name;     // "iommu", "acs", ...
  std::string subject;  // "host", or the physical function's address
  Status status = Status::kPass;
  std::string finding;                // one sentence
  std::vector<std::string> evidence;  // the files read and what they held
  std::string fix;                    // empty when the check passed
};

/// The host as a whole. The numbers are the tool's exit status.
enum class Verdict : uint8_t { kReady = 0, kWarnings = 1, kNotReady = 2 };

/// "ready", "ready with warnings", "not ready".
std::string_view to_string(Verdict v);

struct Report {
  std::string root;  // the directory read as "/"
  std::vector<Check> checks;

  /// Not ready when a check failed, warnings when one warned, else ready.
  Verdict verdict() const;
  size_t count(Status s) const;
  /// The named check for `subject`; nullptr when it did not run.
  const Check* find(std::string_view name, std::string_view subject = "host") const;
};

}  // namespace doctor
