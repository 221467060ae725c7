#pragma once
// The soak's random numbers: SplitMix64, written out here so that a seed means the same run on
// every compiler and standard library (std::uniform_int_distribution is implementation-defined).

#include <cstdint>

namespace harness::soak {

/// Deterministic per seed. Not thread-safe (one soak, one thread).
class SoakRng {
 public:
  explicit SoakRng(uint64_t seed) : s_(seed) {}

  /// The next 64 random bits.
  uint64_t next() {
    uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n) (n > 0), by multiply-shift: the bias is below 2^-32 for the small n used.
  uint32_t below(uint32_t n) {
    return static_cast<uint32_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }
  /// True with probability num/den.
  bool chance(uint32_t num, uint32_t den) { return below(den) < num; }

 private:
  uint64_t s_;
};

}  // namespace harness::soak
