#pragma once
// Small helpers shared by the mailbox codec tests.

#include <cstdint>
#include <vector>

#include "hal/types.hpp"
#include "mailbox/message.hpp"

namespace mbx::test {

/// A unicast MAC the codec tests put into messages.
inline const hal::MacAddr kMac({0x02, 0x11, 0x22, 0x33, 0x44, 0x55});

/// The meaningful words of a message, as a vector Catch can print and compare.
inline std::vector<uint32_t> words_of(const Message& m) {
  return {m.words().begin(), m.words().end()};
}

}  // namespace mbx::test
