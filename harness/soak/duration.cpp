#include "harness/soak/duration.hpp"

#include <cstdint>

#include <fmt/format.h>

namespace harness::soak {

std::expected<std::chrono::milliseconds, std::string> parse_duration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return std::unexpected(fmt::format(
        "bad duration '{}': {} (a whole number with s, m, h or ms, e.g. 120s, 2m, 30m)", text,
        why));
  };
  size_t i = 0;
  uint64_t value = 0;
  // Digits, bounded well before overflow: anything past the limit is refused below anyway.
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (value <= 1'000'000'000'000ull) value = value * 10 + static_cast<uint64_t>(text[i] - '0');
    ++i;
  }
  if (text.empty()) return bad("empty");
  if (i == 0) return bad("no number");
  const std::string_view unit = text.substr(i);
  uint64_t ms_per = 0;
  if (unit.empty() || unit == "s") {
    ms_per = 1000;
  } else if (unit == "ms") {
    ms_per = 1;
  } else if (unit == "m") {
    ms_per = 60'000;
  } else if (unit == "h") {
    ms_per = 3'600'000;
  } else {
    return bad("unknown unit");
  }
  if (value == 0) return bad("zero");
  const uint64_t max_ms =
      static_cast<uint64_t>(std::chrono::milliseconds(kMaxSoakDuration).count());
  if (value > max_ms / ms_per) return bad("longer than a day");
  return std::chrono::milliseconds(static_cast<int64_t>(value * ms_per));
}

}  // namespace harness::soak
