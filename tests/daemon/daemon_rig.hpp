#pragma once
// A SimDaemon driven directly: a fake connection that records what the daemon sends, a
// transport over it so rtnl::get_link()/set_vf() run unchanged, JSON requests, and a bounded
// wait that polls the daemon. No socket, no thread.

#include <linux/netlink.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ctl/protocol.hpp"
#include "daemon/sim_daemon.hpp"
#include "datapath/eal.hpp"
#include "netlink/ack.hpp"
#include "netlink/transport.hpp"
#include "netlink/vf_change.hpp"

namespace dtest {

using Datagram = std::vector<std::byte>;

/// Records every datagram; refuses them while `refuse` is set (a slow client).
class FakeConnection final : public simd::Connection {
 public:
  explicit FakeConnection(uint64_t id = 1) : id_(id) {}
  bool send(std::span<const std::byte> d) override {
    if (refuse) return false;
    sent.emplace_back(d.begin(), d.end());
    return true;
  }
  uint64_t id() const override { return id_; }

  std::deque<Datagram> sent;
  bool refuse = false;

 private:
  uint64_t id_;
};

/// Every message of a datagram (headers and payloads), copied out 4-byte aligned.
inline std::vector<std::vector<uint32_t>> messages(const Datagram& d) {
  std::vector<std::vector<uint32_t>> out;
  size_t off = 0;
  while (d.size() - off >= sizeof(nlmsghdr)) {
    nlmsghdr h;
    std::memcpy(&h, d.data() + off, sizeof h);
    REQUIRE(h.nlmsg_len >= sizeof(nlmsghdr));
    REQUIRE(off + h.nlmsg_len <= d.size());
    std::vector<uint32_t> m((h.nlmsg_len + 3) / 4);
    std::memcpy(m.data(), d.data() + off, h.nlmsg_len);
    out.push_back(std::move(m));
    off += NLMSG_ALIGN(h.nlmsg_len);
  }
  return out;
}
inline const nlmsghdr* hdr(const std::vector<uint32_t>& m) {
  return reinterpret_cast<const nlmsghdr*>(m.data());
}

/// rtnl's client code over the daemon: send() is on_request(), receive() pops what it sent.
class DaemonLoop final : public rtnl::Transport {
 public:
  DaemonLoop(simd::SimDaemon& d, FakeConnection& c) : d_(d), c_(c) {}
  std::expected<void, rtnl::Error> send(std::span<const std::byte> request) override {
    d_.on_request(c_, request);
    return {};
  }
  std::expected<size_t, rtnl::Error> receive(std::vector<std::byte>& buffer) override {
    if (c_.sent.empty())
      return std::unexpected(rtnl::Error(rtnl::ErrorCode::kTimeout, 0, "silent"));
    Datagram d = std::move(c_.sent.front());
    c_.sent.pop_front();
    if (buffer.size() < d.size()) buffer.resize(d.size());
    std::copy(d.begin(), d.end(), buffer.begin());
    return d.size();
  }
  std::string_view peer_name() const override { return "daemon"; }

 private:
  simd::SimDaemon& d_;
  FakeConnection& c_;
};

/// A change to VF `vf` with nothing set yet.
inline rtnl::VfChange vf_change(unsigned vf) {
  rtnl::VfChange c;
  c.vf = rtnl::VfIndex{vf};
  return c;
}

inline void require_eal() {
  const auto& eal = dp::shared_eal();
  REQUIRE(eal.has_value());
}

/// A log file path of this test process's own, removed first and again at exit.
/// Options for a daemon whose guests announce themselves (a gratuitous ARP each) on every
/// poll, so captures always have frames to see.
inline simd::SimDaemonOptions chatty() {
  simd::SimDaemonOptions o;
  o.announce_every = hal::Nanos{0};
  return o;
}

inline std::string temp_log(const std::string& tag) {
  struct RemoveAtExit {
    std::vector<std::filesystem::path> paths;
    ~RemoveAtExit() {
      std::error_code ec;
      for (const auto& p : paths) std::filesystem::remove(p, ec);
    }
  };
  static RemoveAtExit logs;
  const auto p = std::filesystem::temp_directory_path() /
                 ("sriovkit-daemon-test-" + std::to_string(getpid()) + "-" + tag + ".log");
  std::filesystem::remove(p);
  logs.paths.push_back(p);
  return p.string();
}

inline std::unique_ptr<simd::SimDaemon> make_daemon(unsigned vfs, const std::string& tag,
                                                    simd::SimDaemonOptions o = {}) {
  require_eal();
  o.name = "sim0";
  o.num_vfs = vfs;
  if (o.event_log.empty()) o.event_log = temp_log(tag);
  auto d = simd::SimDaemon::create(o);
  INFO((d ? std::string() : d.error()));
  REQUIRE(d.has_value());
  return std::move(*d);
}

/// A kMsgRequest datagram carrying `body`.
inline Datagram json_request(const nlohmann::json& body, uint32_t seq = 7) {
  const std::string text = body.dump();
  Datagram d(NLMSG_ALIGN(NLMSG_HDRLEN + text.size()));
  nlmsghdr h{};
  h.nlmsg_len = static_cast<uint32_t>(NLMSG_HDRLEN + text.size());
  h.nlmsg_type = ctl::kMsgRequest;
  h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  h.nlmsg_seq = seq;
  std::memcpy(d.data(), &h, sizeof h);
  std::memcpy(d.data() + NLMSG_HDRLEN, text.data(), text.size());
  return d;
}

/// The answer to a JSON request: a reply body, or an ACK / error.
struct Answer {
  bool is_reply = false;
  nlohmann::json body;
  rtnl::Ack ack;
};

/// Sends `body` and takes the first message of the first datagram back.
inline Answer ask(simd::SimDaemon& d, FakeConnection& c, const nlohmann::json& body) {
  c.sent.clear();
  d.on_request(c, json_request(body));
  REQUIRE(!c.sent.empty());
  const Datagram first = c.sent.front();
  c.sent.pop_front();
  auto msgs = messages(first);
  REQUIRE(msgs.size() == 1);
  const nlmsghdr* h = hdr(msgs[0]);
  CHECK(h->nlmsg_seq == 7u);
  Answer a;
  if (h->nlmsg_type == ctl::kMsgReply) {
    a.is_reply = true;
    const char* p = reinterpret_cast<const char*>(NLMSG_DATA(h));
    a.body = nlohmann::json::parse(p, p + (h->nlmsg_len - NLMSG_HDRLEN));
  } else {
    REQUIRE(h->nlmsg_type == NLMSG_ERROR);
    auto ack = rtnl::parse_ack(h);
    REQUIRE(ack.has_value());
    a.ack = *ack;
  }
  return a;
}

/// Polls `d` until `done()` or a generous deadline; returns done().
template <typename F>
bool poll_until(simd::SimDaemon& d, F done, std::chrono::seconds limit = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    if (d.poll() == 0) usleep(200);
  }
  return true;
}

}  // namespace dtest
