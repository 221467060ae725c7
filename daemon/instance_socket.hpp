#pragma once
// What makes a daemon the one instance of its name: the lock file it holds for its life, and
// the listening socket only the lock holder may create or remove.

#include <sys/types.h>

#include <expected>
#include <string>
#include <string_view>

#include "ctl/unique_fd.hpp"

namespace simd {

/// Move-only. The lock is flock(LOCK_EX) on ctl::lock_path(name), which holds the owner's pid
/// so a second instance can name it; the socket is a non-blocking UNIX SOCK_SEQPACKET socket
/// listening at ctl::socket_path(name) with mode 0660.
class InstanceSocket {
 public:
  /// Creates ctl::runtime_dir() (mode 0755 whatever the umask) if missing, takes the lock, removes
  /// a socket file left at the path by a daemon that died (saying so on stderr), binds, sets mode
  /// 0660, listens. Errors, one line each: an invalid name; "a daemon named NAME is already running
  /// (pid P)"; "PATH exists and is not a socket" (left untouched); a path too long for a UNIX
  /// socket; a failed system call with its errno text. Nothing is left behind on error except
  /// the runtime directory and the (unlocked) lock file.
  static std::expected<InstanceSocket, std::string> create(std::string_view name);

  InstanceSocket(InstanceSocket&&) noexcept = default;
  InstanceSocket& operator=(InstanceSocket&&) noexcept;
  InstanceSocket(const InstanceSocket&) = delete;
  InstanceSocket& operator=(const InstanceSocket&) = delete;
  /// Unlinks the socket if the file at its path is still the one bound (another instance may
  /// have replaced it after a forced takeover), empties the lock file and releases the lock.
  ~InstanceSocket();

  int listener() const { return listener_.get(); }
  const std::string& socket_path() const { return socket_path_; }

 private:
  InstanceSocket() = default;
  void release();

  ctl::UniqueFd lock_;
  ctl::UniqueFd listener_;
  std::string socket_path_;
  dev_t socket_dev_ = 0;
  ino_t socket_ino_ = 0;
};

}  // namespace simd
