#pragma once
// The built-in wire that needs no setup: two net_ring ethdevs back to back over a pair of
// rte_rings. The device's end is an EthdevWire; the other end, a WirePeer, is an ordinary
// ethdev a harness or a benchmark drives with DPDK's own rte_eth_rx_burst/rte_eth_tx_burst, to
// sink what the device sends to the wire and to generate what arrives from it. docs/wire.md.

#include <cstdint>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/wire/ethdev_port.hpp"
#include "harness/wire/ethdev_wire.hpp"

struct rte_mbuf;
struct rte_mempool;

namespace harness {

struct RingLink;  // the two rings and what must outlive the mbufs in them (ring_peer.cpp)

/// The far end of the built-in wire. Frames the device sends arrive here; frames sent here
/// arrive at the device. Queue 0 each way, with the ownership rules of rte_eth_rx_burst and
/// rte_eth_tx_burst (port_id() may be given to them directly).
///
/// Thread safety: one thread at a time drives the peer; it may be another thread than the one
/// running the device's engine (each ring has one producer and one consumer).
class WirePeer {
 public:
  WirePeer(EthdevPort port, std::shared_ptr<RingLink> link);
  ~WirePeer();
  WirePeer(const WirePeer&) = delete;
  WirePeer& operator=(const WirePeer&) = delete;

  uint16_t port_id() const { return port_.id(); }
  const std::string& name() const { return port_.name(); }
  /// Up to `n` frames the device sent, oldest first; the caller owns (and frees) them.
  uint16_t rx_burst(rte_mbuf** pkts, uint16_t n);
  /// Hands up to `n` frames to the device's side; returns how many were taken (the rest stay
  /// the caller's: the ring towards the device is full). Taken mbufs are freed by the device's
  /// wire once the engine has copied them.
  uint16_t tx_burst(rte_mbuf** pkts, uint16_t n);

  /// A pool for building frames to send (the peer's own; its size is EthdevPortOptions').
  rte_mempool* pool() const { return port_.pool(); }
  /// Copies `frame` into an mbuf from pool() and sends it. False when the pool is dry or the
  /// ring is full (nothing sent, nothing held). For tests and tools, not fast paths.
  bool send(std::span<const uint8_t> frame);
  /// The next frame the device sent, copied out (the mbuf freed); nullopt when none waits.
  /// For tests and tools: it allocates.
  std::optional<std::vector<uint8_t>> receive();

 private:
  std::shared_ptr<RingLink> link_;  // declared first: released after the port closes
  EthdevPort port_;
};

struct RingWireOptions {
  /// Frames each direction's ring holds (a power of two, 2..65536). A frame the device sends
  /// into a full ring is refused and counted (EthdevWireStats::tx_refused); one the peer sends
  /// into a full ring stays the peer's (tx_burst returns less).
  unsigned ring_size = 1024;
  /// The device's end (its pool also holds the mbufs waiting in the ring towards the peer:
  /// ring_size is added to extra_mbufs) and the peer's end.
  EthdevPortOptions device;
  EthdevPortOptions peer;
};

/// Both ends of a built-in wire. Install `port` with Device82599::set_wire.
struct RingWire {
  std::shared_ptr<EthdevWire> port;
  std::unique_ptr<WirePeer> peer;
};

/// Creates the two rings and the two net_ring ethdevs (named net_ring_sk<N>dev and
/// net_ring_sk<N>peer), and starts both. The rings and both ends' pools live until both ends
/// are gone; frames still in the rings are freed then. A pool of the caller's own that frames
/// given to tx_burst came from must therefore outlive both ends.
/// Errors (one line): no EAL, a bad ring_size, the net_ring driver missing, a setup step.
std::expected<RingWire, std::string> make_ring_wire(const RingWireOptions& opts = {});

}  // namespace harness
