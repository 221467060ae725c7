#pragma once
// Hostile mailbox messages for RogueVf (issue 5): random words, unknown ids, wrong lengths,
// out-of-range counts and fields, reply and CTS bits a VF must not set, and well-formed
// requests with random fields. Deterministic for a seed (the raw mt19937_64 stream, reduced
// modulo: the same on every standard library), so a failing sequence can be replayed.

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <string_view>

#include "mailbox/message.hpp"

namespace harness::rogue {

/// What kind of hostility a message carries.
enum class Malice {
  kRandomWords,   ///< 1..16 random words
  kKnownIdJunk,   ///< a known id with random MSGINFO and payload words
  kUnknownId,     ///< an id no PF handles
  kBadCount,      ///< SET_MULTICAST with more than 30 hashes, or too few words for its count
  kMacvlanIndex,  ///< SET_MACVLAN with any index 0..255 and a random MAC
  kReplyBits,     ///< a request carrying ACK, NACK and/or CTS
  kRandomFields,  ///< a well-formed request with random values (VLAN ids, frame sizes, APIs)
};
inline constexpr size_t kNumMalice = 7;
std::string_view to_string(Malice m);

/// One generated message: the words the rogue writes (the rest of the buffer keeps whatever
/// it held: a "wrong length" is exactly that).
struct FuzzMessage {
  Malice kind{};
  std::array<uint32_t, mbx::kMaxWords> w{};
  uint8_t size = 1;
  std::span<const uint32_t> words() const { return {w.data(), size}; }
};

class MessageFuzzer {
 public:
  explicit MessageFuzzer(uint64_t seed) : rng_(seed) {}
  /// The next message, of a kind picked at random.
  FuzzMessage next();
  /// The next message of kind `k`.
  FuzzMessage next(Malice k);

 private:
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(rng_() % n); }
  uint32_t word() { return static_cast<uint32_t>(rng_()); }
  void fill_random(FuzzMessage& m, unsigned from);
  uint16_t known_id();

  std::mt19937_64 rng_;
};

}  // namespace harness::rogue
