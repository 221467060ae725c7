#include "hal/sim/engine_thread.hpp"

#include <pthread.h>
#include <sched.h>

#include <cstring>

#include <fmt/format.h>

#include "hal/sim/device_model.hpp"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace sim {

namespace {

uint64_t cycles() {
#if defined(__x86_64__)
  return __rdtsc();
#else
  return static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
#endif
}

void cpu_relax() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}

std::expected<void, std::string> pin(pthread_t t, int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return std::unexpected(fmt::format("cpu {} is out of range", cpu));
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (const int rc = pthread_setaffinity_np(t, sizeof set, &set); rc != 0) {
    return std::unexpected(fmt::format("cannot pin to cpu {}: {}", cpu, std::strerror(rc)));
  }
  return {};
}

}  // namespace

std::expected<void, std::string> pin_current_thread(int cpu) { return pin(pthread_self(), cpu); }

std::expected<std::unique_ptr<EngineThread>, std::string> EngineThread::start(Device82599& dev,
                                                                            EngineThreadOptions opts) {
  std::unique_ptr<EngineThread> t(new EngineThread(dev, opts));
  // Checked before the thread exists: a bad CPU is the caller's error, not a silent unpinned run.
  if (opts.cpu >= 0) {
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0 || opts.cpu >= CPU_SETSIZE ||
        !CPU_ISSET(opts.cpu, &allowed)) {
      return std::unexpected(fmt::format("cpu {} is not one this process may run on", opts.cpu));
    }
  }
  t->thread_ = std::thread([p = t.get()] { p->run(); });
  if (opts.cpu >= 0) {
    if (auto r = pin(t->thread_.native_handle(), opts.cpu); !r) {
      t->stop();
      return std::unexpected(r.error());
    }
  }
  return t;
}

EngineThread::~EngineThread() { stop(); }

void EngineThread::stop() {
  stop_.store(true, std::memory_order_relaxed);
  dev_.model().wake_engine();
  if (thread_.joinable()) thread_.join();
}

EngineThreadStats EngineThread::stats() const {
  return EngineThreadStats{passes_.load(std::memory_order_relaxed), busy_passes_.load(std::memory_order_relaxed),
                           frames_.load(std::memory_order_relaxed), busy_cycles_.load(std::memory_order_relaxed),
                           parks_.load(std::memory_order_relaxed)};
}

void EngineThread::run() {
  using Clock = std::chrono::steady_clock;
  // Counters are kept locally and published every few passes: an atomic RMW per pass would
  // cost more than an idle pass.
  uint64_t passes = 0, busy = 0, frames = 0, busy_cyc = 0, parks = 0;
  auto publish = [&] {
    passes_.store(passes, std::memory_order_relaxed);
    busy_passes_.store(busy, std::memory_order_relaxed);
    frames_.store(frames, std::memory_order_relaxed);
    busy_cycles_.store(busy_cyc, std::memory_order_relaxed);
    parks_.store(parks, std::memory_order_relaxed);
  };
  if (opts_.on_start) opts_.on_start();
  auto idle_since = Clock::now();
  bool idling = false;  // idle_since is set: the spin period runs from it
  unsigned idle = 0;
  while (!stop_.load(std::memory_order_relaxed)) {
    const uint64_t c0 = cycles();
    const size_t n = dev_.poll_once();
    ++passes;
    if (n != 0) {
      busy_cyc += cycles() - c0;
      ++busy;
      frames += n;
      idle = 0;
      idling = false;
      if ((busy & 1023) == 0) publish();
      continue;
    }
    // Idle: look at the clock only every 64 empty passes, then park once `spin` has passed.
    if (++idle % 64 != 0) {
      cpu_relax();
      continue;
    }
    publish();
    const auto now = Clock::now();
    if (!idling) {
      idle_since = now;
      idling = true;
    }
    // After one park without work the next comes without spinning again: an idle device costs
    // a few passes per park period.
    if (opts_.park.count() == 0 || now - idle_since < opts_.spin) continue;
    ++parks;
    dev_.model().park_engine(opts_.park);
  }
  publish();
  if (opts_.on_stop) opts_.on_stop();
}

}  // namespace sim
