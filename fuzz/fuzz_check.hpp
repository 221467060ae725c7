#pragma once
// The one way a fuzz target reports a broken invariant: a message on stderr, then abort(),
// which libFuzzer records as a crash with the input that caused it. Library code never aborts
// (style.md); a fuzz target is a test, and abort() is its failure.

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <utility>

namespace fuzz {

/// What fail() prints before its message: the state a target is in (set by FailureContext).
inline std::function<void()>& failure_context() {
  static std::function<void()> fn;
  return fn;
}

/// Installs `fn` as the failure context for its lifetime (and removes it after).
class FailureContext {
 public:
  explicit FailureContext(std::function<void()> fn) { failure_context() = std::move(fn); }
  ~FailureContext() { failure_context() = nullptr; }
  FailureContext(const FailureContext&) = delete;
  FailureContext& operator=(const FailureContext&) = delete;
};

/// Prints "invariant broken: <what>" and aborts.
template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> f, Args&&... args) {
  if (failure_context()) failure_context()();
  fmt::print(stderr, "invariant broken: {}\n", fmt::format(f, std::forward<Args>(args)...));
  std::fflush(stderr);
  std::abort();
}

/// fail() unless `ok`.
template <typename... Args>
void check(bool ok, fmt::format_string<Args...> f, Args&&... args) {
  if (!ok) fail(f, std::forward<Args>(args)...);
}

}  // namespace fuzz
