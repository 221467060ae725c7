#include "tools/bench_rig.hpp"

#include <algorithm>
#include <bit>

#include <fmt/format.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "tools/bench_frames.hpp"
#include "tools/loss_rule.hpp"

namespace bench {

namespace {

/// Per-lcore mempool cache of every pool the guests' core allocates from.
constexpr unsigned kPoolCache = 256;

/// Data room of the VFs', the PF's and the generator's mbufs: one segment per frame.
uint16_t data_room(const Options& o) {
  return static_cast<uint16_t>(std::max(2048u, (o.size + 1023) / 1024 * 1024));
}

/// Mbufs of a pool behind `queues` RX/TX ring pairs, as harness::VfPort sizes it: every ring,
/// a burst in flight each way, the cache's worst case, as 2^k - 1.
unsigned ring_pool_size(const Options& o, unsigned queues) {
  return std::bit_ceil(2u * o.ring * queues + 2 * kMaxBurst + 2 * kPoolCache + 1) - 1;
}

/// Mbufs of the wire peer's generator pool: the ring towards the device (harness::RingWireOptions'
/// default, 1024), the device end's batch, a burst and the cache.
constexpr unsigned kGenPoolSize = 2047;

}  // namespace

unsigned heap_mb(const Options& o) {
  // One pool object as rte_mempool lays it out (header, mbuf, headroom, data room, padding).
  const uint64_t obj =
      rte_mempool_calc_obj_size(sizeof(rte_mbuf) + RTE_PKTMBUF_HEADROOM + data_room(o), 0, nullptr);
  // Besides its objects a pool has its ring of pointers and a cache structure per possible
  // lcore (RTE_MAX_LCORE of them, whether used or not): about 1 MiB with a cache; 2 MiB is
  // generous and also covers the queues' descriptor rings.
  constexpr uint64_t kPoolOverhead = 2ull << 20;
  uint64_t bytes = o.vfs * (ring_pool_size(o, o.queues) * obj + kPoolOverhead);
  if (o.scenario == Scenario::kPfToVf) bytes += ring_pool_size(o, o.queues) * obj + kPoolOverhead;
  if (o.scenario == Scenario::kWireToVf) bytes += kGenPoolSize * obj + kPoolOverhead;
  // The wire's own pools (2 KiB mbufs, a few thousand each end) fit in this part.
  const uint64_t wire_mb =
      (o.scenario == Scenario::kVfToWire || o.scenario == Scenario::kWireToVf) ? 64 : 0;
  // A quarter again for the heap's alignment and fragmentation, and a base for DPDK itself.
  return static_cast<unsigned>(128 + wire_mb + bytes * 5 / 4 / (1024 * 1024));
}

std::expected<std::unique_ptr<Rig>, std::string> Rig::create(const Options& o,
                                                            harness::HwHostOptions hw) {
  std::unique_ptr<Rig> rig(new Rig(o));
  if (auto r = rig->build(std::move(hw)); !r) return std::unexpected(r.error());
  return rig;
}

harness::VfPort& Rig::port(unsigned vf) { return hw_ ? hw_->port(vf) : host_->port(vf); }

hal::MacAddr Rig::mac(unsigned vf) const { return hw_ ? hw_->mac(vf) : host_->mac(vf); }

size_t Rig::engine_pass() {
  if (!hw_) return host_->device().poll_once();
  // The NIC moves the frames. The PF's mailbox and the VF watchdogs (a link change, a VF
  // reset) still want a pass now and then: every 4096 rounds, well under a millisecond.
  if (++passes_ % 4096 == 0) (void)hw_->step();
  // Nothing on a real device; tests: the simulated device behind the fake kernel.
  return hw_->poll_engine();
}

Rig::~Rig() {
  // The PF's queues before their pool and the PfDriver, and the pool's mapping before the
  // device whose DMA domain holds it (both inside the host); the wire ends before the
  // generator's pool, whose mbufs may sit in the wire's rings.
  senders_.clear();
  receivers_.clear();
  pf_queues_.reset();
  pf_mapping_.reset();
  pf_pool_.reset();
  if (wire_.port && host_) host_->device().set_wire(nullptr);
  wire_ = {};
  host_.reset();
  hw_.reset();
}

std::expected<void, std::string> Rig::build(harness::HwHostOptions hw) {
  harness::DatapathHostOptions ho;
  ho.num_vfs = o_.vfs;
  ho.port.ring_size = static_cast<uint16_t>(o_.ring);
  ho.port.queues = o_.queues;
  ho.port.pool_cache = kPoolCache;
  ho.port.tx.fast_free = true;  // single-segment frames from one pool, as testpmd's fast free
  ho.port.data_room = data_room(o_);
  ho.port.mtu = std::max(1500u, o_.size - 14);  // MTU excludes the 14-byte header
  if (o_.on_device()) {
    if (o_.scenario != Scenario::kVfToVf) {
      return std::unexpected(fmt::format("{} on a real device: not supported", to_string(o_.scenario)));
    }
    hw.bdfs = o_.device.spec.bdfs;
    hw.num_vfs = o_.vfs;
    hw.vf_token = o_.device.token;
    hw.port = ho.port;
    // A jumbo frame size needs a PF that allows it (our PF in PF mode; elsewhere its owner).
    hw.pf_mtu = std::max<uint32_t>(1500, ho.port.mtu);
    auto h = harness::HwHost::open(std::move(hw));
    if (!h) return std::unexpected(h.error());
    hw_ = std::move(*h);
    if (hw_->num_ports() != o_.vfs) {
      return std::unexpected(
          fmt::format("{} VFs opened, the scenario wants {}", hw_->num_ports(), o_.vfs));
    }
    return setup_vf_to_vf();
  }
  auto host = harness::DatapathHost::create(ho);
  if (!host) return std::unexpected(host.error());
  host_ = std::move(*host);

  switch (o_.scenario) {
    case Scenario::kVfToVf:
      return setup_vf_to_vf();
    case Scenario::kVfToWire:
      return setup_vf_to_wire();
    case Scenario::kWireToVf:
      return setup_wire_to_vf();
    case Scenario::kPfToVf:
      return setup_pf_to_vf(ho.pf_mac);
  }
  return std::unexpected(std::string("unknown scenario"));
}

std::vector<hal::MacAddr> Rig::vf_rotation() const {
  // A sender with several receivers sends each burst to the next one; with one, the address
  // written at prefill stands.
  std::vector<hal::MacAddr> macs;
  for (unsigned i = 0; o_.vfs > 1 && i < o_.vfs; ++i) macs.push_back(mac(i));
  return macs;
}

std::expected<void, std::string> Rig::setup_vf_to_vf() {
  sender_kind_ = receiver_kind_ = "VF";
  for (unsigned i = 0; i < o_.pairs(); ++i) {
    if (auto r = add_vf_sender(2 * i, mac(2 * i + 1), i); !r) return r;
    add_vf_receiver(2 * i + 1);
  }
  return {};
}

std::expected<void, std::string> Rig::setup_vf_to_wire() {
  sender_kind_ = "VF";
  receiver_kind_ = o_.builtin_wire() ? "wire peer" : "wire ethdev";
  if (auto r = open_wire(); !r) return r;
  for (unsigned i = 0; i < o_.vfs; ++i) {
    if (auto r = add_vf_sender(i, kWireMac, i); !r) return r;
  }
  // Another ethdev's driver takes the frames inside the engine's pass: no receiver then.
  if (wire_.peer) {
    receivers_.push_back(Receiver{.queues = {}, .per_queue = {0}, .peer = wire_.peer.get()});
  }
  return {};
}

std::expected<void, std::string> Rig::setup_wire_to_vf() {
  sender_kind_ = "wire peer";
  receiver_kind_ = "VF";
  if (auto r = open_wire(); !r) return r;
  auto mp = harness::make_pktmbuf_pool(kGenPoolSize, kPoolCache, data_room(o_));
  if (!mp) return std::unexpected(fmt::format("the wire peer's pool: {}", mp.error()));
  gen_pool_ = std::move(*mp);
  const FrameSpec spec{
      .dst = host_->mac(0), .src = kWireMac, .size = o_.size, .flows = o_.flows, .first_flow = 0};
  if (auto r = prefill_pool(gen_pool_.get(), spec); !r) {
    return std::unexpected(fmt::format("the wire peer's pool: {}", r.error()));
  }
  senders_.push_back(Sender{
      .pool = gen_pool_.get(), .queues = {}, .peer = wire_.peer.get(), .dsts = vf_rotation()});
  for (unsigned i = 0; i < o_.vfs; ++i) add_vf_receiver(i);
  return {};
}

std::expected<void, std::string> Rig::setup_pf_to_vf(const hal::MacAddr& pf_mac) {
  sender_kind_ = "PF host queues";
  receiver_kind_ = "VF";
  if (auto r = open_pf_queues(); !r) return r;
  const FrameSpec spec{
      .dst = host_->mac(0), .src = pf_mac, .size = o_.size, .flows = o_.flows, .first_flow = 0};
  if (auto r = prefill_pool(pf_pool_.get(), spec); !r) {
    return std::unexpected(fmt::format("the PF's pool: {}", r.error()));
  }
  Sender s{.pool = pf_pool_.get(), .queues = {}, .peer = nullptr, .dsts = vf_rotation()};
  for (unsigned q = 0; q < pf_queues_->size(); ++q) s.queues.push_back(&pf_queues_->tx(q));
  senders_.push_back(std::move(s));
  for (unsigned i = 0; i < o_.vfs; ++i) add_vf_receiver(i);
  return {};
}

std::expected<void, std::string> Rig::open_wire() {
  auto w = harness::open_wire(o_.builtin_wire() ? std::string_view() : std::string_view(o_.wire));
  if (!w) return std::unexpected(fmt::format("wire: {}", w.error()));
  wire_ = std::move(*w);
  host_->device().set_wire(wire_.port);
  return {};
}

std::expected<void, std::string> Rig::open_pf_queues() {
  pf::PfDriver& pf = host_->pf();
  hal::PciFunction& pf_fn = host_->device().pf();
  auto mp = harness::make_pktmbuf_pool(ring_pool_size(o_, o_.queues), kPoolCache, data_room(o_));
  if (!mp) return std::unexpected(fmt::format("the PF's pool: {}", mp.error()));
  pf_pool_ = std::move(*mp);
  // The device reads the PF's buffers through the PF's DMA domain, as VFIO's map would allow.
  auto m = dp::DmaMapping::map_mempool(pf_fn.dma(), *pf_pool_);
  if (!m) return std::unexpected(fmt::format("mapping the PF's pool: {}", m.error()));
  pf_mapping_ = std::move(*m);
  pf::HostQueueOptions ho;
  ho.ring_size = static_cast<uint16_t>(o_.ring);
  ho.pairs = o_.queues;
  ho.tx.fast_free = true;
  auto q = pf::HostQueues::open(pf, pf_fn, pf_pool_.get(), ho);
  if (!q) return std::unexpected(fmt::format("the PF's host queues: {}", q.error()));
  pf_queues_.emplace(std::move(*q));
  return {};
}

std::expected<void, std::string> Rig::add_vf_sender(unsigned vf, const hal::MacAddr& dst,
                                                    unsigned index) {
  harness::VfPort& p = port(vf);
  const FrameSpec spec{.dst = dst,
                       .src = mac(vf),
                       .size = o_.size,
                       .flows = o_.flows,
                       .first_flow = index * o_.flows};
  if (auto r = prefill_pool(p.pool.get(), spec); !r)
    return std::unexpected(fmt::format("VF {}'s pool: {}", vf, r.error()));
  Sender s{.pool = p.pool.get(), .queues = {}, .peer = nullptr, .dsts = {}};
  for (dp::TxQueue& q : p.txq) s.queues.push_back(&q);
  senders_.push_back(std::move(s));
  return {};
}

void Rig::add_vf_receiver(unsigned vf) {
  harness::VfPort& p = port(vf);
  Receiver r;
  for (dp::RxQueue& q : p.rxq) r.queues.push_back(&q);
  r.per_queue.assign(r.queues.size(), 0);
  receivers_.push_back(std::move(r));
}

bool Rig::settled(const Totals& t) const {
  // A real device: everything sent has arrived (the drain's time bound ends a lossy run).
  if (hw_) return t.received >= t.sent;
  const sim::Accounting a = host_->device().accounting();
  const bool from_wire = !senders_.empty() && senders_[0].peer != nullptr;
  if ((from_wire ? a.offered_wire : a.offered_tx) < t.sent) return false;
  if (!wire_receives()) return a.delivered == t.received;
  const harness::EthdevWireStats s = wire_.ethdev->stats();
  if (s.tx_pending() != 0 || a.to_wire != s.tx_offered) return false;
  return !wire_.peer || s.tx_frames == t.received;
}

void Rig::count_external(Totals& t) const {
  if (!wire_receives() || wire_.peer) return;
  t.received = wire_.ethdev->stats().tx_frames;
  t.rx_bytes = t.received * o_.size;
}

Verdict Rig::judge(const Totals& t, uint64_t packets) const {
  Verdict v;
  if (hw_) {
    // No simulated engine keeps a ledger: what was sent and not received was lost on the
    // device (a full RX ring, the VEB). More received than sent fails the run; so does loss
    // by tools/loss_rule.hpp's rule, pair by pair (sender i -> receiver i: VF 2i -> VF 2i+1).
    const uint64_t lost = t.sent > t.received ? t.sent - t.received : 0;
    if (lost != 0) v.drops.push_back({"lost_on_device", lost});
    v.drop_total = lost;
    if (t.received > t.sent)
      v.problems.push_back(fmt::format("received {} frames, sent {}", t.received, t.sent));
    if (packets != 0 && t.sent < packets)
      v.problems.push_back(fmt::format("only {} of {} packets sent", t.sent, packets));
    std::vector<tools::PairLoss> pairs;
    for (size_t i = 0; i < senders_.size() && i < receivers_.size(); ++i) {
      uint64_t got = 0;
      for (const uint64_t n : receivers_[i].per_queue) got += n;
      pairs.push_back({fmt::format("VF {}", 2 * i), fmt::format("VF {}", 2 * i + 1),
                       senders_[i].sent, got});
    }
    for (std::string& p : tools::judge_loss(pairs, o_.max_loss)) v.problems.push_back(std::move(p));
    return v;
  }
  const sim::Accounting& a = v.accounting = host_->device().accounting();
  v.device_check = a.check();
  if (!v.device_check.empty()) v.problems.push_back(fmt::format("device: {}", v.device_check));
  auto drop = [&v](std::string name, uint64_t n) {
    if (n != 0) v.drops.push_back({std::move(name), n});
    v.drop_total += n;
  };
  a.for_each_drop([&drop](std::string_view name, uint64_t n) { drop(std::string(name), n); });

  // Every frame a sender's tx_burst took reached the device (nothing left in a ring).
  const bool from_wire = !senders_.empty() && senders_[0].peer != nullptr;
  const uint64_t taken = from_wire ? a.offered_wire : a.offered_tx;
  if (taken != t.sent)
    v.problems.push_back(fmt::format("the device took {} of {} frames sent", taken, t.sent));

  if (wire_.ethdev) {
    const harness::EthdevWireStats s = wire_.ethdev->stats();
    v.wire = s;
    drop("wire_tx_refused", s.tx_refused);
    drop("wire_tx_no_mbuf", s.tx_no_mbuf);
    if (a.to_wire != s.tx_offered) {
      v.problems.push_back(fmt::format("the device sent {} frames to the wire, the wire saw {}",
                                       a.to_wire, s.tx_offered));
    }
    if (s.tx_pending() != 0)
      v.problems.push_back(fmt::format("{} frames still batched in the wire", s.tx_pending()));
  }
  if (wire_receives()) {
    // The peer (or the external ethdev's driver) must have every frame the wire handed on.
    if (v.wire && wire_.peer && t.received != v.wire->tx_frames) {
      v.problems.push_back(fmt::format("the wire peer received {} of {} frames on the wire",
                                       t.received, v.wire->tx_frames));
    }
  } else if (a.delivered != t.received) {
    v.problems.push_back(
        fmt::format("guests received {} of {} delivered", t.received, a.delivered));
  }
  if (packets != 0 && t.sent < packets)
    v.problems.push_back(fmt::format("only {} of {} packets sent", t.sent, packets));
  return v;
}

}  // namespace bench
