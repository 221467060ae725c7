#include "hal/clock.hpp"

#include <thread>

namespace hal {

Nanos RealClock::now() const {
  return std::chrono::duration_cast<Nanos>(std::chrono::steady_clock::now().time_since_epoch());
}

void SpinWaiter::pause(Nanos) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

void SleepWaiter::pause(Nanos hint) { std::this_thread::sleep_for(hint); }

void SteppingWaiter::pause(Nanos hint) {
  clock_.advance(hint);
  if (step_) step_();
}

bool poll_until(Clock& clock, Waiter& waiter, Nanos timeout, Nanos interval,
                const std::function<bool()>& done) {
  const Nanos deadline = clock.now() + timeout;
  for (;;) {
    if (done()) return true;
    if (clock.now() >= deadline) return done();
    waiter.pause(interval);
  }
}

}  // namespace hal
