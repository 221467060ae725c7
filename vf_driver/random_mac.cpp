#include "vf_driver/random_mac.hpp"

#include <array>

namespace vf {

namespace {

constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ull;  // SplitMix64's state increment

// The (i+1)-th output of SplitMix64 seeded with `seed`: well mixed from any seed, including 0,
// with no state to keep.
uint64_t splitmix64(uint64_t seed, uint64_t i) {
  uint64_t x = seed + (i + 1) * kGamma;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

constexpr uint8_t kMulticastBit = 0x01;  // I/G bit of the first octet
constexpr uint8_t kLocalBit = 0x02;      // U/L bit of the first octet

}  // namespace

hal::MacAddr random_laa_mac(uint64_t seed, unsigned index) {
  const uint64_t r = splitmix64(seed, index);
  std::array<uint8_t, 6> b{};
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(r >> (8 * i));
  // What eth_random_addr does: clear multicast, set "locally administered". The result can
  // never be zero, so it is always a valid unicast address.
  b[0] = static_cast<uint8_t>((b[0] & ~kMulticastBit) | kLocalBit);
  return hal::MacAddr(b);
}

}  // namespace vf
