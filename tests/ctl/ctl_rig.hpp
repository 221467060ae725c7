#pragma once
// What the control-socket tests share: a private runtime directory, a scripted request
// handler, and a ControlServer serving it on a thread.

#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ctl/protocol.hpp"
#include "ctl/unique_fd.hpp"
#include "daemon/control_server.hpp"
#include "daemon/request_handler.hpp"
#include "netlink/ack.hpp"

namespace ctltest {

using nlohmann::json;
using Bytes = std::vector<std::byte>;

/// Generous: only a broken implementation ever waits this long.
inline constexpr auto kPatience = std::chrono::seconds(30);

/// A fresh directory as $SRIOVKIT_RUNTIME_DIR for the test's life; the old value comes back.
class TempRuntimeDir {
 public:
  TempRuntimeDir() {
    char tmpl[] = "/tmp/sriovkit-ctl-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path_ = tmpl;
    if (const char* old = std::getenv("SRIOVKIT_RUNTIME_DIR")) old_ = old;
    setenv("SRIOVKIT_RUNTIME_DIR", path_.c_str(), 1);
  }
  ~TempRuntimeDir() {
    if (old_) {
      setenv("SRIOVKIT_RUNTIME_DIR", old_->c_str(), 1);
    } else {
      unsetenv("SRIOVKIT_RUNTIME_DIR");
    }
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempRuntimeDir(const TempRuntimeDir&) = delete;
  TempRuntimeDir& operator=(const TempRuntimeDir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
  std::optional<std::string> old_;
};

/// Leaves a socket file at `path` with nobody behind it, as a daemon that died does.
inline void make_stale_socket(const std::string& path) {
  ctl::UniqueFd fd(socket(AF_UNIX, SOCK_SEQPACKET, 0));
  REQUIRE(fd.valid());
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof(addr.sun_path));
  std::memcpy(addr.sun_path, path.data(), path.size());
  REQUIRE(bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0);
}

/// One netlink message answering `req`: `type` with `payload`, nlmsg_len exact.
inline Bytes message(const nlmsghdr& req, uint16_t type, uint16_t flags,
                     std::span<const std::byte> payload) {
  nlmsghdr h{};
  h.nlmsg_len = static_cast<uint32_t>(NLMSG_HDRLEN + payload.size());
  h.nlmsg_type = type;
  h.nlmsg_flags = flags;
  h.nlmsg_seq = req.nlmsg_seq;
  Bytes out(NLMSG_ALIGN(h.nlmsg_len));
  std::memcpy(out.data(), &h, sizeof(h));
  if (!payload.empty()) std::memcpy(out.data() + NLMSG_HDRLEN, payload.data(), payload.size());
  return out;
}

inline Bytes json_reply(const nlmsghdr& req, const json& j) {
  const std::string text = j.dump();
  return message(req, ctl::kMsgReply, 0, std::as_bytes(std::span(text)));
}

/// A captured frame of `n` bytes, each byte `fill`.
inline Bytes frame(const nlmsghdr& req, uint64_t time_ns, size_t n, std::byte fill,
                   ctl::FrameDirection dir) {
  ctl::FrameRecord rec{time_ns, static_cast<uint32_t>(n + 4), static_cast<uint8_t>(dir), {}};
  Bytes payload(sizeof(rec) + n, fill);
  std::memcpy(payload.data(), &rec, sizeof(rec));
  return message(req, ctl::kMsgFrame, NLM_F_MULTI, payload);
}

/// A kMsgRequest carrying `json_text`, built by hand (for clients that must not wait).
inline Bytes raw_request(std::string_view json_text, uint32_t seq = 1) {
  nlmsghdr req{};
  req.nlmsg_seq = seq;
  Bytes d = message(req, ctl::kMsgRequest, NLM_F_REQUEST | NLM_F_ACK,
                    std::as_bytes(std::span(json_text.data(), json_text.size())));
  return d;
}

inline Bytes bytes_of(const rtnl::Message& m) { return {m.bytes().begin(), m.bytes().end()}; }

/// Answers by op: "echo" (kMsgReply {"echo": request, "server": tag}), "ack", "fail" (EBUSY
/// with text), "capture" (a reply, three frames in two datagrams, NLMSG_DONE "dropped 2"),
/// "flood" (64 KiB datagrams until send() refuses one); RTM_GETLINK gets ENODEV.
/// Thread-safe to inspect while the server runs.
class FakeHandler final : public simd::RequestHandler {
 public:
  explicit FakeHandler(std::string tag = "fake") : tag_(std::move(tag)) {}

  void on_request(simd::Connection& c, std::span<const std::byte> d) override {
    size_t at = 0;
    while (at + NLMSG_HDRLEN <= d.size()) {
      const auto* h = reinterpret_cast<const nlmsghdr*>(d.data() + at);
      if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > d.size() - at) break;
      answer(c, *h, d.subspan(at + NLMSG_HDRLEN, h->nlmsg_len - NLMSG_HDRLEN));
      at += NLMSG_ALIGN(h->nlmsg_len);
    }
  }
  void on_close(simd::Connection& c) override {
    std::lock_guard lock(mu_);
    closed_.push_back(c.id());
    cv_.notify_all();
  }
  size_t poll() override { return 0; }
  std::chrono::milliseconds idle_timeout() const override { return std::chrono::milliseconds(100); }

  std::vector<uint64_t> closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }
  std::vector<uint64_t> requesters() const {
    std::lock_guard lock(mu_);
    return requesters_;
  }
  /// Waits (up to kPatience) until `n` clients have closed.
  bool wait_closed(size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kPatience, [&] { return closed_.size() >= n; });
  }
  struct Flood {
    size_t accepted = 0;
    bool refused = false;
  };
  /// Waits (up to kPatience) for a "flood" request to have been answered.
  std::optional<Flood> wait_flood() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, kPatience, [&] { return flood_.has_value(); });
    return flood_;
  }

 private:
  void answer(simd::Connection& c, const nlmsghdr& h, std::span<const std::byte> payload) {
    {
      std::lock_guard lock(mu_);
      requesters_.push_back(c.id());
    }
    if (h.nlmsg_type != ctl::kMsgRequest) {
      c.send(bytes_of(*rtnl::build_ack(h, -ENODEV, "no such link here")));
      return;
    }
    const json req = json::parse(
        std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()));
    const std::string op = req.at("op");
    if (op == "echo") {
      c.send(json_reply(h, {{"echo", req}, {"server", tag_}}));
    } else if (op == "ack") {
      c.send(bytes_of(*rtnl::build_ack(h, 0)));
    } else if (op == "fail") {
      c.send(bytes_of(*rtnl::build_ack(h, -EBUSY, "text")));
    } else if (op == "capture") {
      c.send(json_reply(h, {{"interface", "test"}, {"linktype", 1}}));
      c.send(frame(h, 1000, 60, std::byte{0xaa}, ctl::FrameDirection::kInbound));
      // Two frames in one datagram: the client must walk every message in it.
      Bytes two = frame(h, 2000, 61, std::byte{0xbb}, ctl::FrameDirection::kOutbound);
      const Bytes third = frame(h, 3000, 62, std::byte{0xcc}, ctl::FrameDirection::kInbound);
      two.insert(two.end(), third.begin(), third.end());
      c.send(two);
      c.send(bytes_of(*rtnl::build_done(h, 0, "dropped 2")));
    } else if (op == "flood") {
      const Bytes big(64 * 1024, std::byte{0x55});
      Flood f;
      // Bounded: a send() that never refuses fails the test instead of looping forever.
      while (f.accepted < 100000 && c.send(big)) ++f.accepted;
      f.refused = f.accepted < 100000;
      std::lock_guard lock(mu_);
      flood_ = f;
      cv_.notify_all();
    } else {
      c.send(bytes_of(*rtnl::build_ack(h, -EINVAL, "unknown op")));
    }
  }

  std::string tag_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<uint64_t> closed_;
  std::vector<uint64_t> requesters_;
  std::optional<Flood> flood_;
};

/// A ControlServer opened on the calling thread (which then blocks SIGINT/SIGTERM) and run
/// on its own thread, started after open() so it inherits that mask.
class ServingServer {
 public:
  explicit ServingServer(simd::ServerOptions opts, std::string tag = "fake") : handler(tag) {
    auto s = simd::ControlServer::open(std::move(opts));
    if (!s) FAIL("ControlServer::open: " << s.error());
    server = std::move(*s);
    thread_ = std::thread([this] { result_ = server->run(handler); });
  }
  ~ServingServer() {
    if (thread_.joinable()) stop();
  }
  ServingServer(const ServingServer&) = delete;
  ServingServer& operator=(const ServingServer&) = delete;

  /// Stops the loop and returns what run() returned.
  int stop() {
    server->stop();
    thread_.join();
    return result_;
  }
  /// Waits for run() to end by itself (a signal) and returns what it returned.
  int join() {
    thread_.join();
    return result_;
  }

  FakeHandler handler;
  std::unique_ptr<simd::ControlServer> server;

 private:
  std::thread thread_;
  int result_ = -2;
};

}  // namespace ctltest
