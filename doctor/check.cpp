#include "doctor/check.hpp"

#include <algorithm>

namespace doctor {

std::string_view to_string(Status s) {
  switch (s) {
    case Status::kPass:
      return "PASS";
    case Status::kWarn:
      return "WARN";
    case Status::kFail:
      return "FAIL";
  }
  return "?";
}

std::string_view to_string(Verdict v) {
  switch (v) {
    case Verdict::kReady:
      return "ready";
    case Verdict::kWarnings:
      return "ready with warnings";
    case Verdict::kNotReady:
      return "not ready";
  }
  return "?";
}

Verdict Report::verdict() const {
  if (count(Status::kFail) > 0) return Verdict::kNotReady;
  if (count(Status::kWarn) > 0) return Verdict::kWarnings;
  return Verdict::kReady;
}

size_t Report::count(Status s) const {
  return static_cast<size_t>(
      std::count_if(checks.begin(), checks.end(), [s](const Check& c) { return c.status == s; }));
}

const Check* Report::find(std::string_view name, std::string_view subject) const {
  const auto it = std::find_if(checks.begin(), checks.end(), [&](const Check& c) {
    return c.name == name && c.subject == subject;
  });
  return it == checks.end() ? nullptr : &*it;
}

}  // namespace doctor
