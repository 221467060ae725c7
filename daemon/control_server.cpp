#include "daemon/control_server.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <map>
#include <optional>

#include "ctl/unique_fd.hpp"
#include "daemon/client_connection.hpp"
#include "daemon/instance_socket.hpp"
#include "netlink/datagram_io.hpp"

namespace simd {
namespace {

using ctl::UniqueFd;

// epoll data tags for the server's own fds; clients use their ids, which start above these.
constexpr uint64_t kListenerTag = 0;
constexpr uint64_t kSignalTag = 1;
constexpr uint64_t kStopTag = 2;
constexpr uint64_t kFirstClientId = 16;

// Datagrams read from one client per turn while it is still connected, so one busy client
// cannot starve the others or the handler's poll().
constexpr int kReadsPerTurn = 64;

std::unexpected<std::string> failed(std::string_view what, int err) {
  return std::unexpected(fmt::format("{}: {}", what, std::strerror(err)));
}

bool watch(int epoll_fd, int fd, uint32_t events, uint64_t tag, int op = EPOLL_CTL_ADD) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag;
  return epoll_ctl(epoll_fd, op, fd, &ev) == 0;
}

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// The signal mask open() found, put back when destroyed.
class SavedSignalMask {
 public:
  SavedSignalMask() = default;
  SavedSignalMask(const SavedSignalMask&) = delete;
  SavedSignalMask& operator=(const SavedSignalMask&) = delete;
  ~SavedSignalMask() {
    if (saved_) pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  /// Blocks `set` on the calling thread, keeping the mask it had. Returns 0 or an errno.
  int block(const sigset_t& set) {
    const int err = pthread_sigmask(SIG_BLOCK, &set, &old_);
    saved_ = err == 0;
    return err;
  }

 private:
  sigset_t old_{};
  bool saved_ = false;
};

}  // namespace

struct ControlServer::Impl {
  explicit Impl(ServerOptions o, InstanceSocket s) : opts(std::move(o)), instance(std::move(s)) {}
  // Members go in reverse order of declaration: the clients, the fds, the socket file and the
  // lock, and the signal mask last of all. Restored any earlier, a SIGTERM pending since run()
  // returned would kill the process with the socket still on disk.
  ~Impl() = default;

  std::expected<void, std::string> setup();
  void accept_clients();
  void pause_listener();
  void resume_listener();
  int turn_timeout(int idle_ms);
  void read_client(ClientConnection& c, RequestHandler& h, bool hung_up);
  void close_gone(RequestHandler& h);
  void close_all(RequestHandler& h);
  std::optional<int> on_event(const epoll_event& ev, RequestHandler& h);

  SavedSignalMask mask;  // first: destroyed last
  ServerOptions opts;
  InstanceSocket instance;
  UniqueFd epoll;
  UniqueFd signals;
  UniqueFd stop_event;
  /// Set aside after EMFILE/ENFILE, since paused_at; accepting() reads it from any thread.
  std::atomic<bool> listener_paused{false};
  std::chrono::steady_clock::time_point paused_at;
  std::map<uint64_t, std::unique_ptr<ClientConnection>> clients;
  uint64_t next_id = kFirstClientId;
  std::vector<std::byte> rx;
};

std::expected<void, std::string> ControlServer::Impl::setup() {
  epoll.reset(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll.valid()) return failed("epoll_create1", errno);
  stop_event.reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!stop_event.valid()) return failed("eventfd", errno);
  const sigset_t set = stop_signals();
  // Blocked, a stop signal waits in the signalfd for the loop instead of interrupting
  // whatever code runs; threads started after this inherit the mask.
  if (const int err = mask.block(set); err != 0) return failed("pthread_sigmask", err);
  signals.reset(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
  if (!signals.valid()) return failed("signalfd", errno);
  if (!watch(epoll.get(), instance.listener(), EPOLLIN, kListenerTag) ||
      !watch(epoll.get(), signals.get(), EPOLLIN, kSignalTag) ||
      !watch(epoll.get(), stop_event.get(), EPOLLIN, kStopTag)) {
    return failed("epoll_ctl", errno);
  }
  return {};
}

void ControlServer::Impl::accept_clients() {
  for (;;) {
    UniqueFd fd(accept4(instance.listener(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      // Out of fds: the listener stays readable, so stop watching it for a while rather
      // than spin on it.
      fmt::print(stderr, "sriov-sim: {}: cannot accept a client: {}\n", opts.name,
                 std::strerror(errno));
      pause_listener();
      return;
    }
    if (clients.size() >= opts.max_clients) {
      fmt::print(stderr, "sriov-sim: {}: refused a client: {} clients connected already\n",
                 opts.name, clients.size());
      continue;  // fd closes here: the client reads end-of-file
    }
    const uint64_t id = next_id++;
    if (!watch(epoll.get(), fd.get(), EPOLLIN, id)) {
      fmt::print(stderr, "sriov-sim: {}: cannot watch a client: {}\n", opts.name,
                 std::strerror(errno));
      continue;
    }
    clients.emplace(id, std::make_unique<ClientConnection>(std::move(fd), id, epoll.get(),
                                                           opts.max_queued, opts.max_queued_bytes));
  }
}

void ControlServer::Impl::pause_listener() {
  if (watch(epoll.get(), instance.listener(), 0, kListenerTag, EPOLL_CTL_MOD)) {
    listener_paused = true;
    paused_at = std::chrono::steady_clock::now();
  }
}

void ControlServer::Impl::resume_listener() {
  if (listener_paused &&
      watch(epoll.get(), instance.listener(), EPOLLIN, kListenerTag, EPOLL_CTL_MOD)) {
    listener_paused = false;
  }
}

// How long this turn may sleep in epoll_wait: the handler's idle time, cut short when the
// listener is due to be taken up again. Takes it up when it is due: fds may have been freed
// by someone else than a client of ours (with none connected, no close would ever do it).
int ControlServer::Impl::turn_timeout(int idle_ms) {
  if (!listener_paused) return idle_ms;
  const auto waited = std::chrono::steady_clock::now() - paused_at;
  if (waited >= opts.accept_retry) {
    resume_listener();
    return idle_ms;
  }
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(opts.accept_retry - waited);
  return static_cast<int>(std::min<int64_t>(idle_ms, left.count()));
}

void ControlServer::Impl::read_client(ClientConnection& c, RequestHandler& h, bool hung_up) {
  // A client that hung up gets everything it sent read: a request sent just before closing
  // (numvfs, say) is still carried out.
  for (int i = 0; hung_up || i < kReadsPerTurn; ++i) {
    auto n = rtnl::receive_datagram(c.fd(), rx);
    if (!n) {
      // kTimeout is EAGAIN on this non-blocking socket: all read for now.
      if (n.error().code != rtnl::ErrorCode::kTimeout) c.mark_gone();
      return;
    }
    h.on_request(c, std::span<const std::byte>(rx.data(), *n));
    if (c.gone()) return;
  }
}

void ControlServer::Impl::close_gone(RequestHandler& h) {
  bool closed = false;
  for (auto it = clients.begin(); it != clients.end();) {
    if (!it->second->gone()) {
      ++it;
      continue;
    }
    h.on_close(*it->second);
    it = clients.erase(it);
    closed = true;
  }
  if (closed) resume_listener();
}

void ControlServer::Impl::close_all(RequestHandler& h) {
  for (auto& [id, c] : clients) c->mark_gone();
  close_gone(h);
}

std::optional<int> ControlServer::Impl::on_event(const epoll_event& ev, RequestHandler& h) {
  switch (ev.data.u64) {
    case kListenerTag:
      accept_clients();
      return std::nullopt;
    case kSignalTag: {
      signalfd_siginfo si{};
      if (read(signals.get(), &si, sizeof(si)) != static_cast<ssize_t>(sizeof(si))) {
        return std::nullopt;  // taken already (EAGAIN)
      }
      return static_cast<int>(si.ssi_signo);
    }
    case kStopTag: {
      uint64_t count = 0;
      [[maybe_unused]] const ssize_t n = read(stop_event.get(), &count, sizeof(count));
      return 0;
    }
    default:
      break;
  }
  const auto it = clients.find(ev.data.u64);
  if (it == clients.end()) return std::nullopt;  // closed earlier in this turn
  ClientConnection& c = *it->second;
  const bool hung_up = (ev.events & (EPOLLHUP | EPOLLERR)) != 0;
  if ((ev.events & EPOLLOUT) != 0) c.flush();
  if (!c.gone() && (ev.events & EPOLLIN) != 0) read_client(c, h, hung_up);
  if (hung_up) c.mark_gone();
  return std::nullopt;
}

std::expected<std::unique_ptr<ControlServer>, std::string> ControlServer::open(ServerOptions opts) {
  auto instance = InstanceSocket::create(opts.name);
  if (!instance) return std::unexpected(instance.error());
  auto impl = std::make_unique<Impl>(std::move(opts), std::move(*instance));
  if (auto ok = impl->setup(); !ok) return std::unexpected(ok.error());
  return std::unique_ptr<ControlServer>(new ControlServer(std::move(impl)));
}

ControlServer::ControlServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ControlServer::~ControlServer() = default;

int ControlServer::run(RequestHandler& h) {
  Impl& s = *impl_;
  std::array<epoll_event, 64> events{};
  for (;;) {
    const size_t work = h.poll();
    s.close_gone(h);
    int timeout_ms = 0;
    if (work == 0) {
      timeout_ms = static_cast<int>(std::clamp<int64_t>(h.idle_timeout().count(), 0, INT_MAX));
    }
    timeout_ms = s.turn_timeout(timeout_ms);
    const int n =
        epoll_wait(s.epoll.get(), events.data(), static_cast<int>(events.size()), timeout_ms);
    if (n < 0 && errno != EINTR) {
      fmt::print(stderr, "sriov-sim: {}: epoll_wait: {}\n", s.opts.name, std::strerror(errno));
      s.close_all(h);
      return -1;
    }
    std::optional<int> ended;
    for (int i = 0; i < n; ++i) {
      if (auto e = s.on_event(events[static_cast<size_t>(i)], h); e && !ended) ended = e;
    }
    s.close_gone(h);
    if (ended) {
      s.close_all(h);
      return *ended;
    }
  }
}

void ControlServer::stop() {
  const uint64_t one = 1;
  // EAGAIN only when the counter would overflow: a stop is pending then anyway.
  [[maybe_unused]] const ssize_t n = write(impl_->stop_event.get(), &one, sizeof(one));
}

const std::string& ControlServer::socket_path() const { return impl_->instance.socket_path(); }

bool ControlServer::accepting() const { return !impl_->listener_paused; }

}  // namespace simd
