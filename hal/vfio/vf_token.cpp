#include "hal/vfio/vf_token.hpp"

#include <sys/random.h>

#include <random>

namespace hal::vfio {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Positions of the dashes in the canonical 8-4-4-4-12 form.
bool is_dash_at(size_t i) { return i == 8 || i == 13 || i == 18 || i == 23; }

}  // namespace

std::optional<VfToken> VfToken::parse(std::string_view s) {
  if (s.size() != 36) return std::nullopt;
  VfToken t;
  size_t byte = 0;
  for (size_t i = 0; i < s.size();) {
    if (is_dash_at(i)) {
      if (s[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    const int hi = hex_value(s[i]);
    const int lo = hex_value(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    t.b_[byte++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return t;
}

VfToken VfToken::random() {
  VfToken t;
  size_t got = 0;
  while (got < t.b_.size()) {
    const ssize_t n = ::getrandom(t.b_.data() + got, t.b_.size() - got, 0);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got < t.b_.size()) {
    // getrandom() missing (seccomp, old kernel): the library's own OS-backed source.
    std::random_device rd;
    for (uint8_t& b : t.b_) b = static_cast<uint8_t>(rd());
  }
  // RFC 4122 4.4: version 4 in the high nibble of byte 6, variant 10xx in byte 8.
  t.b_[6] = static_cast<uint8_t>((t.b_[6] & 0x0F) | 0x40);
  t.b_[8] = static_cast<uint8_t>((t.b_[8] & 0x3F) | 0x80);
  return t;
}

std::string VfToken::str() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(36);
  for (size_t i = 0; i < b_.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += kHex[b_[i] >> 4];
    s += kHex[b_[i] & 0x0F];
  }
  return s;
}

}  // namespace hal::vfio
