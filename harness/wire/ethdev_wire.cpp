#include "harness/wire/ethdev_wire.hpp"

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "harness/wire/mbuf_copy.hpp"

namespace harness {

std::expected<std::shared_ptr<EthdevWire>, std::string> EthdevWire::open(std::string_view devargs,
                                                                         const EthdevPortOptions& opts) {
  auto port = EthdevPort::probe(devargs, opts);
  if (!port) return std::unexpected(port.error());
  return std::make_shared<EthdevWire>(std::move(*port));
}

EthdevWire::EthdevWire(EthdevPort port, std::shared_ptr<const void> keep_alive)
    : keep_alive_(std::move(keep_alive)), port_(std::move(port)) {}

EthdevWire::~EthdevWire() {
  flush();
  // Frames taken from the ethdev that the device never asked for end with the wire.
  rte_pktmbuf_free_bulk(rx_batch_.data() + rx_next_, rx_count_ - rx_next_);
}

void EthdevWire::send(std::span<const uint8_t> frame) {
  bump(tx_offered_);
  rte_mbuf* m = mbuf_from_bytes(port_.pool(), frame);
  if (m == nullptr) {
    bump(tx_no_mbuf_);
    return;
  }
  tx_batch_[tx_count_++] = m;
  if (tx_count_ == kBurst) flush();
}

void EthdevWire::flush() {
  if (tx_count_ == 0) return;
  const uint16_t taken = rte_eth_tx_burst(port_.id(), 0, tx_batch_.data(), tx_count_);
  // No retry: the engine must not wait on the wire, and a driver that refuses now (a full ring,
  // a peer not yet connected) would most likely refuse again.
  if (taken < tx_count_) rte_pktmbuf_free_bulk(tx_batch_.data() + taken, tx_count_ - taken);
  bump(tx_frames_, taken);
  bump(tx_refused_, tx_count_ - taken);
  tx_count_ = 0;
}

bool EthdevWire::receive(std::vector<uint8_t>& frame) {
  flush();
  if (rx_next_ == rx_count_) {
    rx_next_ = 0;
    rx_count_ = rte_eth_rx_burst(port_.id(), 0, rx_batch_.data(), kBurst);
    if (rx_count_ == 0) return false;
  }
  rte_mbuf* m = rx_batch_[rx_next_++];
  bytes_from_mbuf(m, frame);
  rte_pktmbuf_free(m);
  bump(rx_frames_);
  return true;
}

EthdevWireStats EthdevWire::stats() const {
  EthdevWireStats s;
  // The outcomes before the offers, each acquire pairing with bump()'s release: a reader on
  // another thread then never sees more outcomes than offers (tx_pending() stays >= 0).
  s.tx_frames = tx_frames_.load(std::memory_order_acquire);
  s.tx_refused = tx_refused_.load(std::memory_order_acquire);
  s.tx_no_mbuf = tx_no_mbuf_.load(std::memory_order_acquire);
  s.rx_frames = rx_frames_.load(std::memory_order_acquire);
  s.tx_offered = tx_offered_.load(std::memory_order_acquire);
  return s;
}

}  // namespace harness
