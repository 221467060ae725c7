#pragma once
// The simulated 82599's wire as a DPDK ethdev: whatever DPDK driver the devargs name carries the
// device's frames (net_tap: the Linux network stack; net_pcap: record and replay files;
// net_memif: another DPDK process; net_ring: the built-in peer, ring_peer.hpp). docs/wire.md.

#include <array>
#include <atomic>
#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hal/sim/wire_port.hpp"
#include "harness/wire/ethdev_port.hpp"

struct rte_mbuf;

namespace harness {

/// What happened to the frames of one EthdevWire. Every frame send() is given ends in exactly
/// one of tx_frames, tx_refused, tx_no_mbuf, or is still batched (tx_pending()) until the next
/// flush(). rx_frames counts frames handed to the device.
struct EthdevWireStats {
  uint64_t tx_offered = 0;  ///< frames the device sent (send() calls)
  uint64_t tx_frames = 0;   ///< taken by the ethdev's tx_burst
  uint64_t tx_refused = 0;  ///< refused by tx_burst (its queue or ring full, a peer not connected): freed
  uint64_t tx_no_mbuf = 0;  ///< dropped because the wire's pool had no mbuf for the copy
  uint64_t rx_frames = 0;   ///< frames from the ethdev handed to the device by receive()

  uint64_t tx_pending() const { return tx_offered - tx_frames - tx_refused - tx_no_mbuf; }
};

/// A sim::WirePort over one started ethdev (queue 0 each way). send() copies the frame into an
/// mbuf (a chain past one data room) and batches it; a full batch, flush() and receive() hand
/// the batch to rte_eth_tx_burst. receive() serves frames from one rte_eth_rx_burst batch at a
/// time, copying each into the device's buffer and freeing the mbuf at once.
///
/// Thread safety: send(), receive() and flush() belong to one thread at a time, the one running
/// the device's engine pass (the device lock orders them); stats() and link_up() may be called
/// from any thread. Destroy the wire once no engine pass can run it (Device82599::set_wire with
/// another port, or the device gone), and before the EAL.
class EthdevWire final : public sim::WirePort {
 public:
  /// Frames batched before one tx_burst, and taken per rx_burst.
  static constexpr uint16_t kBurst = 32;

  /// Probes and starts the ethdev `devargs` names: "net_tap0,iface=sriov0",
  /// "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap", "net_memif0,role=server,socket=/tmp/x.sock".
  /// Errors: as EthdevPort::probe (one line; nothing is left behind).
  static std::expected<std::shared_ptr<EthdevWire>, std::string> open(std::string_view devargs,
                                                                      const EthdevPortOptions& opts = {});

  /// A wire over `port`. `keep_alive` is released after the port is closed (ring_peer.hpp keeps
  /// the rings under a net_ring ethdev alive with it).
  explicit EthdevWire(EthdevPort port, std::shared_ptr<const void> keep_alive = {});
  /// Hands a batch still pending to the ethdev, frees the mbufs of an rx batch not yet
  /// taken, then closes and removes the ethdev.
  ~EthdevWire() override;
  EthdevWire(const EthdevWire&) = delete;
  EthdevWire& operator=(const EthdevWire&) = delete;

  void send(std::span<const uint8_t> frame) override;
  /// Also flushes first: frames the device sent in this pass leave before it looks for
  /// frames coming back, so a peer that answers or loops back sees them without waiting for
  /// the end of the pass.
  bool receive(std::vector<uint8_t>& frame) override;
  void flush() override;

  EthdevWireStats stats() const;
  bool link_up() const { return port_.link_up(); }
  uint16_t port_id() const { return port_.id(); }
  const std::string& name() const { return port_.name(); }

 private:
  /// Increments a counter written only by the engine's thread and read by any. Release, so a
  /// reader that sees the new value also sees every counter bumped before it (stats()).
  static void bump(std::atomic<uint64_t>& c, uint64_t n = 1) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_release);
  }

  std::shared_ptr<const void> keep_alive_;  // declared first: released after the port closes
  EthdevPort port_;
  std::array<rte_mbuf*, kBurst> tx_batch_{};
  uint16_t tx_count_ = 0;
  std::array<rte_mbuf*, kBurst> rx_batch_{};
  uint16_t rx_next_ = 0, rx_count_ = 0;
  std::atomic<uint64_t> tx_offered_{0}, tx_frames_{0}, tx_refused_{0}, tx_no_mbuf_{0}, rx_frames_{0};
};

}  // namespace harness
