#pragma once
// The raw test frame of the failover NIC and team tests: 64 bytes, a local experimental
// ethertype (88B5) and a sequence number after the header, so a test can tell frames apart
// without the probe format.

#include <cstdint>
#include <cstring>
#include <vector>

#include "hal/types.hpp"

namespace failover_test {

inline std::vector<uint8_t> frame(hal::MacAddr dst, hal::MacAddr src, uint32_t seq) {
  std::vector<uint8_t> b(64, 0);
  std::memcpy(b.data(), dst.bytes().data(), 6);
  std::memcpy(b.data() + 6, src.bytes().data(), 6);
  b[12] = 0x88;
  b[13] = 0xb5;
  std::memcpy(b.data() + 14, &seq, sizeof seq);
  return b;
}

}  // namespace failover_test
