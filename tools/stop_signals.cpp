#include "tools/stop_signals.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

namespace tools {

std::expected<StopSignals, std::string> StopSignals::open() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigset_t old;
  if (const int err = pthread_sigmask(SIG_BLOCK, &set, &old); err != 0) {
    return std::unexpected(fmt::format("pthread_sigmask: {}", std::strerror(err)));
  }
  const int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    return std::unexpected(fmt::format("signalfd: {}", std::strerror(err)));
  }
  return StopSignals(fd, old);
}

StopSignals::StopSignals(StopSignals&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), old_(o.old_) {}

StopSignals::~StopSignals() {
  if (fd_ < 0) return;
  // The stop requests the loop saw are handled: take them off the pending set, or unblocking
  // would deliver them now with their default action and the tool would die of the signal it
  // has just served (exit 130 instead of its own status).
  signalfd_siginfo si{};
  while (::read(fd_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
  }
  ::close(fd_);
  pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

}  // namespace tools
