#include "harness/hw/pf_serve.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <utility>

namespace harness {

ServeWait::Wake PollServeWait::wait(hal::Nanos timeout) {
  pollfd fds[2] = {{irq_.fd(), POLLIN, 0}, {stop_fd_, POLLIN, 0}};
  const nfds_t n = stop_fd_ >= 0 ? 2 : 1;
  // Rounded up: waking a little late serves a held request on time, waking early only loops.
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(std::max(timeout, hal::Nanos::zero()));
  const int timeout_ms = static_cast<int>(std::min<int64_t>(ms.count(), 60'000));
  const int r = ::poll(fds, n, timeout_ms);
  // EINTR (a signal we do not block, a debugger): a short sleep; the loop asks again.
  if (r <= 0) return Wake::kTimeout;
  if (n == 2 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) return Wake::kStop;
  if ((fds[0].revents & POLLIN) != 0) {
    // Drained before the pass, so a cause raised during the pass fires the eventfd again and
    // the next wait sees it.
    irq_.drain();
    return Wake::kInterrupt;
  }
  return Wake::kTimeout;
}

PfServeLoop::PfServeLoop(pf::PfDriver& pf, hal::Clock& clock, ServeWait& wait,
                         hal::Nanos max_sleep, std::function<bool()> gone)
    : pf_(pf), clock_(clock), wait_(wait), max_sleep_(max_sleep), gone_(std::move(gone)) {}

bool PfServeLoop::check_gone() {
  if (!gone_ || !gone_()) return false;
  stats_.gone = true;
  more_ = false;
  return true;
}

hal::Nanos PfServeLoop::next_sleep() const {
  if (more_) return hal::Nanos::zero();
  hal::Nanos sleep = max_sleep_;
  // A request the flood guard holds raises no new interrupt: wake when it gets its token.
  if (const std::optional<hal::Nanos> due = pf_.next_service_due()) {
    sleep = std::clamp(*due - clock_.now(), hal::Nanos::zero(), sleep);
  }
  return sleep;
}

bool PfServeLoop::turn() {
  ++stats_.turns;
  switch (wait_.wait(next_sleep())) {
    case ServeWait::Wake::kStop:
      return false;
    case ServeWait::Wake::kInterrupt:
      ++stats_.interrupts;
      break;
    case ServeWait::Wake::kTimeout:
      ++stats_.timeouts;
      break;
  }
  if (check_gone()) return false;
  // Every wake gets at least one pass: the time-driven work (held requests, reports, the
  // spoof counter) has no interrupt of its own.
  more_ = false;
  for (unsigned i = 0; i < kMaxPassesPerTurn; ++i) {
    ++stats_.passes;
    const size_t n = pf_.service_once();
    stats_.handled += n;
    // A pass is where a removal shows: its reads come back all-ones.
    if (check_gone()) return false;
    if (n == 0) return true;
  }
  more_ = true;
  return true;
}

const ServeStats& PfServeLoop::run(const std::atomic<bool>& stop, uint64_t max_turns) {
  for (uint64_t t = 0; max_turns == 0 || t < max_turns; ++t) {
    if (stop.load(std::memory_order_acquire)) break;
    if (!turn()) break;
  }
  return stats_;
}

}  // namespace harness
