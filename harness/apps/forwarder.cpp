#include "harness/apps/forwarder.hpp"

#include <algorithm>
#include <cstring>

#include <rte_mbuf.h>

namespace harness::apps {
namespace {

void swap_macs(rte_mbuf** pkts, uint16_t n) {
  for (uint16_t i = 0; i < n; ++i) {
    auto* d = rte_pktmbuf_mtod(pkts[i], uint8_t*);
    uint8_t tmp[6];
    std::memcpy(tmp, d, 6);
    std::memcpy(d, d + 6, 6);
    std::memcpy(d + 6, tmp, 6);
  }
}

}  // namespace

Forwarder::Forwarder(const BurstPort& port, ForwardMode mode, uint16_t burst)
    : rx_(port.rx), tx_(port.tx), mode_(mode), burst_(std::clamp<uint16_t>(burst, 1, kMaxBurst)) {}

uint16_t Forwarder::poll() {
  rte_mbuf* pkts[kMaxBurst];
  const uint16_t n = rx_->rx_burst(pkts, burst_);
  if (n == 0) return 0;
  // The mode is tested once per burst, not per frame. Every frame the queue hands over holds at
  // least a 14-byte header in its first segment (the device drops runts).
  if (mode_ == ForwardMode::kMacSwap) swap_macs(pkts, n);
  const uint16_t took = tx_->tx_burst(pkts, n);
  if (took < n) rte_pktmbuf_free_bulk(pkts + took, n - took);
  c_.received += n;
  c_.forwarded += took;
  c_.tx_refused += n - took;
  return n;
}

}  // namespace harness::apps
