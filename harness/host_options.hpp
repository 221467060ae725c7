#pragma once
// How a simulated host is built and run.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "hal/types.hpp"
#include "mailbox/message.hpp"
#include "mailbox/trace.hpp"
#include "pf_driver/options.hpp"

namespace harness {

/// How the host's parts are scheduled.
enum class Mode {
  /// One thread, a manual clock: the PF service and the guests are stepped explicitly and
  /// waits advance simulated time. Deterministic; what unit tests use.
  kStepped,
  /// One thread, real time: a waiting guest runs the PF service itself (busy polling).
  kInline,
  /// Real time, two threads: the PF service on its own thread (woken by its mailbox interrupt,
  /// or busy polling), all guests on the caller's thread.
  kThreaded,
};
std::string_view to_string(Mode m);
std::optional<Mode> parse_mode(std::string_view s);

/// Administrative settings for one VF, applied after the VFs are enabled and before the guests
/// probe (as an operator's `ip link set ... vf N ...` would be).
struct VfAdmin {
  std::optional<hal::MacAddr> mac;
  std::optional<uint16_t> vlan;
  uint8_t qos = 0;
  std::optional<bool> trust;
  std::optional<bool> spoofchk;
};

struct HostOptions {
  std::string name = "sim0";
  unsigned num_vfs = 8;
  Mode mode = Mode::kStepped;
  /// Threaded mode: guests sleep on their VF's mailbox interrupt instead of spinning.
  bool vf_interrupts = false;
  /// Threaded mode: the PF thread busy-polls instead of sleeping on its mailbox interrupt.
  bool pf_busy_poll = false;
  /// Seeds the guests' random MACs (guest i uses seed * 1000 + i).
  uint64_t seed = 1;
  mbx::Api max_api = mbx::Api::k14;
  hal::MacAddr pf_mac = hal::MacAddr({0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x0c});
  std::map<unsigned, VfAdmin> admin;
  /// The PF's mailbox flood policy (docs/reliability.md): on by default; tools set it from
  /// --mailbox-* options (tools/flood_args.hpp), MailboxFloodPolicy::off() turns it off.
  pf::MailboxFloodPolicy mailbox_flood;
  /// Sees every mailbox message once, traced by its writer (the VF for requests and acks, the
  /// PF for replies and pings), with exactly the words written. In threaded mode it is called
  /// from both threads: it must be thread-safe.
  mbx::TraceFn mailbox_trace;
};

}  // namespace harness
