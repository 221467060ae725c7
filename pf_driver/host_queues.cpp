#include "pf_driver/host_queues.hpp"

#include <utility>

#include <fmt/format.h>

namespace pf {

std::expected<HostQueues, dp::QueueError> HostQueues::open(PfDriver& pf, hal::PciFunction& pf_fn,
                                                           rte_mempool* mp,
                                                           const HostQueueOptions& opts) {
  auto lease = pf.lease_host_pool();
  if (!lease) return std::unexpected(dp::QueueError{dp::QueueErrc::kNotReady, lease.error().reason});
  const QueueRange avail = lease->queues();
  const unsigned pairs = opts.pairs != 0 ? opts.pairs : avail.count;
  if (pairs > avail.count) {
    return std::unexpected(dp::QueueError{
        dp::QueueErrc::kInvalidArgument,
        fmt::format("{} queue pairs asked, pool {} has {} for the host", pairs, lease->pool(),
                    avail.count)});
  }
  HostQueues h(std::move(*lease));
  h.tx_.reserve(pairs);
  h.rx_.reserve(pairs);
  for (unsigned i = 0; i < pairs; ++i) {
    // host_queues() only names queues 0..127, so both layouts exist.
    const unsigned q = avail[i];
    auto tx = dp::TxQueue::create(pf_fn, *dp::pf_tx_regs(q), opts.ring_size, opts.tx);
    if (!tx) return std::unexpected(tx.error());
    h.tx_.push_back(std::move(*tx));
    auto rx = dp::RxQueue::create(pf_fn, *dp::pf_rx_regs(q), opts.ring_size, mp, opts.rx);
    if (!rx) return std::unexpected(rx.error());
    h.rx_.push_back(std::move(*rx));
  }
  return h;
}

}  // namespace pf
