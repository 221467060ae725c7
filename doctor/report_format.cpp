#include "doctor/report_format.hpp"

#include <fmt/format.h>

#include "doctor/probe.hpp"

namespace doctor {

namespace {

constexpr std::string_view kIndent = "     ";

std::string label(const Check& c) {
  return c.subject == "host" ? c.name : fmt::format("{}[{}]", c.name, c.subject);
}

std::string names_with(const Report& r, Status s) {
  std::vector<std::string> names;
  for (const auto& c : r.checks) {
    if (c.status == s) names.push_back(label(c));
  }
  return join_words(names, ", ");
}

std::string counted(size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace

std::string format_summary(const Report& r) {
  const size_t fail = r.count(Status::kFail), warn = r.count(Status::kWarn),
               pass = r.count(Status::kPass);
  std::vector<std::string> parts;
  if (fail > 0) parts.push_back(fmt::format("{} failed ({})", fail, names_with(r, Status::kFail)));
  if (warn > 0) {
    parts.push_back(
        fmt::format("{} ({})", counted(warn, "warning", "warnings"), names_with(r, Status::kWarn)));
  }
  parts.push_back(fmt::format("{} passed", pass));
  return fmt::format("{}: {}", to_string(r.verdict()), join_words(parts, ", "));
}

std::string format_text(const Report& r, bool evidence) {
  std::string out;
  for (const auto& c : r.checks) {
    out += fmt::format("{} {}: {}\n", to_string(c.status), label(c), c.finding);
    if (!c.fix.empty()) out += fmt::format("{}fix: {}\n", kIndent, c.fix);
    if (evidence) {
      for (const auto& e : c.evidence) out += fmt::format("{}| {}\n", kIndent, e);
    }
  }
  out += format_summary(r) + "\n";
  return out;
}

nlohmann::ordered_json to_json(const Report& r) {
  using Json = nlohmann::ordered_json;
  Json checks = Json::array();
  for (const auto& c : r.checks) {
    checks.push_back({
        {"name", c.name},
        {"subject", c.subject},
        {"status", to_string(c.status)},
        {"finding", c.finding},
        {"evidence", c.evidence},
        {"fix", c.fix.empty() ? Json(nullptr) : Json(c.fix)},
    });
  }
  return {
      {"root", r.root},
      {"verdict", to_string(r.verdict())},
      {"exit_status", static_cast<int>(r.verdict())},
      {"counts",
       {{"pass", r.count(Status::kPass)},
        {"warn", r.count(Status::kWarn)},
        {"fail", r.count(Status::kFail)}}},
      {"checks", std::move(checks)},
  };
}

}  // namespace doctor
