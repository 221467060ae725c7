#include "harness/host_options.hpp"

namespace harness {

std::string_view to_string(Mode m) {
  switch (m) {
    case Mode::kStepped: return "stepped";
    case Mode::kInline: return "inline";
    case Mode::kThreaded: return "threaded";
  }
  return "unknown";
}

std::optional<Mode> parse_mode(std::string_view s) {
  if (s == "stepped") return Mode::kStepped;
  if (s == "inline") return Mode::kInline;
  if (s == "threaded") return Mode::kThreaded;
  return std::nullopt;
}

}  // namespace harness
