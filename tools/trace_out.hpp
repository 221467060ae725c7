#pragma once
// Where a tool's trace lines go: `--trace-registers [FILE]` writes to stdout without a FILE (or
// with "-"), else to FILE, created or truncated. Opened before anything else starts, so a
// path that cannot be written fails the tool at once and changes nothing.

#include <cstdio>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

namespace tools {

class TraceOut {
 public:
  /// Errors: "--trace-registers: cannot write FILE: <reason>".
  static std::expected<std::shared_ptr<TraceOut>, std::string> open(const std::string& path);
  ~TraceOut();
  TraceOut(const TraceOut&) = delete;
  TraceOut& operator=(const TraceOut&) = delete;

  /// Writes `text` and a newline.
  void line(std::string_view text);
  bool to_stdout() const { return owned_ == nullptr; }

 private:
  explicit TraceOut(std::FILE* owned) : owned_(owned) {}
  std::FILE* owned_;  // nullptr: stdout
};

}  // namespace tools
