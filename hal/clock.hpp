#pragma once
// Time, and what a driver does while it waits for the device.

#include <atomic>
#include <chrono>
#include <functional>

namespace hal {

using Nanos = std::chrono::nanoseconds;

/// A monotonic clock. Drivers compute deadlines from it, never from the system clock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Nanos now() const = 0;
};

/// std::chrono::steady_clock.
class RealClock final : public Clock {
 public:
  Nanos now() const override;
};

/// A clock that moves only when told to: timeouts, deadlines and rate limits become testable
/// without sleeping. Thread-safe.
class ManualClock final : public Clock {
 public:
  Nanos now() const override { return Nanos(t_.load(std::memory_order_acquire)); }
  void advance(Nanos d) { t_.fetch_add(d.count(), std::memory_order_acq_rel); }

 private:
  std::atomic<Nanos::rep> t_{0};
};

/// What a driver does between two polls of the device: spin, sleep, block on an interrupt or,
/// when a simulation is stepped on one thread, let the rest of the system run.
class Waiter {
 public:
  virtual ~Waiter() = default;
  /// Called between two polls. `hint` is how long the caller would sleep (udelay in Linux).
  virtual void pause(Nanos hint) = 0;
};

/// Busy-polls with a CPU relax hint; for latency measurements on a dedicated core.
class SpinWaiter final : public Waiter {
 public:
  void pause(Nanos hint) override;
};

/// Sleeps for the hint; the polite choice on shared cores.
class SleepWaiter final : public Waiter {
 public:
  void pause(Nanos hint) override;
};

/// For a ManualClock world: advances the clock by the hint and runs `step` (the rest of the
/// simulated system: device engine, PF service) so a waiting driver makes progress on one thread.
class SteppingWaiter final : public Waiter {
 public:
  SteppingWaiter(ManualClock& clock, std::function<void()> step)
      : clock_(clock), step_(std::move(step)) {}
  void pause(Nanos hint) override;

 private:
  ManualClock& clock_;
  std::function<void()> step_;
};

/// Polls `done` until it returns true or `timeout` passes on `clock`, pausing `interval` through
/// `waiter` between tries. Returns whether `done` became true. Every wait in the drivers uses
/// this: no unbounded loop.
bool poll_until(Clock& clock, Waiter& waiter, Nanos timeout, Nanos interval,
                const std::function<bool()>& done);

}  // namespace hal
