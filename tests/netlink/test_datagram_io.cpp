// receive_datagram over a UNIX SOCK_SEQPACKET pair (what the daemon's socket will be): whole
// datagrams of any size, timeouts and a closed peer as errors.

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <numeric>

#include "netlink/datagram_io.hpp"

using namespace rtnl;

namespace {

struct Pair {
  int fd[2] = {-1, -1};
  Pair() {
    REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fd) == 0);
    // Room for the large datagram below without blocking the sender.
    const int size = 1 << 20;
    setsockopt(fd[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    setsockopt(fd[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    timeval tv{0, 100 * 1000};
    REQUIRE(setsockopt(fd[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
  }
  ~Pair() {
    for (int f : fd) {
      if (f >= 0) close(f);
    }
  }
  Pair(const Pair&) = delete;
  Pair& operator=(const Pair&) = delete;
};

std::vector<std::byte> pattern(size_t n, uint8_t seed) {
  std::vector<std::byte> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>((i * 7 + seed) & 0xFF);
  return v;
}

}  // namespace

TEST_CASE("receive_datagram grows its buffer to a 200 KiB datagram instead of truncating it",
          "[netlink][datagram]") {
  Pair p;
  const auto big = pattern(200 * 1024, 1);
  const auto small = pattern(100, 2);
  REQUIRE(send(p.fd[0], big.data(), big.size(), 0) == static_cast<ssize_t>(big.size()));
  REQUIRE(send(p.fd[0], small.data(), small.size(), 0) == static_cast<ssize_t>(small.size()));

  std::vector<std::byte> buf(4096);
  auto n = receive_datagram(p.fd[1], buf);
  REQUIRE(n.has_value());
  REQUIRE(*n == big.size());
  CHECK(std::equal(big.begin(), big.end(), buf.begin()));

  // The next datagram is intact: nothing of the first was left behind or lost.
  n = receive_datagram(p.fd[1], buf);
  REQUIRE(n.has_value());
  REQUIRE(*n == small.size());
  CHECK(std::equal(small.begin(), small.end(), buf.begin()));
  CHECK(buf.size() >= big.size());  // the grown buffer is kept for the next one
}

TEST_CASE("receive_datagram starts from a buffer the kernel can fill with 32 KiB dump datagrams",
          "[netlink][datagram]") {
  Pair p;
  const auto d = pattern(10, 3);
  REQUIRE(send(p.fd[0], d.data(), d.size(), 0) == 10);
  std::vector<std::byte> buf;
  REQUIRE(receive_datagram(p.fd[1], buf) == 10u);
  CHECK(buf.size() >= kMinReceiveBuffer);
}

TEST_CASE("receive_datagram reports an expired receive timeout", "[netlink][datagram]") {
  Pair p;
  std::vector<std::byte> buf;
  auto n = receive_datagram(p.fd[1], buf);
  REQUIRE_FALSE(n.has_value());
  CHECK(n.error().code == ErrorCode::kTimeout);
}

TEST_CASE("receive_datagram reports a peer that closed the connection", "[netlink][datagram]") {
  Pair p;
  close(p.fd[0]);
  p.fd[0] = -1;
  std::vector<std::byte> buf;
  auto n = receive_datagram(p.fd[1], buf);
  REQUIRE_FALSE(n.has_value());
  CHECK(n.error().code == ErrorCode::kClosed);
}
