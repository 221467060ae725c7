#pragma once
// Reading a fuzzer's bytes as a stream of small fields. A read past the end yields zeros and
// marks the input exhausted, so a target decides once, at the top of its loop, to stop: no
// target indexes the raw buffer, and every byte the fuzzer mutates means the same thing in
// every input (libFuzzer's mutations work best when a field's meaning does not shift).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace fuzz {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : bytes_(data, size) {}

  /// True once a read ran past the end (the values it returned were padded with zeros).
  bool exhausted() const { return exhausted_; }
  /// True when nothing is left to read.
  bool empty() const { return pos_ >= bytes_.size(); }
  size_t remaining() const { return bytes_.size() - pos_; }

  uint8_t u8() {
    uint8_t v = 0;
    take(&v, 1);
    return v;
  }
  /// Little-endian, as the mailbox words and descriptors are.
  uint16_t u16() {
    uint16_t v = 0;
    take(&v, sizeof v);
    return v;
  }
  uint32_t u32() {
    uint32_t v = 0;
    take(&v, sizeof v);
    return v;
  }
  uint64_t u64() {
    uint64_t v = 0;
    take(&v, sizeof v);
    return v;
  }
  /// Up to `n` bytes (fewer at the end); the span stays valid as long as the input.
  std::span<const uint8_t> bytes(size_t n) {
    const size_t k = std::min(n, remaining());
    if (k < n) exhausted_ = true;
    std::span<const uint8_t> s = bytes_.subspan(pos_, k);
    pos_ += k;
    return s;
  }

 private:
  // memcpy into the value: the input has no alignment, and the host is little-endian
  // (hal/ixgbe/descriptors.hpp asserts it).
  void take(void* out, size_t n) {
    const size_t k = std::min(n, remaining());
    if (k < n) exhausted_ = true;
    if (k != 0) std::memcpy(out, bytes_.data() + pos_, k);
    pos_ += k;
  }

  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
  bool exhausted_ = false;
};

}  // namespace fuzz
