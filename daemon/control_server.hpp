#pragma once
// A daemon's control socket and main loop: one instance per name, the socket at
// ctl::socket_path(name) with mode 0660, clients over UNIX SOCK_SEQPACKET, SIGINT/SIGTERM as a
// clean stop. Single-threaded: epoll over the listening socket, the clients and a signalfd;
// the handler's poll() runs on every turn.

#include <chrono>
#include <cstddef>
#include <expected>
#include <memory>
#include <string>

#include "daemon/request_handler.hpp"

namespace simd {

struct ServerOptions {
  std::string name;
  /// Most clients at once; one more is accepted and closed at once (logged).
  unsigned max_clients = 64;
  /// Datagrams queued to a slow client before send() drops.
  unsigned max_queued = 4096;
  /// Bytes of datagrams queued to a slow client before send() drops, whichever bound comes
  /// first: a capture client that stopped reading pins at most this much of the daemon's
  /// memory (count alone would let 4096 large frames pin a gigabyte).
  size_t max_queued_bytes = size_t{8} << 20;
  /// Out of fds (EMFILE, ENFILE), the listener is set aside rather than spun on; it is taken
  /// up again when a client leaves, or after this long, whichever comes first.
  std::chrono::milliseconds accept_retry{1000};
};

class ControlServer {
 public:
  /// Creates ctl::runtime_dir() (0755, whatever the umask) if needed, takes ctl::lock_path(name)
  /// with flock (held for the server's life), removes a stale socket left by a daemon that died
  /// (only a socket file, and only while holding the lock), binds and listens with mode 0660, and
  /// blocks SIGINT and SIGTERM into a signalfd (call it before starting any thread, so every
  /// thread inherits the mask). Errors (one line): an invalid name, "a daemon named NAME is
  /// already running (pid P)", a path that exists and is not a socket, any failed system call
  /// with its errno text.
  static std::expected<std::unique_ptr<ControlServer>, std::string> open(ServerOptions opts);
  /// Closes clients, unlinks the socket (only if the file at its path is still the one it
  /// bound), empties and releases the lock (the lock file stays), closes its fds, and only
  /// then restores the signal mask open() found, on the calling thread: a stop signal
  /// pending by then kills the process with nothing left behind. Destroy it on the thread
  /// that opened it, and several servers in the reverse order of opening. A process that
  /// must finish tearing down other things after the server blocks SIGINT and SIGTERM itself
  /// before open(): the mask restored then keeps them blocked.
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  /// Serves until SIGINT/SIGTERM or stop(); returns the signal number that ended it (0 for
  /// stop(), -1 if epoll_wait itself failed, logged). Calls h.poll() every turn and sleeps in
  /// epoll_wait up to h.idle_timeout() only after a poll() that did nothing. Before it
  /// returns, every client is closed (h.on_close() for each), so `h` holds no Connection
  /// past run(); clients connecting later wait in the backlog until the server is destroyed.
  /// Runs on one thread; it may be another than open()'s if started after open().
  int run(RequestHandler& h);
  /// Ends run() at its next turn; callable from any thread.
  void stop();
  const std::string& socket_path() const;
  /// False while the listener is set aside after running out of fds (see
  /// ServerOptions::accept_retry). Callable from any thread.
  bool accepting() const;

 private:
  struct Impl;
  explicit ControlServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace simd
