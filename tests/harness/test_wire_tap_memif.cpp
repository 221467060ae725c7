// The wire on the Linux network stack (net_tap, seen through an AF_PACKET socket on the tap
// interface) and on another DPDK application (net_memif; here server and client share one
// process, which DPDK allows). Both wait on things outside the test's control (the kernel,
// DPDK's interrupt thread), so they loop against generous real-time bounds.

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "harness/wire/ethdev_wire.hpp"
#include "wire_rig.hpp"

using wiretest::Bytes;
using wiretest::frame;
using wiretest::kFarMac;

namespace {

/// An AF_PACKET socket bound to one interface: it sees every frame the interface receives or
/// sends, and writes frames for the interface to transmit.
class PacketSocket {
 public:
  explicit PacketSocket(const std::string& ifname) {
    ifindex_ = static_cast<int>(::if_nametoindex(ifname.c_str()));
    REQUIRE(ifindex_ != 0);
    fd_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
    REQUIRE(fd_ >= 0);
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = ifindex_;
    REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&sll), sizeof sll) == 0);
  }
  ~PacketSocket() { ::close(fd_); }
  PacketSocket(const PacketSocket&) = delete;
  PacketSocket& operator=(const PacketSocket&) = delete;

  /// The next frame the interface received (not one it sent), if one waits.
  std::optional<Bytes> receive() {
    Bytes b(65536);
    sockaddr_ll from{};
    socklen_t len = sizeof from;
    for (;;) {
      const ssize_t n = ::recvfrom(fd_, b.data(), b.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 0) return std::nullopt;
      if (from.sll_pkttype == PACKET_OUTGOING) continue;
      b.resize(static_cast<size_t>(n));
      return b;
    }
  }

  /// Has the interface transmit `f` (towards the tap's reader: the DPDK driver).
  void send(const Bytes& f) {
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = ifindex_;
    sll.sll_halen = 6;
    std::memcpy(sll.sll_addr, f.data(), 6);
    REQUIRE(::sendto(fd_, f.data(), f.size(), 0, reinterpret_cast<const sockaddr*>(&sll), sizeof sll) ==
            static_cast<ssize_t>(f.size()));
  }

 private:
  int fd_ = -1;
  int ifindex_ = 0;
};

/// Why net_tap cannot run here, or "" when it can.
std::string tap_unavailable() {
  if (::geteuid() != 0) return "not root";
  if (::access("/dev/net/tun", R_OK | W_OK) != 0) return "no /dev/net/tun";
  return "";
}

/// An interface name no other test process uses (at most 15 characters).
std::string tap_name() {
  static std::atomic<unsigned> serial{0};
  return fmt::format("sk{}t{}", ::getpid() % 100000, serial.fetch_add(1));
}

std::shared_ptr<harness::EthdevWire> open_tap(const std::string& ifname) {
  wiretest::require_eal();
  static std::atomic<unsigned> serial{0};
  const std::string devargs = fmt::format("net_tap{},iface={}", 100 + serial.fetch_add(1), ifname);
  auto w = harness::EthdevWire::open(devargs);
  INFO((w ? std::string() : w.error()));
  REQUIRE(w.has_value());
  // Less chatter on the interface (IPv6 router solicitations, MLD); the tests filter on their
  // own ethertype anyway, so failing here changes nothing.
  if (std::FILE* f = std::fopen(fmt::format("/proc/sys/net/ipv6/conf/{}/disable_ipv6", ifname).c_str(), "w")) {
    std::fputs("1", f);
    std::fclose(f);
  }
  return std::move(*w);
}

}  // namespace

TEST_CASE("tap wire: a frame a VF sends appears on the tap interface", "[wire][tap]") {
  if (const std::string why = tap_unavailable(); !why.empty()) {
    WARN("net_tap test skipped: " << why);
    return;
  }
  auto host = wiretest::make_host();
  const std::string ifname = tap_name();
  auto w = open_tap(ifname);
  PacketSocket sock(ifname);
  host->device().set_wire(w);
  const Bytes f = frame(kFarMac, host->mac(0), 200, 7);
  wiretest::vf_send(host->port(0), f);

  std::optional<Bytes> seen;
  const auto deadline = wiretest::Clock::now() + wiretest::kPatience;
  while (!seen && wiretest::Clock::now() < deadline) {
    host->device().poll_once();
    while (auto b = sock.receive()) {
      if (wiretest::seq_of(*b) == 7u) {
        seen = std::move(b);
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(seen.has_value());
  CHECK(*seen == f);
  CHECK(w->stats().tx_frames == 1);
  wiretest::require_accounts(host->device());
}

TEST_CASE("tap wire: a frame written to the tap interface reaches the VF", "[wire][tap]") {
  if (const std::string why = tap_unavailable(); !why.empty()) {
    WARN("net_tap test skipped: " << why);
    return;
  }
  auto host = wiretest::make_host();
  const std::string ifname = tap_name();
  auto w = open_tap(ifname);
  PacketSocket sock(ifname);
  host->device().set_wire(w);
  const Bytes f = frame(host->mac(0), kFarMac, 300, 9);
  sock.send(f);

  std::optional<Bytes> got;
  const auto deadline = wiretest::Clock::now() + wiretest::kPatience;
  while (!got && wiretest::Clock::now() < deadline) {
    host->device().poll_once();
    std::vector<Bytes> frames;
    wiretest::vf_receive(host->port(0), frames);
    for (Bytes& b : frames) {
      if (wiretest::seq_of(b) == 9u) got = std::move(b);  // anything else is the kernel's
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  REQUIRE(got.has_value());
  CHECK(*got == f);
  CHECK(w->stats().rx_frames >= 1);
  wiretest::require_accounts(host->device());
}

TEST_CASE("memif wire: a server and a client in one process carry frames both ways", "[wire][memif]") {
  auto host = wiretest::make_host();
  wiretest::ScratchDir dir;
  const std::string sock = dir.file("memif.sock");
  static std::atomic<unsigned> serial{0};
  const unsigned n = serial.fetch_add(2);
  auto open = [](const std::string& devargs) {
    auto w = harness::EthdevWire::open(devargs);
    INFO(devargs);
    INFO((w ? std::string() : w.error()));
    REQUIRE(w.has_value());
    return std::move(*w);
  };
  // The device's wire serves; the client stands for another DPDK application.
  auto server = open(fmt::format("net_memif{},role=server,socket={},socket-abstract=no", n, sock));
  auto client = open(fmt::format("net_memif{},role=client,socket={},socket-abstract=no", n + 1, sock));
  host->device().set_wire(server);

  // DPDK's interrupt thread connects the two; wait for both links.
  const auto deadline = wiretest::Clock::now() + wiretest::kPatience;
  while (!(server->link_up() && client->link_up()) && wiretest::Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(server->link_up());
  REQUIRE(client->link_up());

  // VF -> server -> client. In memif the client owns the buffers of both directions: the
  // server can send only into buffers the client posted, which its first rx_burst does.
  Bytes b;
  CHECK_FALSE(client->receive(b));
  std::vector<Bytes> sent;
  for (uint32_t i = 0; i < 3; ++i) {
    sent.push_back(frame(kFarMac, host->mac(0), 60 + 700 * i, i));
    wiretest::vf_send(host->port(0), sent.back());
  }
  std::vector<Bytes> at_client;
  while (at_client.size() < sent.size() && wiretest::Clock::now() < deadline) {
    host->device().poll_once();
    while (client->receive(b)) at_client.push_back(b);
  }
  CHECK(at_client == sent);

  // client -> server -> VF.
  std::vector<Bytes> back;
  for (uint32_t i = 0; i < 3; ++i) {
    back.push_back(frame(host->mac(0), kFarMac, 1514 - 500 * i, 10 + i));
    client->send(back.back());
  }
  client->flush();
  CHECK(client->stats().tx_frames == 3);
  std::vector<Bytes> at_vf;
  while (at_vf.size() < back.size() && wiretest::Clock::now() < deadline) {
    host->device().poll_once();
    wiretest::vf_receive(host->port(0), at_vf);
  }
  CHECK(at_vf == back);
  CHECK(server->stats().tx_refused == 0);
  CHECK(server->stats().tx_frames == 3);
  CHECK(server->stats().rx_frames == 3);
  wiretest::require_accounts(host->device());
  host->device().set_wire(nullptr);
}
