#include "harness/apps/sink.hpp"

#include <algorithm>
#include <span>

#include <rte_cycles.h>
#include <rte_mbuf.h>

namespace harness::apps {

Sink::Sink(const BurstPort& port, const SinkOptions& opts)
    : rx_(port.rx),
      udp_port_(opts.udp_port),
      burst_(std::clamp<uint16_t>(opts.burst, 1, kMaxBurst)),
      flows_(std::max<uint16_t>(opts.max_flows, 1)) {}

uint16_t Sink::poll() {
  rte_mbuf* pkts[kMaxBurst];
  const uint16_t n = rx_->rx_burst(pkts, burst_);
  if (n != 0) consume(pkts, n);
  return n;
}

void Sink::account(Flow& f, uint64_t seq, uint32_t len, uint64_t latency) {
  FlowCounters& c = f.c;
  ++c.received;
  c.bytes += len;
  c.latency_sum += latency;
  c.latency_min = std::min(c.latency_min, latency);
  c.latency_max = std::max(c.latency_max, latency);
  if (seq >= f.next) {
    // In order (seq == next) or ahead: everything between is missing for now.
    const uint64_t ahead = seq - f.next + 1;
    c.lost += ahead - 1;
    f.window = ahead >= kSeqWindow ? 1 : (f.window << ahead) | 1;
    f.next = seq + 1;
    return;
  }
  const uint64_t behind = f.next - 1 - seq;
  if (behind >= kSeqWindow) {
    ++c.late;
    return;
  }
  const uint64_t bit = uint64_t{1} << behind;
  if ((f.window & bit) != 0) {
    ++c.duplicate;
    return;
  }
  f.window |= bit;
  ++c.reordered;
  --c.lost;  // it was counted lost when a higher number overtook it
}

void Sink::consume(rte_mbuf** pkts, uint16_t n) {
  // One clock read per burst: the frames of a burst arrived together.
  const uint64_t now = rte_rdtsc();
  for (uint16_t i = 0; i < n; ++i) {
    const rte_mbuf* m = pkts[i];
    const auto p = parse_probe(std::span(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len),
                               m->pkt_len, udp_port_);
    if (!p || p->flow >= flows_.size()) {
      ++bad_;
      bad_bytes_ += m->pkt_len;
      continue;
    }
    // A stamp from the future (another core's TSC drifting) is latency 0, not 2^64.
    account(flows_[p->flow], p->seq, m->pkt_len, now > p->tsc ? now - p->tsc : 0);
  }
  rte_pktmbuf_free_bulk(pkts, n);
}

SinkCounters Sink::counters() const {
  SinkCounters s;
  for (const Flow& f : flows_) {
    const FlowCounters& c = f.c;
    s.all.received += c.received;
    s.all.bytes += c.bytes;
    s.all.lost += c.lost;
    s.all.reordered += c.reordered;
    s.all.duplicate += c.duplicate;
    s.all.late += c.late;
    s.all.latency_sum += c.latency_sum;
    s.all.latency_min = std::min(s.all.latency_min, c.latency_min);
    s.all.latency_max = std::max(s.all.latency_max, c.latency_max);
  }
  s.bad = bad_;
  s.bad_bytes = bad_bytes_;
  return s;
}

}  // namespace harness::apps
