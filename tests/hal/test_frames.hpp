#pragma once
// Ethernet frames for the simulated device's tests.

#include <cstdint>
#include <optional>
#include <vector>

#include "hal/types.hpp"

namespace test {

using Bytes = std::vector<uint8_t>;

/// A frame of `len` bytes from `src` to `dst` (IPv4 ethertype, payload bytes = seq + i), with an
/// 802.1Q tag when `tci` is given.
inline Bytes make_frame(const hal::MacAddr& dst, const hal::MacAddr& src, size_t len, uint8_t seq = 0,
                        std::optional<uint16_t> tci = {}) {
  Bytes b(len, 0);
  for (unsigned i = 0; i < 6; ++i) {
    b[i] = dst[i];
    b[6 + i] = src[i];
  }
  size_t at = 12;
  if (tci) {
    b[at++] = 0x81;
    b[at++] = 0x00;
    b[at++] = static_cast<uint8_t>(*tci >> 8);
    b[at++] = static_cast<uint8_t>(*tci);
  }
  b[at++] = 0x08;
  b[at++] = 0x00;
  for (size_t i = at; i < len; ++i) b[i] = static_cast<uint8_t>(seq + i);
  return b;
}

}  // namespace test
