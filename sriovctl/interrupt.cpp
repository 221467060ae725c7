#include "sriovctl/interrupt.hpp"

#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <variant>

namespace sriovctl {
namespace {

// Lock-free atomics are async-signal-safe; these are only ever touched by plain loads and
// stores from the handler.
std::atomic<bool> g_interrupted{false};
std::atomic<int> g_watched_fd{-1};
static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free);

void on_signal(int) {
  // shutdown() may set errno, and the code this signal interrupted may be about to read it.
  const int saved_errno = errno;
  g_interrupted.store(true, std::memory_order_relaxed);
  const int fd = g_watched_fd.load(std::memory_order_relaxed);
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
  errno = saved_errno;
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a sleeping nanosleep returns early
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool runs_until_stopped(const Command& cmd) {
  if (std::holds_alternative<CaptureCmd>(cmd.action)) return true;
  const auto* events = std::get_if<EventsCmd>(&cmd.action);
  return events != nullptr && events->follow;
}

bool interrupted() { return g_interrupted.load(std::memory_order_relaxed); }

InterruptWatch::InterruptWatch(int fd) {
  g_watched_fd.store(fd, std::memory_order_relaxed);
  // A signal between the caller's last check and the store above found no fd to shut down.
  if (interrupted() && fd >= 0) ::shutdown(fd, SHUT_RDWR);
}

InterruptWatch::~InterruptWatch() { g_watched_fd.store(-1, std::memory_order_relaxed); }

}  // namespace sriovctl
