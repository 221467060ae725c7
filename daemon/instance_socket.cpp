#include "daemon/instance_socket.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "ctl/runtime_dir.hpp"

namespace simd {
namespace {

using ctl::UniqueFd;

constexpr mode_t kRuntimeDirMode = 0755;
constexpr mode_t kLockMode = 0644;
constexpr mode_t kSocketMode = 0660;

std::unexpected<std::string> failed(std::string_view what, int err) {
  return std::unexpected(fmt::format("{}: {}", what, std::strerror(err)));
}

std::expected<void, std::string> make_runtime_dir(const std::string& dir) {
  if (mkdir(dir.c_str(), kRuntimeDirMode) == 0) {
    // mkdir's mode passes through the umask (077 would make it 0700 and lock the socket's
    // group out of the directory). Only a directory made here is ours to set: one that
    // existed keeps the mode its owner gave it.
    if (chmod(dir.c_str(), kRuntimeDirMode) != 0) {
      return failed(fmt::format("cannot chmod {}", dir), errno);
    }
  } else if (errno != EEXIST) {
    return failed(fmt::format("cannot create {}", dir), errno);
  }
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) return failed(fmt::format("cannot use {}", dir), errno);
  if (!S_ISDIR(st.st_mode)) return std::unexpected(fmt::format("{} is not a directory", dir));
  return {};
}

// The pid the running instance wrote, as text for a message.
std::string pid_in(int fd) {
  char buf[32] = {};
  const ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  int pid = 0;
  if (n <= 0 || std::from_chars(buf, buf + n, pid).ec != std::errc{} || pid <= 0) {
    return "pid unknown";  // it has the lock and has not written its pid yet
  }
  return fmt::format("pid {}", pid);
}

std::expected<UniqueFd, std::string> take_lock(std::string_view name, const std::string& path) {
  // O_NOFOLLOW: the runtime directory may be shared, and a symlink planted there must not
  // make the daemon truncate some other file.
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, kLockMode));
  if (!fd.valid()) return failed(fmt::format("cannot open {}", path), errno);
  for (;;) {
    if (flock(fd.get(), LOCK_EX | LOCK_NB) == 0) break;
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) {
      return std::unexpected(
          fmt::format("a daemon named {} is already running ({})", name, pid_in(fd.get())));
    }
    return failed(fmt::format("cannot lock {}", path), errno);
  }
  const std::string pid = fmt::format("{}\n", getpid());
  if (ftruncate(fd.get(), 0) != 0 ||
      pwrite(fd.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    return failed(fmt::format("cannot write {}", path), errno);
  }
  return fd;
}

// Only called with the lock held: no live instance of this name can own the socket file.
std::expected<void, std::string> remove_stale_socket(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return failed(fmt::format("cannot check {}", path), errno);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return std::unexpected(
        fmt::format("{} exists and is not a socket; not touching it (remove it yourself)", path));
  }
  if (unlink(path.c_str()) != 0 && errno != ENOENT) {
    return failed(fmt::format("cannot remove stale socket {}", path), errno);
  }
  fmt::print(stderr, "sriov-sim: removed stale socket {}\n", path);
  return {};
}

}  // namespace

std::expected<InstanceSocket, std::string> InstanceSocket::create(std::string_view name) {
  if (std::string why = ctl::check_name(name); !why.empty()) {
    return std::unexpected(fmt::format("invalid daemon name: {}", why));
  }
  InstanceSocket s;
  s.socket_path_ = ctl::socket_path(name);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (s.socket_path_.size() >= sizeof(addr.sun_path)) {
    return std::unexpected(fmt::format("socket path {} is longer than a UNIX socket's {} bytes",
                                       s.socket_path_, sizeof(addr.sun_path) - 1));
  }
  std::memcpy(addr.sun_path, s.socket_path_.data(), s.socket_path_.size());

  if (auto ok = make_runtime_dir(ctl::runtime_dir()); !ok) return std::unexpected(ok.error());
  auto lock = take_lock(name, ctl::lock_path(name));
  if (!lock) return std::unexpected(lock.error());
  s.lock_ = std::move(*lock);
  if (auto ok = remove_stale_socket(s.socket_path_); !ok) return std::unexpected(ok.error());

  s.listener_.reset(socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s.listener_.valid()) return failed("socket(AF_UNIX, SOCK_SEQPACKET)", errno);
  if (bind(s.listener_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    return failed(fmt::format("cannot bind {}", s.socket_path_), errno);
  }
  struct stat st {};
  if (lstat(s.socket_path_.c_str(), &st) != 0) {
    const int err = errno;
    unlink(s.socket_path_.c_str());
    return failed(fmt::format("cannot stat {}", s.socket_path_), err);
  }
  s.socket_dev_ = st.st_dev;
  s.socket_ino_ = st.st_ino;
  // fchmod does not reach a UNIX socket's file; chmod before listen() leaves no moment in
  // which a client could connect under the umask's mode.
  if (chmod(s.socket_path_.c_str(), kSocketMode) != 0) {
    return failed(fmt::format("cannot chmod {}", s.socket_path_), errno);
  }
  if (listen(s.listener_.get(), SOMAXCONN) != 0) {
    return failed(fmt::format("cannot listen on {}", s.socket_path_), errno);
  }
  return s;
}

InstanceSocket& InstanceSocket::operator=(InstanceSocket&& o) noexcept {
  if (this != &o) {
    release();
    lock_ = std::move(o.lock_);
    listener_ = std::move(o.listener_);
    socket_path_ = std::move(o.socket_path_);
    socket_dev_ = o.socket_dev_;
    socket_ino_ = o.socket_ino_;
    o.socket_ino_ = 0;
  }
  return *this;
}

InstanceSocket::~InstanceSocket() { release(); }

void InstanceSocket::release() {
  listener_.reset();
  if (socket_ino_ != 0 && lock_.valid()) {
    struct stat st {};
    if (lstat(socket_path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == socket_dev_ &&
        st.st_ino == socket_ino_) {
      unlink(socket_path_.c_str());
    }
  }
  socket_ino_ = 0;
  if (lock_.valid()) {
    // The lock file itself stays: unlinking it would let a starter that opened the old file
    // and one that creates a new one both win a lock.
    [[maybe_unused]] const int rc = ftruncate(lock_.get(), 0);
    lock_.reset();
  }
}

}  // namespace simd
