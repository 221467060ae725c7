#pragma once
// Waiting on an interrupt vector: the interrupt-driven alternative to polling.

#include "hal/clock.hpp"
#include "hal/event_fd.hpp"

namespace hal {

/// Blocks on an eventfd (an MSI-X vector) for up to the hint, then drains it. Use with the
/// cause register still polled after each wake-up: the interrupt only says "look again".
class EventWaiter final : public Waiter {
 public:
  explicit EventWaiter(const EventFd& fd) : fd_(fd) {}
  void pause(Nanos hint) override {
    if (fd_.wait(hint)) fd_.drain();
  }

 private:
  const EventFd& fd_;
};

}  // namespace hal
