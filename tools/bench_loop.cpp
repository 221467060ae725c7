#include "tools/bench_loop.hpp"

#include <x86intrin.h>

#include <algorithm>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "tools/bench_frames.hpp"

namespace bench {

namespace {

using SteadyClock = std::chrono::steady_clock;

/// Offers `n` frames to the sender's next queue (or the peer); returns how many it took.
uint16_t send_burst(Sender& s, rte_mbuf** b, uint16_t n, Totals& t) {
  if (s.dsts.size() > 1) {
    set_dst(b, n, s.dsts[s.next_dst]);
    if (++s.next_dst == s.dsts.size()) s.next_dst = 0;
  }
  const uint64_t a = __rdtsc();
  if (s.peer != nullptr) {
    const uint16_t took = s.peer->tx_burst(b, n);
    t.cyc_peer += __rdtsc() - a;
    return took;
  }
  const uint16_t took = s.queues[s.next_queue]->tx_burst(b, n);
  t.cyc_tx += __rdtsc() - a;
  if (++s.next_queue == s.queues.size()) s.next_queue = 0;
  return took;
}

/// One burst from every sender, never past o.packets frames sent in all.
void send_round(std::vector<Sender>& senders, const Options& o, Totals& t, rte_mbuf** bufs) {
  const auto size = static_cast<uint16_t>(o.size);
  for (Sender& s : senders) {
    unsigned want = o.burst;
    if (o.packets != 0) want = static_cast<unsigned>(std::min<uint64_t>(want, o.packets - t.sent));
    if (want == 0) return;
    if (rte_pktmbuf_alloc_bulk(s.pool, bufs, want) != 0) {
      t.alloc_fail += want;
      continue;
    }
    for (unsigned k = 0; k < want; ++k) {
      bufs[k]->data_len = size;
      bufs[k]->pkt_len = size;
    }
    const uint16_t took = send_burst(s, bufs, static_cast<uint16_t>(want), t);
    t.sent += took;
    s.sent += took;
    if (took < want) {
      t.tx_full += want - took;
      rte_pktmbuf_free_bulk(bufs + took, want - took);
    }
  }
}

/// Bursts one receiving queue may give per round (see poll_and_receive).
constexpr unsigned kDrainBursts = 4;

void count_received(Totals& t, rte_mbuf** bufs, uint16_t n) {
  t.received += n;
  for (uint16_t k = 0; k < n; ++k) t.rx_bytes += bufs[k]->pkt_len;
  rte_pktmbuf_free_bulk(bufs, n);
}

/// One engine pass (unless the engine runs on its own thread), then rx_burst on every receiving
/// queue until it returns less than a burst, at most kDrainBursts times (frames counted and
/// freed): with the engine on its own core, one burst per round would let a ring that got ahead
/// fill up and drop. Returns the frames the engine took plus the frames received: 0 means
/// nothing moved.
size_t poll_and_receive(Rig& rig, const Options& o, Totals& t, rte_mbuf** bufs) {
  size_t moved = 0;
  if (!o.threaded()) {
    const uint64_t a = __rdtsc();
    moved = rig.engine_pass();
    t.cyc_engine += __rdtsc() - a;
    ++t.polls;
  }
  const auto burst = static_cast<uint16_t>(o.burst);
  for (Receiver& r : rig.receivers()) {
    if (r.peer != nullptr) {
      for (unsigned k = 0; k < kDrainBursts; ++k) {
        const uint64_t a = __rdtsc();
        const uint16_t n = r.peer->rx_burst(bufs, burst);
        t.cyc_peer += __rdtsc() - a;
        r.per_queue[0] += n;
        moved += n;
        count_received(t, bufs, n);
        if (n < burst) break;
      }
      continue;
    }
    for (size_t q = 0; q < r.queues.size(); ++q) {
      for (unsigned k = 0; k < kDrainBursts; ++k) {
        const uint64_t a = __rdtsc();
        const uint16_t n = r.queues[q]->rx_burst(bufs, burst);
        t.cyc_rx += __rdtsc() - a;
        r.per_queue[q] += n;
        moved += n;
        count_received(t, bufs, n);
        if (n < burst) break;
      }
    }
  }
  return moved;
}

}  // namespace

Totals run(Rig& rig, const Options& o, SteadyClock::time_point deadline) {
  Totals t;
  rte_mbuf* bufs[kMaxBurst];
  const auto t0 = SteadyClock::now();
  const uint64_t tsc0 = __rdtsc();
  for (uint64_t round = 0;; ++round) {
    if ((o.packets != 0 && t.sent >= o.packets) ||
        (round % 64 == 0 && SteadyClock::now() >= deadline))
      break;
    send_round(rig.senders(), o, t, bufs);
    poll_and_receive(rig, o, t, bufs);
  }
  // Drain: what is still in the TX rings, the wire's rings or the RX rings. Stepped, a few idle
  // rounds in a row end it; with the engine on its own thread, every frame sent must have been
  // taken and everything passed on received (bounded: a stopped queue must not hang the tool).
  // On a real device frames in flight take microseconds, so the drain is the time-bounded one.
  if (!o.threaded() && !rig.on_device()) {
    for (unsigned idle = 0, rounds = 0; idle < 4 && rounds < 100000; ++rounds) {
      idle = poll_and_receive(rig, o, t, bufs) == 0 ? idle + 1 : 0;
    }
  } else {
    const auto limit = SteadyClock::now() + std::chrono::seconds(2);
    auto last_moved = SteadyClock::now();
    while (SteadyClock::now() < limit) {
      if (poll_and_receive(rig, o, t, bufs) != 0) last_moved = SteadyClock::now();
      if (rig.settled(t)) break;
      // A real device that lost frames never settles: 20 ms with nothing arriving ends it.
      if (rig.on_device() && SteadyClock::now() - last_moved > std::chrono::milliseconds(20)) break;
    }
  }
  const uint64_t tsc1 = __rdtsc();
  const auto t1 = SteadyClock::now();
  rig.count_external(t);
  t.cyc_total = tsc1 - tsc0;
  t.seconds = std::chrono::duration<double>(t1 - t0).count();
  t.tsc_hz = t.seconds > 0 ? static_cast<double>(t.cyc_total) / t.seconds : 0;
  return t;
}

}  // namespace bench
