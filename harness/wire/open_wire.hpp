#pragma once
// One string to a wire port, for tools: the devargs of a DPDK ethdev, or the built-in peer.

#include <expected>
#include <memory>
#include <string>
#include <string_view>

#include "hal/sim/wire_port.hpp"
#include "harness/wire/ethdev_wire.hpp"
#include "harness/wire/ring_peer.hpp"

namespace harness {

/// An opened wire. `port` is what Device82599::set_wire takes; `ethdev` is the same port when
/// it is an ethdev (for its stats), and `peer` the far end when the wire is the built-in one.
struct OpenedWire {
  std::shared_ptr<sim::WirePort> port;
  std::shared_ptr<EthdevWire> ethdev;
  std::unique_ptr<WirePeer> peer;
};

/// "" or "builtin": the built-in net_ring pair (make_ring_wire with default options).
/// "memory": a sim::MemoryWire (no DPDK at all; records what the device sends).
/// Anything else: the devargs of a DPDK ethdev (EthdevWire::open): "net_tap0,iface=sriov0",
/// "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap", "net_memif0,role=server,socket=/tmp/x.sock".
/// Errors: as make_ring_wire and EthdevWire::open (one line naming the devargs).
std::expected<OpenedWire, std::string> open_wire(std::string_view devargs);

}  // namespace harness
