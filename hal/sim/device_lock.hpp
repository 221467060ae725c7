#pragma once
// The simulated device's register-bus lock.

#include <mutex>

namespace sim {

/// A mutex that spins briefly before sleeping. Register handlers hold it for well under a
/// microsecond, so a busy-polling PF thread and a spinning guest thread would otherwise trade
/// futex sleeps on every access; past the spin it behaves like std::mutex, so a preempted
/// holder costs a sleep, not a burnt core.
class DeviceLock {
 public:
  void lock() {
    for (int i = 0; i < kSpins; ++i) {
      if (mu_.try_lock()) return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
    mu_.lock();
  }
  bool try_lock() { return mu_.try_lock(); }
  void unlock() { mu_.unlock(); }

 private:
  static constexpr int kSpins = 200;
  std::mutex mu_;
};

}  // namespace sim
