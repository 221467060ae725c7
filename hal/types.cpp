#include "hal/types.hpp"

#include <cctype>

namespace hal {
namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}
}  // namespace

std::optional<MacAddr> MacAddr::parse(std::string_view text) {
  // Exactly six two-digit groups separated by ':'; iproute2 accepts nothing looser for VFs.
  if (text.size() != 17) return std::nullopt;
  std::array<uint8_t, 6> b{};
  for (size_t i = 0; i < 6; ++i) {
    const size_t at = i * 3;
    if (i < 5 && text[at + 2] != ':') return std::nullopt;
    const int hi = hex_digit(text[at]);
    const int lo = hex_digit(text[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    b[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return MacAddr(b);
}

std::string MacAddr::to_string() const {
  return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", b_[0], b_[1], b_[2], b_[3], b_[4],
                     b_[5]);
}

std::string_view to_string(Error e) {
  switch (e) {
    case Error::kOutOfRange: return "out of range";
    case Error::kNoDevice: return "no such device";
    case Error::kBusy: return "busy";
    case Error::kInvalidArgument: return "invalid argument";
    case Error::kDmaFault: return "DMA fault";
    case Error::kOverlap: return "overlapping mapping";
    case Error::kSystem: return "system error";
  }
  return "unknown error";
}

}  // namespace hal
