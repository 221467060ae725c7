#pragma once
// One DPDK ethdev owned from probe to removal: configured with one RX and one TX queue, its own
// mbuf pool, started. The building block of the wire ports (ethdev_wire.hpp, ring_peer.hpp).
//
// Requires a running EAL (dp::shared_eal() or dp::Eal::init), which must outlive the port.

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>

struct rte_mempool;
struct rte_device;

namespace harness {

struct EthdevPortOptions {
  /// Descriptors asked for each queue (the driver may round them: rte_eth_dev_adjust_nb_rx_tx_desc).
  uint16_t rx_desc = 512;
  uint16_t tx_desc = 512;
  /// Mbufs in the port's pool; 0 picks the smallest 2^k - 1 holding both queues, a burst in
  /// flight each way and extra_mbufs.
  unsigned pool_size = 0;
  /// Mbufs the driver may hold beyond its queues (net_ring: whatever sits in the ring until
  /// the far end reads it). Only used when pool_size is 0.
  unsigned extra_mbufs = 0;
  /// Data room of each mbuf after the headroom. Longer frames are chained.
  uint16_t data_room = 2048;
  /// Receive every frame whatever its destination, as a cable does (the 82599's switch
  /// filters). Drivers without the operation (-ENOTSUP) are left as they are.
  bool promiscuous = true;
};

/// A started ethdev with queue 0 each way. Move-only. The destructor stops, closes and removes
/// the device (rte_dev_remove), then frees the pool: mbufs of the pool must be back by then
/// (a holder of mbufs past the port's life shares the pool through shared_pool()).
///
/// Thread safety: queue 0's bursts belong to one thread at a time (DPDK's rule); link_up()
/// may be called from any thread; create and destroy ports on one thread at a time.
class EthdevPort {
 public:
  /// Probes the DPDK device `devargs` names ("net_pcap0,tx_pcap=out.pcap": the name, then
  /// the driver's key=value arguments), then configures and starts it as adopt() does.
  /// Errors (one line): no EAL; empty devargs or no device name; an ethdev of that name exists
  /// already; the probe failed (unknown driver, bad or missing arguments, a file that cannot be
  /// opened: DPDK's log has the driver's own words); the device is not an ethdev; or a setup
  /// step failed. On error nothing is left behind: a probed device is removed again.
  static std::expected<EthdevPort, std::string> probe(std::string_view devargs,
                                                      const EthdevPortOptions& opts = {});
  /// Takes ownership of ethdev `port_id`, which this process created (rte_eth_from_rings),
  /// and configures and starts it. On error the ethdev is closed and removed all the same.
  static std::expected<EthdevPort, std::string> adopt(uint16_t port_id,
                                                      const EthdevPortOptions& opts = {});

  EthdevPort(EthdevPort&& other) noexcept;
  EthdevPort& operator=(EthdevPort&&) = delete;
  EthdevPort(const EthdevPort&) = delete;
  EthdevPort& operator=(const EthdevPort&) = delete;
  ~EthdevPort();

  uint16_t id() const { return id_; }
  /// The ethdev's name (the vdev name of the devargs).
  const std::string& name() const { return name_; }
  rte_mempool* pool() const { return pool_.get(); }
  const std::shared_ptr<rte_mempool>& shared_pool() const { return pool_; }
  /// Whether the driver reports the link up now (net_memif: once the peer has connected).
  bool link_up() const;

 private:
  EthdevPort(uint16_t id, std::string name, rte_device* device);
  std::expected<void, std::string> start(const EthdevPortOptions& opts);

  std::shared_ptr<rte_mempool> pool_;  // declared first: freed after the device is gone
  uint16_t id_ = 0;
  std::string name_;
  rte_device* device_ = nullptr;  ///< what rte_dev_remove takes
  bool started_ = false;
  bool owner_ = true;  ///< false once moved from
};

}  // namespace harness
