#include "harness/wire/open_wire.hpp"

namespace harness {

std::expected<OpenedWire, std::string> open_wire(std::string_view devargs) {
  OpenedWire w;
  if (devargs.empty() || devargs == "builtin") {
    auto ring = make_ring_wire();
    if (!ring) return std::unexpected(ring.error());
    w.port = ring->port;
    w.ethdev = std::move(ring->port);
    w.peer = std::move(ring->peer);
    return w;
  }
  if (devargs == "memory") {
    w.port = std::make_shared<sim::MemoryWire>();
    return w;
  }
  auto eth = EthdevWire::open(devargs);
  if (!eth) return std::unexpected(eth.error());
  w.port = *eth;
  w.ethdev = std::move(*eth);
  return w;
}

}  // namespace harness
