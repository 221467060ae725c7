#pragma once
// The soak's DURATION argument: "120s", "2m", "30m", "1h", "1500ms"; a bare number is seconds.

#include <chrono>
#include <expected>
#include <string>
#include <string_view>

namespace harness::soak {

/// The longest soak accepted: a day.
inline constexpr std::chrono::seconds kMaxSoakDuration{24 * 3600};

/// Parses a positive whole number followed by an optional unit (ms, s, m, h; none means s),
/// with nothing before or after. Errors (one line naming the text): empty, no digits, junk
/// after the unit, an unknown unit, zero, longer than kMaxSoakDuration.
std::expected<std::chrono::milliseconds, std::string> parse_duration(std::string_view text);

}  // namespace harness::soak
