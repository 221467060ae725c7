#pragma once
// A read position over the command line's tokens, for the parser (args.hpp) only.

#include <span>
#include <string>
#include <string_view>

namespace sriovctl {

class Cursor {
 public:
  explicit Cursor(std::span<const std::string_view> tokens) : tokens_(tokens) {}

  bool done() const { return pos_ >= tokens_.size(); }
  /// The next token without taking it; empty at the end.
  std::string_view peek() const { return done() ? std::string_view() : tokens_[pos_]; }
  /// Takes the next token; empty at the end (callers check done() first).
  std::string_view next() { return done() ? std::string_view() : tokens_[pos_++]; }
  /// The token taken last, for an error about what should have followed it; empty at the
  /// start.
  std::string prev() const { return pos_ == 0 ? std::string() : std::string(tokens_[pos_ - 1]); }

 private:
  std::span<const std::string_view> tokens_;
  size_t pos_ = 0;
};

}  // namespace sriovctl
