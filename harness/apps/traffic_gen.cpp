#include "harness/apps/traffic_gen.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>

namespace harness::apps {
namespace {
constexpr uint64_t kNsPerSecond = 1'000'000'000;
}

std::expected<TrafficGen, std::string> TrafficGen::create(const BurstPort& port,
                                                          const GenOptions& opts) {
  if (port.tx == nullptr || port.pool == nullptr) {
    return std::unexpected(std::string("generator: the port needs a TX queue and a pool"));
  }
  if (opts.burst < 1 || opts.burst > kMaxBurst) {
    return std::unexpected(fmt::format("generator: burst {}: want 1..{}", opts.burst, kMaxBurst));
  }
  if (opts.rate_pps != 0 && opts.clock == nullptr) {
    return std::unexpected(std::string("generator: a rate needs a clock"));
  }
  ProbeSpec spec = opts.frame;
  if (spec.src.is_zero()) spec.src = port.mac;
  auto h = build_probe_header(spec);
  if (!h) return std::unexpected(fmt::format("generator: {}", h.error()));

  const unsigned room = rte_pktmbuf_data_room_size(port.pool);
  const unsigned seg_cap = room > RTE_PKTMBUF_HEADROOM ? room - RTE_PKTMBUF_HEADROOM : 0;
  if (seg_cap < h->len) {
    return std::unexpected(
        fmt::format("generator: the pool's {} bytes of data room do not hold the {} header bytes",
                    seg_cap, h->len));
  }
  const unsigned nsegs = (spec.frame_len + seg_cap - 1) / seg_cap;
  if (nsegs > port.tx->max_segments()) {
    return std::unexpected(fmt::format(
        "generator: a {}-byte frame needs {} segments of {} bytes; the TX queue takes {}",
        spec.frame_len, nsegs, seg_cap, port.tx->max_segments()));
  }

  TrafficGen g;
  g.tx_ = port.tx;
  g.pool_ = port.pool;
  g.hdr_ = *h;
  g.frame_len_ = spec.frame_len;
  g.burst_ = opts.burst;
  g.nsegs_ = static_cast<uint16_t>(nsegs);
  g.seg_len_ = static_cast<uint16_t>(std::min<unsigned>(seg_cap, spec.frame_len));
  g.last_len_ = static_cast<uint16_t>(spec.frame_len - (nsegs - 1) * seg_cap);
  if (nsegs > 1) g.segs_ = std::make_unique<rte_mbuf*[]>(size_t{opts.burst} * nsegs);
  g.count_ = opts.count;
  g.clock_ = opts.clock;
  g.rate_ = opts.rate_pps;
  if (g.rate_ != 0) {
    g.credit_cap_ = uint64_t{opts.burst} * kNsPerSecond;
    g.cap_ns_ = g.credit_cap_ / g.rate_ + 1;
    g.last_ns_ = g.clock_->now().count();
  }
  return g;
}

uint16_t TrafficGen::rate_budget(uint16_t want) {
  const int64_t now = clock_->now().count();
  const auto dt = static_cast<uint64_t>(std::max<int64_t>(now - last_ns_, 0));
  last_ns_ = now;
  // dt is clamped before the multiplication so dt * rate cannot overflow.
  credit_ = dt >= cap_ns_ ? credit_cap_ : std::min(credit_cap_, credit_ + dt * rate_);
  return static_cast<uint16_t>(std::min<uint64_t>(want, credit_ / kNsPerSecond));
}

void TrafficGen::fill_single(rte_mbuf** pkts, uint16_t n, uint64_t tsc) {
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf* m = pkts[i];
    auto* d = rte_pktmbuf_mtod(m, uint8_t*);
    rte_memcpy(d, hdr_.bytes.data(), hdr_.len);
    write_probe_fields(d, hdr_, seq_ + i, tsc);
    m->data_len = seg_len_;
    m->pkt_len = frame_len_;
  }
}

void TrafficGen::fill_chained(rte_mbuf** pkts, uint16_t n, uint64_t tsc) {
  for (uint16_t i = 0; i < n; ++i) {
    rte_mbuf** s = segs_.get() + size_t{i} * nsegs_;
    rte_mbuf* head = s[0];
    auto* d = rte_pktmbuf_mtod(head, uint8_t*);
    rte_memcpy(d, hdr_.bytes.data(), hdr_.len);
    write_probe_fields(d, hdr_, seq_ + i, tsc);
    for (uint16_t k = 0; k + 1 < nsegs_; ++k) {
      s[k]->data_len = seg_len_;
      s[k]->next = s[k + 1];
    }
    s[nsegs_ - 1]->data_len = last_len_;
    head->nb_segs = nsegs_;
    head->pkt_len = frame_len_;
    pkts[i] = head;
  }
}

uint16_t TrafficGen::poll() {
  uint16_t n = burst_;
  if (count_ != 0)
    n = static_cast<uint16_t>(std::min<uint64_t>(n, count_ - std::min(count_, c_.sent)));
  if (rate_ != 0) n = rate_budget(n);
  if (n == 0) return 0;

  rte_mbuf* pkts[kMaxBurst];
  // One chain per frame: with one segment the allocation lands in pkts directly.
  rte_mbuf** segs = nsegs_ == 1 ? pkts : segs_.get();
  if (rte_pktmbuf_alloc_bulk(pool_, segs, static_cast<unsigned>(n) * nsegs_) != 0) {
    c_.alloc_failed += n;
    return 0;
  }
  // One timestamp per burst: the frames leave together, and rdtsc per frame buys nothing.
  const uint64_t tsc = rte_rdtsc();
  if (nsegs_ == 1) {
    fill_single(pkts, n, tsc);
  } else {
    fill_chained(pkts, n, tsc);
  }
  const uint16_t took = tx_->tx_burst(pkts, n);
  if (took < n) rte_pktmbuf_free_bulk(pkts + took, n - took);
  seq_ += took;
  c_.offered += n;
  c_.sent += took;
  c_.tx_refused += n - took;
  c_.bytes += uint64_t{took} * frame_len_;
  if (rate_ != 0) credit_ -= uint64_t{took} * kNsPerSecond;
  return took;
}

}  // namespace harness::apps
