// The Linux stack pings a VF end to end: `ping` in a network namespace of the test's own sends
// ARP and ICMP echo requests out of a net_tap interface; the tap is the simulated 82599's wire
// (EthdevWire); the device's switch hands them to a VF running the ARP/ICMP responder
// (harness/apps/responder.hpp), and the replies take the same way back.
//
// The tap interface is moved into the namespace before it gets its address, so the host's root
// namespace gains no address, route or neighbour. The Linux side runs in real time, so the test
// loops against generous real-time bounds and asserts no timing: ping's own exit status and
// summary, the responder's counters, the wire's counters and the device's accounting.
//
// Skipped (with a WARN) without root, /dev/net/tun, `ip` with netns support, or `ping`.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "hal/sim/engine_thread.hpp"
#include "harness/apps/burst_port.hpp"
#include "harness/apps/responder.hpp"
#include "harness/wire/ethdev_wire.hpp"
#include "tests/harness/netns_rig.hpp"
#include "tests/harness/wire_rig.hpp"

namespace apps = harness::apps;
using apps::inet::Ipv4Addr;

namespace {

/// The VF's address and the Linux end's, on a /24 no other test uses.
const Ipv4Addr kVfIp{{10, 231, 0, 2}};
constexpr const char* kLinuxCidr = "10.231.0.1/24";
/// Echo requests ping sends.
constexpr unsigned kPings = 3;
/// The whole exchange, ping included; never asserted on, only a bound against a hang.
constexpr auto kDeadline = std::chrono::seconds(60);

/// Who runs the device's engine while the Linux side works in real time.
enum class Engine {
  kStepped,  ///< the test thread, one poll_once() per round, beside the responder
  kThread,   ///< a sim::EngineThread; the test thread runs only the responder (a guest)
};

/// Why this test cannot run here, or "" when it can.
std::string ping_unavailable() {
  if (::geteuid() != 0) return "not root";
  if (::access("/dev/net/tun", R_OK | W_OK) != 0) return "no /dev/net/tun";
  if (!wiretest::have_program("ip")) return "no 'ip' (iproute2)";
  if (!wiretest::have_program("ping")) return "no 'ping' (iputils-ping)";
  return "";
}

/// Names no other test, and no other test process, uses: an interface (at most 15 characters)
/// and a namespace.
struct Names {
  std::string ifname, netns, devargs;
};
Names unique_names() {
  static std::atomic<unsigned> serial{0};
  const unsigned n = serial.fetch_add(1);
  const int pid = ::getpid();
  // net_tap device names must be unique in the process: 300 and up is this file's range.
  return Names{fmt::format("skp{}n{}", pid % 100000, n), fmt::format("sriovkit-ping-{}-{}", pid, n),
               fmt::format("net_tap{},iface=skp{}n{}", 300 + n, pid % 100000, n)};
}

/// Detaches the wire from the device when the test ends, so the wire (an ethdev) is closed
/// before the EAL and never while the device might still use it.
struct WireDetach {
  sim::Device82599& dev;
  ~WireDetach() { dev.set_wire(nullptr); }
};

/// Responder polls and engine passes until two rounds in a row move nothing (bounded), so the
/// counters of the responder, the wire and the device describe the same frames. The engine
/// thread, if any, must be stopped.
void drain(harness::DatapathHost& host, apps::Responder& responder) {
  unsigned quiet = 0;
  for (unsigned i = 0; i < 10'000 && quiet < 2; ++i) {
    size_t moved = responder.poll();
    moved += host.device().poll_once();
    quiet = moved == 0 ? quiet + 1 : 0;
  }
}

std::string describe(const apps::ResponderCounters& c) {
  return fmt::format("responder: received {} arp_replies {} echo_replies {} ignored {} malformed {} tx_refused {}",
                     c.received, c.arp_replies, c.echo_replies, c.ignored, c.malformed, c.tx_refused);
}

std::string describe(const harness::EthdevWireStats& s) {
  return fmt::format("wire: tx_offered {} tx_frames {} tx_refused {} tx_no_mbuf {} rx_frames {}", s.tx_offered,
                     s.tx_frames, s.tx_refused, s.tx_no_mbuf, s.rx_frames);
}

void ping_vf_through_tap(Engine engine) {
  if (const std::string why = ping_unavailable(); !why.empty()) {
    WARN("tap ping test skipped: " << why);
    return;
  }
  auto host = wiretest::make_host(1);
  const Names names = unique_names();

  // Declared in this order so they go in reverse: the engine stops, the interface comes back
  // from the namespace and the namespace goes, the device lets go of the wire, the wire closes
  // (removing the interface), then the host.
  std::shared_ptr<harness::EthdevWire> wire;
  {
    auto w = harness::EthdevWire::open(names.devargs);
    INFO((w ? std::string() : w.error()));
    REQUIRE(w.has_value());
    wire = std::move(*w);
  }
  WireDetach detach{host->device()};
  host->device().set_wire(wire);

  std::string why;
  auto ns = netnstest::NetNs::add(names.netns, why);
  if (!ns) {
    WARN("tap ping test skipped: ip netns unavailable: " << why);
    return;
  }
  ns->adopt(names.ifname, kLinuxCidr);

  // The VF is reachable from the wire as the PF set it up: its MAC is in a RAR entry for its
  // pool (the echo requests), and VMOLR.BAM is on for it (the ARP requests, broadcast).
  apps::Responder responder(apps::burst_port(host->port(0)), {.ip = kVfIp});

  std::unique_ptr<sim::EngineThread> engine_thread;
  if (engine == Engine::kThread) {
    auto t = sim::EngineThread::start(host->device());
    INFO((t ? std::string() : t.error()));
    REQUIRE(t.has_value());
    engine_thread = std::move(*t);
  }

  // Exactly kPings requests, 0.2 s apart to keep the run short; -W bounds the wait for the
  // last reply, so ping ends on its own within seconds whatever happens.
  netnstest::Child ping({"ip", "netns", "exec", names.netns, "ping", "-n", "-c", std::to_string(kPings), "-i",
                         "0.2", "-W", "5", kVfIp.to_string()});
  bool exited = false;
  const auto deadline = wiretest::Clock::now() + kDeadline;
  while (!(exited = ping.poll()) && wiretest::Clock::now() < deadline) {
    size_t moved = responder.poll();
    if (engine == Engine::kStepped) moved += host->device().poll_once();
    // Nothing moved: the kernel is between packets (ping's interval); do not burn the core
    // another agent or the engine thread may need.
    if (moved == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  INFO("ping output:\n" << ping.output());
  REQUIRE(exited);

  if (engine_thread) engine_thread->stop();
  drain(*host, responder);

  const apps::ResponderCounters c = responder.counters();
  const harness::EthdevWireStats s = wire->stats();
  INFO(describe(c));
  INFO(describe(s));
  CHECK(ping.exit_code() == 0);
  CHECK(ping.output().find(fmt::format("{} packets transmitted, {} received", kPings, kPings)) !=
        std::string::npos);
  CHECK(c.arp_replies >= 1);
  CHECK(c.echo_replies >= kPings);
  // The kernel's own frames on the interface (IPv6 router solicitations, MLD reports) arrive
  // too; the responder ignores them, and none is malformed.
  CHECK(c.malformed == 0);
  CHECK(c.tx_refused == 0);
  CHECK(c.received == c.arp_replies + c.echo_replies + c.ignored + c.malformed);
  // Every reply left on the wire (the switch sends unicast to an unknown MAC there), and the
  // kernel took each one.
  CHECK(s.tx_offered == c.arp_replies + c.echo_replies);
  CHECK(s.tx_frames == s.tx_offered);
  CHECK(s.rx_frames >= 1 + kPings);
  wiretest::require_accounts(host->device());
}

}  // namespace

TEST_CASE("tap ping: ping in a network namespace gets its echo replies from a VF responder, engine stepped",
          "[wire][tap][ping]") {
  ping_vf_through_tap(Engine::kStepped);
}

TEST_CASE("tap ping: ping in a network namespace gets its echo replies from a VF responder, engine on its thread",
          "[wire][tap][ping][threads]") {
  ping_vf_through_tap(Engine::kThread);
}
