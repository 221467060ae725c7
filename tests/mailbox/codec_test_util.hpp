#pragma once
// Small helpers shared by the mailbox codec tests.

#include <cstdint>
#include <vector>

#include "mailbox/message.hpp"

namespace mbx::test {

/// The meaningful words of a message, as a vector Catch can print and compare.
inline std::vector<uint32_t> words_of(const Message& m) {
  return {m.words().begin(), m.words().end()};
}

}  // namespace mbx::test
