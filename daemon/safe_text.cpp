#include "daemon/safe_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace simd {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026

bool is_cont(uint8_t b) { return (b & 0xC0) == 0x80; }

/// Length of the valid UTF-8 sequence at the start of `s`, or 0 when it is not one. The
/// second byte's range rules out overlong forms, surrogates and code points past U+10FFFF.
size_t utf8_length(std::string_view s) {
  const auto at = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const uint8_t b = at(0);
  if (b < 0x80) return 1;
  size_t n = 0;
  uint8_t lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) {
    n = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    n = 3;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    n = 4;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < n || at(1) < lo || at(1) > hi) return 0;
  for (size_t i = 2; i < n; ++i) {
    if (!is_cont(at(i))) return 0;
  }
  return n;
}

/// How one character of `s` (its first `len` bytes, len 0 for an invalid byte) is written.
std::string piece_of(std::string_view s, size_t len) {
  if (len == 0) return std::string(kReplacement);
  const auto b = static_cast<uint8_t>(s[0]);
  if (len == 1) {
    switch (b) {
      case '\t':
        return "\\t";
      case '\n':
        return "\\n";
      case '\r':
        return "\\r";
      default:
        break;
    }
    if (b < 0x20 || b == 0x7F) return fmt::format("\\x{:02x}", b);
    return std::string(1, static_cast<char>(b));
  }
  // U+0080..U+009F are C2 80..C2 9F.
  if (len == 2 && b == 0xC2 && static_cast<uint8_t>(s[1]) <= 0x9F) {
    return fmt::format("\\u00{:02x}", static_cast<uint8_t>(s[1]));
  }
  return std::string(s.substr(0, len));
}

}  // namespace

std::string sanitize_text(std::string_view in, size_t max_bytes) {
  if (max_bytes < kEllipsis.size()) max_bytes = kEllipsis.size();
  std::string out;
  out.reserve(std::min(in.size(), max_bytes) + kEllipsis.size());
  // Where to cut should the text not fit: the last character boundary that leaves room for
  // the ellipsis (an escape is never cut in half).
  size_t cut = 0;
  size_t i = 0;
  while (i < in.size()) {
    const size_t len = utf8_length(in.substr(i));
    const std::string piece = piece_of(in.substr(i), len);
    if (out.size() + piece.size() > max_bytes) {
      out.resize(cut);
      out += kEllipsis;
      return out;
    }
    out += piece;
    if (out.size() + kEllipsis.size() <= max_bytes) cut = out.size();
    i += len == 0 ? 1 : len;
  }
  return out;
}

std::string quote_input(std::string_view in) {
  // The client's own backslashes and quotes first, so the escapes sanitize_text adds stay
  // the only single backslashes.
  std::string escaped;
  escaped.reserve(std::min(in.size(), kMaxEchoBytes * 2));
  for (char ch : in) {
    if (escaped.size() > kMaxEchoBytes * 2) break;  // sanitize_text cuts it anyway
    if (ch == '\\' || ch == '\'') escaped += '\\';
    escaped += ch;
  }
  return "'" + sanitize_text(escaped, kMaxEchoBytes) + "'";
}

}  // namespace simd
