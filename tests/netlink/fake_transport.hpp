#pragma once
// A Transport whose peer is a function: every request sent is answered with the datagrams it
// returns, queued for receive(). Stands in for the kernel or the daemon in exchange tests.

#include <cstring>
#include <deque>
#include <functional>
#include <vector>

#include "netlink/message.hpp"
#include "netlink/transport.hpp"

namespace nltest {

using Datagram = std::vector<std::byte>;

/// Several messages back to back in one datagram, each padded to 4 bytes as the kernel does.
inline Datagram datagram(std::initializer_list<const rtnl::Message*> msgs) {
  Datagram d;
  for (const rtnl::Message* m : msgs) {
    d.insert(d.end(), m->bytes().begin(), m->bytes().end());
    d.resize(NLMSG_ALIGN(d.size()));
  }
  return d;
}

class FakeTransport final : public rtnl::Transport {
 public:
  /// Gets the request's header, followed in memory by the rest of the request.
  using Peer = std::function<std::vector<Datagram>(const nlmsghdr& request)>;
  explicit FakeTransport(Peer peer) : peer_(std::move(peer)) {}

  std::expected<void, rtnl::Error> send(std::span<const std::byte> request) override {
    requests.emplace_back(request.begin(), request.end());
    // The peer sees the whole request (header and payload), as stored.
    const auto* h = reinterpret_cast<const nlmsghdr*>(requests.back().data());
    for (Datagram& d : peer_(*h)) queue_.push_back(std::move(d));
    return {};
  }
  std::expected<size_t, rtnl::Error> receive(std::vector<std::byte>& buffer) override {
    if (queue_.empty()) {
      return std::unexpected(rtnl::Error(rtnl::ErrorCode::kTimeout, 0, "fake peer is silent"));
    }
    Datagram d = std::move(queue_.front());
    queue_.pop_front();
    if (buffer.size() < d.size()) buffer.resize(d.size());
    std::copy(d.begin(), d.end(), buffer.begin());
    return d.size();
  }
  std::string_view peer_name() const override { return "daemon"; }

  /// Every request sent, as bytes.
  std::vector<std::vector<std::byte>> requests;

 private:
  Peer peer_;
  std::deque<Datagram> queue_;
};

}  // namespace nltest
