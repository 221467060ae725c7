#pragma once
// Text from outside (a client's link name or op, a guest's words in a PF event) made safe for
// the places the daemon puts it: the event journal (nlohmann::json refuses to dump invalid
// UTF-8, and the log file is read on terminals) and extended-ACK text (parse_ack takes at
// most 4096 bytes). Safe means: valid UTF-8, no control characters, bounded length.

#include <cstddef>
#include <string>
#include <string_view>

namespace simd {

/// Longest journal reason, in bytes, "…" included: bounds the ring (4096 entries) to a few
/// MiB and a log line to what a terminal shows.
inline constexpr size_t kMaxReasonBytes = 512;
/// Longest client-supplied value echoed inside a reason, before quoting and escaping.
inline constexpr size_t kMaxEchoBytes = 64;

/// `in` as valid UTF-8 without control characters: each byte that does not start a valid
/// UTF-8 sequence (overlong forms, surrogates and code points above U+10FFFF included) becomes
/// U+FFFD; tab, newline and carriage return become "\t", "\n", "\r"; other C0 controls and
/// DEL become "\xNN"; C1 controls (U+0080..U+009F, which some terminals obey) become "\u00NN".
/// The result is cut at a character boundary to at most `max_bytes` bytes, ending in "…"
/// (U+2026) when anything was cut; `max_bytes` below 3 is taken as 3. Never throws but
/// std::bad_alloc.
std::string sanitize_text(std::string_view in, size_t max_bytes = kMaxReasonBytes);

/// A client-supplied value for a reason, between single quotes: a backslash goes before
/// each quote and backslash the value holds, then sanitize_text(…, kMaxEchoBytes). So the
/// reader sees where the value ends, and an escape ("\xff" shown as U+FFFD, "\x1b") is
/// never confused with what the client sent. Never throws but std::bad_alloc.
std::string quote_input(std::string_view in);

}  // namespace simd
