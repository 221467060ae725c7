#pragma once
// A check in progress: it reads through the probe, which writes down what it saw as evidence,
// and ends with a verdict.

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "doctor/check.hpp"
#include "doctor/fs.hpp"

namespace doctor {

/// Every read records one evidence line, "path: value" or "path: missing". Move-only by use:
/// the verdict functions consume it.
class Probe {
 public:
  Probe(const Fs &fs, std::string name, std::string subject = "host");

  std::optional<std::string> line(std::string_view path);
  std::optional<int64_t> integer(std::string_view path);
  /// Directory entries; the evidence shows the first few and how many.
  std::vector<std::string> list(std::string_view path);
  /// The last component of a link's target ("ixgbe" for a driver link).
  std::optional<std::string> link(std::string_view path);
  bool exists(std::string_view path);

  /// An evidence line for something the check worked out rather than read.
  template <typename... Args>
  void note(fmt::format_string<Args...> f, Args &&...args) {
    evidence_.push_back(fmt::format(f, std::forward<Args>(args)...));
  }

  Check pass(std::string finding) &&;
  Check warn(std::string finding, std::string fix) &&;
  Check fail(std::string finding, std::string fix) &&;
  Check conclude(Status status, std::string finding, std::string fix) &&;

 private:
  const Fs &fs_;
  std::string name_;
  std::string subject_;
  std::vector<std::string> evidence_;
};

/// "a, b and c" for a finding.
std::string join_words(const std::vector<std::string> &words, std::string_view last_sep = " and ");

}  // namespace doctor
