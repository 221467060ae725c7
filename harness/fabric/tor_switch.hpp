#pragma once
// A top-of-rack Ethernet switch joining simulated 82599s' wires and software stations (the
// traffic partner of the failover scenarios): what the wires of two hosts, or of two NICs of
// one host, plug into. It behaves as an ordinary learning bridge (IEEE 802.1D):
//   - it learns each frame's source MAC on the port it came in on (a MAC moving to another
//     port moves its entry: a migrated guest's first frame from its new host);
//   - a unicast frame to a learned MAC goes out of that port only; to a MAC learned on the
//     port it came in on, nowhere (filtered); to an unknown MAC, out of every other port that
//     is up (flooded); broadcast and multicast are flooded the same way;
//   - a port whose link goes down forgets every MAC learned on it (as switches flush their
//     tables on link-down, so a team's backup NIC gets the traffic at once) and drops what it
//     held queued;
//   - a port is up while the administrator has it up (set_link) and the device on it lights
//     its laser (WirePort::set_tx_signal): a PF that stops takes its port down too.
// It learns only from valid unicast source MACs (not zero, not multicast), as Linux's bridge
// does. Entries never age: the rig's runs are short, and every event that moves a MAC in
// these scenarios (a migration, a team's failover) either sends a frame from the new port or
// takes the old port down. Frames are stored, not cut through: each copy waits in its egress
// port's queue until the device or station there takes it. docs/tor-switch.md.
//
// Every frame is counted in exactly one place (check()). Not thread-safe: the devices on its
// ports must be polled from one thread, as the failover rig does (one thread steps it all).

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "hal/sim/wire_port.hpp"
#include "hal/types.hpp"

namespace harness::fabric {

/// Counters of the whole switch. A frame that enters makes 0..n copies (one per egress
/// port it goes out of); a copy is queued at its egress port until the device or station
/// there takes it, or dropped.
struct TorCounters {
  uint64_t ingress = 0;        ///< frames that entered on any port
  uint64_t extra_copies = 0;   ///< copies beyond the first, made by flooding
  uint64_t delivered = 0;      ///< copies taken at their egress port
  uint64_t filtered = 0;       ///< frames whose destination was learned on their own port
  uint64_t no_egress = 0;      ///< frames with no port up to go out of (flood to nobody)
  uint64_t egress_down = 0;    ///< copies dropped: queued at a port when it went down, or sent
                               ///< to a learned port that was down
  uint64_t egress_full = 0;    ///< copies dropped: the egress queue held queue_capacity copies
  uint64_t ingress_down = 0;   ///< frames offered by a device or station while its port was down
  uint64_t runts = 0;          ///< frames under 60 bytes from a device (its software cleared
                               ///< TXPADEN): the switch's MAC discards them, as the 82599's does
  uint64_t oversize = 0;       ///< frames over sim::kMaxWireFrame (no port of the rig carries one)
  uint64_t flushed_macs = 0;   ///< table entries forgotten on link-down
  uint64_t moved_macs = 0;     ///< entries that moved to another port

  uint64_t dropped() const {
    return filtered + no_egress + egress_down + egress_full + ingress_down + runts + oversize;
  }
};

/// Per port.
struct TorPortCounters {
  uint64_t in = 0;       ///< frames that entered here (ingress_down ones included)
  uint64_t out = 0;      ///< copies taken here
  uint64_t dropped = 0;  ///< egress_down + egress_full copies of this port; ingress_down, runt
                         ///< and oversize frames that came in here (filtered and no_egress
                         ///< frames are the switch's, not a port's)
};

class TorSwitch {
 public:
  /// `queue_capacity`: copies each port's egress queue holds (a switch's port buffer).
  explicit TorSwitch(size_t queue_capacity = 4096);
  /// Forgets the devices on its ports: a device port that outlives the switch is an unplugged
  /// cable (rx_signal() false, so the device's link goes down at its next pass; send()
  /// discards, receive() finds nothing).
  ~TorSwitch();
  TorSwitch(const TorSwitch&) = delete;
  TorSwitch& operator=(const TorSwitch&) = delete;

  /// A port facing a simulated device: install the returned WirePort with
  /// Device82599::set_wire(). Its send() is the device transmitting into the switch (forwarded
  /// at once), its receive() the oldest copy queued for the device, its rx_signal() the
  /// administrator's link (the switch's own transmitter is always on): the device's LINKS
  /// follows set_link(). carries_runts() is true: the switch's MAC pads, so a short frame
  /// from it would be a runt. The port is down until a device installs it (set_wire() tells
  /// the port whether the laser is lit); a device that turns its laser off takes it down.
  /// `port` gets the port's number.
  std::shared_ptr<sim::WirePort> add_device_port(std::string name, unsigned& port);
  /// A port facing a software station (send with inject(), receive with take()). Up from the
  /// start (the station's transmitter is always on); set_link() takes it down.
  unsigned add_station_port(std::string name);

  /// A station's frame enters the switch on `port` (a station port). The station's MAC pads a
  /// frame under 60 bytes with zeros, as every Ethernet MAC does (the 82599s on the other
  /// ports take short frames as runts). Counted in ingress_down while the port is down.
  /// Returns false, and counts nothing, when `port` is not a station port (a programming
  /// error of the caller).
  bool inject(unsigned port, std::span<const uint8_t> frame);
  /// The oldest copy queued for the station on `port`, into `frame` (resized; its capacity is
  /// kept); false when none, or when `port` is not a station port.
  bool take(unsigned port, std::vector<uint8_t>& frame);

  /// The administrator's link of `port` (a cable pulled or plugged back). Taking it down
  /// flushes the MACs learned on it and drops its queued copies (egress_down). Returns false,
  /// changing nothing, for a port that does not exist.
  bool set_link(unsigned port, bool up);
  /// Whether `port` is up: administratively up and, for a device port, the device's laser on.
  /// False for a port that does not exist.
  bool link_up(unsigned port) const;
  /// Whether the administrator has `port` up (set_link), whatever the device does.
  bool admin_up(unsigned port) const;

  /// The port `mac` was learned on; -1 when unknown.
  int learned_port(hal::MacAddr mac) const;
  /// Entries in the MAC table.
  size_t learned() const { return table_.size(); }
  /// Copies queued at `port`'s egress (0 for a port that does not exist), and at every port.
  size_t queued(unsigned port) const;
  size_t queued() const;

  const TorCounters& counters() const { return c_; }
  /// Zeros and "" for a port that does not exist.
  const TorPortCounters& port_counters(unsigned port) const;
  const std::string& port_name(unsigned port) const;
  unsigned num_ports() const;
  /// Empty when ingress + extra_copies == delivered + dropped() + queued() and the ports' own
  /// counters add up to the switch's (in to ingress, out to delivered, dropped to the
  /// per-port drops); else what does not add up, with the numbers.
  std::string check() const;

 private:
  struct Port;
  class DevicePort;
  Port* port_at(unsigned port) const;
  void forward(unsigned in_port, std::span<const uint8_t> frame);
  void learn(uint64_t src, unsigned in_port);
  void enqueue(unsigned out_port, std::span<const uint8_t> frame);
  bool dequeue(unsigned port, std::vector<uint8_t>& frame);
  void port_went_down(unsigned port);
  void update_link(unsigned port, bool before);

  size_t capacity_;
  std::vector<std::unique_ptr<Port>> ports_;
  std::map<uint64_t, unsigned> table_;  ///< MAC (48 bits) -> port
  std::vector<uint8_t> pad_;            ///< inject()'s padded copy of a short frame
  TorCounters c_;
};

}  // namespace harness::fabric
