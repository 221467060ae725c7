#pragma once
// Waiters that let a waiting guest's driver make progress by running the PF's service: the
// "PF service polled by a guest thread's loop" of the design notes.

#include <functional>
#include <mutex>

#include "hal/clock.hpp"

namespace harness {

/// Real time, one thread: every pause runs one pass of `service` (under `mu`), then relaxes the
/// CPU. The lowest-latency way to run guests and PF on one core.
class ServiceWaiter final : public hal::Waiter {
 public:
  ServiceWaiter(std::mutex& mu, std::function<void()> service) : mu_(mu), service_(std::move(service)) {}
  void pause(hal::Nanos) override {
    {
      std::lock_guard lock(mu_);
      service_();
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

 private:
  std::mutex& mu_;
  std::function<void()> service_;
};

}  // namespace harness
