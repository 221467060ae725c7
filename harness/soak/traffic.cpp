#include "harness/soak/traffic.hpp"

#include <algorithm>

#include <rte_mempool.h>

#include "harness/apps/burst_port.hpp"

namespace harness::soak {
namespace apps = harness::apps;

/// One guest's data path and the books of its current life. The port is declared first so
/// that the apps, which point at its queues, go before it.
struct SoakTraffic::Path {
  std::unique_ptr<VfPort> port;
  std::optional<apps::TrafficGen> gen;
  std::optional<apps::Sink> sink;
  bool live = false;
  uint64_t resets_seen = 0;
  hal::MacAddr gen_src, gen_dst;
  hal::Nanos retry_at{};
  // The current life: what was sent and read, and the device's counters when it began.
  uint64_t life_sent = 0;
  uint64_t life_received = 0;
  uint64_t base_tx = 0;
  uint64_t base_rx = 0;
  GuestTraffic books;
};

namespace {

/// A failed queue set-up is retried after this much simulated time, not on every turn (each
/// try may create a pool).
constexpr hal::Nanos kSetupRetry = std::chrono::milliseconds(10);

}  // namespace

SoakTraffic::SoakTraffic(SimHost& host, TrafficOptions opts)
    : host_(host), opts_(opts), wire_(std::make_shared<CountingWire>()) {
  host_.device().set_wire(wire_);
  for (unsigned v = 0; v < host_.num_guests(); ++v) paths_.push_back(std::make_unique<Path>());
}

SoakTraffic::~SoakTraffic() { teardown(); }

sim::QueueCounters SoakTraffic::counters(unsigned vf) const {
  // Queue 0 of the VF's pool, as the device numbers queues.
  const unsigned abs = vf * host_.pf().queues_per_pool();
  return host_.device().queue_counters(hal::QueueId{abs});
}

bool SoakTraffic::live(unsigned vf) const { return vf < paths_.size() && paths_[vf]->live; }

void SoakTraffic::end_life(unsigned vf, Path& p, bool function_reset) {
  const sim::QueueCounters qc = counters(vf);
  const uint64_t taken = qc.tx_packets - p.base_tx;
  const uint64_t delivered = qc.rx_packets - p.base_rx;
  // What the queues themselves free, counted from the rings: TX packets the device never
  // reported sent (head write-back), RX frames it completed (DD) and the sink never read. After
  // a reset of the function the device has stopped both queues and no register is touched.
  dp::TxCloseCounts tx;
  dp::RxCloseCounts rx;
  if (p.port && !p.port->txq.empty()) tx = p.port->txq[0].close(!function_reset);
  if (p.port && !p.port->rxq.empty()) rx = p.port->rxq[0].close(!function_reset);
  GuestTraffic& b = p.books;
  b.tx_taken += taken;
  b.delivered += delivered;
  // A reset freed them; at teardown they are what a live ring still held.
  (function_reset ? b.tx_abandoned : left_tx_) += tx.packets - tx.completed;
  (function_reset ? b.rx_abandoned : left_rx_) += rx.frames;
  // The rings must agree with the device's counters and the apps: a disagreement is a frame
  // the device took twice or never, or one read that was never delivered.
  if (taken > p.life_sent || p.life_sent - taken != uint64_t{tx.packets} - tx.completed) ++b.phantoms;
  if (p.life_received > delivered || delivered - p.life_received != rx.frames) ++b.phantoms;
  if (p.sink) {
    for (uint16_t f = 0; f < b.from.size(); ++f) b.from[f] += p.sink->flow(f).received;
    b.bad += p.sink->counters().bad;
  }
  p.gen.reset();
  p.sink.reset();
  p.live = false;
}

void SoakTraffic::start_life(unsigned vf, Path& p) {
  Guest& g = host_.guest(vf);
  PortOptions po;
  po.ring_size = opts_.ring_size;
  // The device writes TDH back after every pass: close() then knows exactly which packets it
  // took (DD alone is written on RS descriptors only).
  po.tx.head_writeback = true;
  std::expected<void, std::string> r;
  if (!p.port) {
    auto made = VfPort::attach(g.function(), g.driver(), po);
    if (made) {
      p.port = std::move(*made);
    } else {
      r = std::unexpected(made.error());
    }
  } else {
    r = p.port->setup_queues(po.ring_size, po.rx, po.tx, 1);
  }
  if (!r) {
    ++p.books.setup_failures;
    p.books.last_setup_error = r.error();
    p.retry_at = host_.clock().now() + kSetupRetry;
    return;
  }
  const sim::QueueCounters qc = counters(vf);
  p.base_tx = qc.tx_packets;
  p.base_rx = qc.rx_packets;
  p.life_sent = 0;
  p.life_received = 0;
  p.resets_seen = g.driver().counters().resets;
  p.sink.emplace(apps::burst_port(*p.port));
  p.live = true;
  ++p.books.lives;
  refresh_gen(vf, p);
}

void SoakTraffic::refresh_gen(unsigned vf, Path& p) {
  const unsigned peer = (vf + 1) % host_.num_guests();
  const hal::MacAddr dst = host_.guest(peer).driver().mac();
  const hal::MacAddr src = host_.guest(vf).driver().mac();
  if (p.gen && dst == p.gen_dst && src == p.gen_src) return;
  // A MAC moved (the peer's or, after an admin change, this VF's own): a new generator.
  p.gen.reset();
  apps::GenOptions o;
  o.frame.dst = dst;
  o.frame.flow = static_cast<uint16_t>(vf);
  o.rate_pps = opts_.rate_pps;
  o.clock = &host_.clock();
  auto gen = apps::TrafficGen::create(apps::burst_port(*p.port), o);
  if (!gen) {
    ++p.books.setup_failures;
    p.books.last_setup_error = gen.error();
    return;
  }
  p.gen.emplace(std::move(*gen));
  p.gen_dst = dst;
  p.gen_src = src;
}

void SoakTraffic::end_reset_lives() {
  for (unsigned vf = 0; vf < paths_.size(); ++vf) {
    Path& p = *paths_[vf];
    if (p.live && host_.guest(vf).driver().counters().resets != p.resets_seen) end_life(vf, p, true);
  }
}

size_t SoakTraffic::send() {
  if (torn_down_) return 0;
  end_reset_lives();
  size_t moved = 0;
  const hal::Nanos now = host_.clock().now();
  for (unsigned vf = 0; vf < paths_.size(); ++vf) {
    Path& p = *paths_[vf];
    if (!p.live && host_.guest(vf).driver().state() == vf::State::kUp && now >= p.retry_at) {
      start_life(vf, p);
    }
    if (!p.live) continue;
    refresh_gen(vf, p);
    if (sending_ && p.gen) {
      const uint16_t n = p.gen->poll();
      p.life_sent += n;
      p.books.sent += n;
      moved += n;
    }
  }
  return moved;
}

size_t SoakTraffic::engine() {
  if (torn_down_) return 0;
  end_reset_lives();
  return host_.device().poll_once();
}

size_t SoakTraffic::receive() {
  if (torn_down_) return 0;
  end_reset_lives();
  size_t moved = 0;
  for (auto& pp : paths_) {
    Path& p = *pp;
    if (!p.live) continue;
    const uint16_t n = p.sink->poll();
    p.life_received += n;
    p.books.received += n;
    moved += n;
  }
  return moved;
}

std::vector<GuestTraffic> SoakTraffic::books() const {
  std::vector<GuestTraffic> out;
  for (unsigned vf = 0; vf < paths_.size(); ++vf) {
    const Path& p = *paths_[vf];
    GuestTraffic b = p.books;
    if (p.live) {
      const sim::QueueCounters qc = counters(vf);
      b.tx_taken += qc.tx_packets - p.base_tx;
      b.delivered += qc.rx_packets - p.base_rx;
      for (uint16_t f = 0; f < b.from.size(); ++f) b.from[f] += p.sink->flow(f).received;
      b.bad += p.sink->counters().bad;
    }
    out.push_back(std::move(b));
  }
  return out;
}

uint64_t SoakTraffic::in_tx_ring() const {
  uint64_t n = 0;
  for (unsigned vf = 0; vf < paths_.size(); ++vf) {
    const Path& p = *paths_[vf];
    if (!p.live) continue;
    const uint64_t taken = counters(vf).tx_packets - p.base_tx;
    n += p.life_sent > taken ? p.life_sent - taken : 0;
  }
  return n;
}

uint64_t SoakTraffic::in_rx_ring() const {
  uint64_t n = 0;
  for (unsigned vf = 0; vf < paths_.size(); ++vf) {
    const Path& p = *paths_[vf];
    if (!p.live) continue;
    const uint64_t delivered = counters(vf).rx_packets - p.base_rx;
    n += delivered > p.life_received ? delivered - p.life_received : 0;
  }
  return n;
}

void SoakTraffic::teardown() {
  if (torn_down_) return;
  torn_down_ = true;
  for (unsigned vf = 0; vf < paths_.size(); ++vf) {
    Path& p = *paths_[vf];
    if (p.live) end_life(vf, p, false);
    p.gen.reset();
    p.sink.reset();
    if (!p.port) continue;
    // The queues give their mbufs back when destroyed; whatever is still out is a leak that
    // LSan cannot see (the pool's memory is DPDK's).
    p.port->tx = nullptr;
    p.port->rx = nullptr;
    p.port->rxq.clear();
    p.port->txq.clear();
    const unsigned avail = rte_mempool_avail_count(p.port->pool.get());
    p.books.mbufs_missing = p.port->pool_size > avail ? p.port->pool_size - avail : 0;
    p.port.reset();
  }
}

}  // namespace harness::soak
