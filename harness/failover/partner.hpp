#pragma once
// The failover scenarios' traffic partner: a station on the ToR switch (a server the guest
// talks to) that sends probe frames to the guest's MAC at a fixed rate of the rig's clock and
// reads the guest's probes back, tracking their sequence numbers (probe_tracker.hpp).
//
// Not thread-safe: the rig's one thread runs it.

#include <cstdint>
#include <vector>

#include "hal/clock.hpp"
#include "hal/types.hpp"
#include "harness/apps/probe_frame.hpp"
#include "harness/fabric/tor_switch.hpp"
#include "harness/failover/probe_tracker.hpp"

namespace harness::failover {

struct PartnerCounters {
  uint64_t sent = 0;       ///< frames injected into the switch (probes to the guest)
  uint64_t received = 0;   ///< frames taken from the switch, of any kind
  uint64_t probes = 0;     ///< of those, the guest's probes
  uint64_t not_probe = 0;  ///< anything else (counted, ignored)
};

class Partner {
 public:
  /// A station with address `mac` on `port` of `tor`, sending `rate_pps` probes per second to
  /// `guest` (0: none) on `clock`. All must outlive it.
  Partner(fabric::TorSwitch& tor, unsigned port, hal::MacAddr mac, hal::MacAddr guest, uint64_t rate_pps,
          const hal::Clock& clock);

  /// Sends what the rate allows since the last call (nothing while `sending` is off).
  void generate();
  /// Reads every frame the switch holds for this station.
  void receive();
  void set_sending(bool on);

  /// The guest's probes as received here.
  ProbeTracker& from_guest() { return from_guest_; }
  const ProbeTracker& from_guest() const { return from_guest_; }
  /// Probes sent to the guest so far (their sequence numbers are 0..sent-1).
  uint64_t sent() const { return c_.sent; }
  const PartnerCounters& counters() const { return c_; }
  hal::MacAddr mac() const { return mac_; }
  unsigned port() const { return port_; }

 private:
  fabric::TorSwitch& tor_;
  unsigned port_;
  hal::MacAddr mac_;
  uint64_t rate_;
  const hal::Clock& clock_;
  bool sending_ = true;
  hal::Nanos last_{};
  uint64_t credit_ = 0;  ///< frame-nanoseconds: a frame costs 1e9
  apps::ProbeHeader hdr_;
  std::vector<uint8_t> frame_;
  std::vector<uint8_t> rx_;
  ProbeTracker from_guest_;
  PartnerCounters c_;
};

}  // namespace harness::failover
