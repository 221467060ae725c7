// The fault scenarios' rig (traffic_rig.hpp).
//
// The invariant check_invariant() verifies, all counts since the rig was built:
//   - the device's own accounting adds up (sim::Accounting::check());
//   - every frame a guest's tx_burst took was taken by the engine (offered_tx) or was still in
//     the guest's TX ring, not sent, when the guest freed it (tx_ring_reset, as
//     dp::TxQueue::close counts it from the written-back head), or is in a ring;
//   - every copy the engine delivered was read by a guest or was a completed descriptor (DD)
//     in its RX ring when the guest freed it (rx_ring_reset, dp::RxQueue::close), or is in a ring;
//   - what the rings' close() counted equals what the device's queue counters leave over, and
//     the guest's mempool has every mbuf back after its queues and apps are gone;
//   - the peer: what it generated and queued bad is what the device took plus its queue; what
//     the device sent onto the wire is what the peer received;
//   - after drain(): nothing in flight;
//   - so (the traffic being unicast, one copy per switched frame): every frame sent by a guest
//     or the peer was received by a guest or the peer, or counted in exactly one drop counter.
#include "harness/faults/traffic_rig.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>

#include <rte_mempool.h>

#include <rte_mbuf.h>

#include "datapath/eal.hpp"
#include "hal/pci_regs.hpp"
#include "hal/sim/mac_rx.hpp"
#include "harness/apps/burst_port.hpp"
#include "harness/apps/probe_frame.hpp"

namespace harness::faults {

namespace {
const hal::MacAddr kPfMac({0x02, 0x00, 0x00, 0x00, 0x00, 0x01});
const hal::MacAddr kPeerMac({0x02, 0xfe, 0x00, 0x00, 0x00, 0x01});
constexpr unsigned kMaxEnginePasses = 64;  // per tick: ample for the rates used
}  // namespace

/// One guest: its driver and, while up, its data path and apps.
struct TrafficRig::Guest {
  unsigned vf = 0;
  std::unique_ptr<hal::Waiter> waiter;
  std::unique_ptr<vf::VfDriver> driver;
  std::unique_ptr<VfPort> port;
  bool queues = false;  ///< queues set up for the driver's current reset count
  uint64_t resets_seen = 0;
  std::optional<apps::TrafficGen> to_vf, to_wire;
  uint16_t flow_vf = 0, flow_wire = 0;
  std::optional<apps::Sink> sink;
  // Since the queues were set up: frames handed and read, and the engine's queue counters then.
  uint64_t handed = 0, read = 0, taken0 = 0, delivered0 = 0;
};

/// A guest's waits run rig ticks: its own data path keeps running, as other CPUs of a VM keep
/// moving packets while one waits for the PF, and so do the other guests, drivers included
/// (other VMs run while this one waits). A guest already inside a wait is not run again: its
/// driver is mid-call. Time moves by the hint, in ticks of at most the rig's tick, so a short
/// wait (a 5 us register read-back) costs 5 us, not a whole tick.
class TrafficRig::GuestWaiter final : public hal::Waiter {
 public:
  GuestWaiter(TrafficRig& rig, unsigned vf) : rig_(rig), vf_(vf) {}
  void pause(hal::Nanos hint) override {
    constexpr hal::Nanos kMinPause = std::chrono::microseconds(1);  // a 0 hint still moves time
    const bool was_waiting = rig_.waiting_.at(vf_);
    rig_.waiting_.at(vf_) = true;
    hal::Nanos left = std::max(hint, kMinPause);
    while (left > hal::Nanos::zero()) {
      const hal::Nanos dt = std::min(left, rig_.opts_.tick);
      rig_.tick(dt);
      rig_.step_drivers();
      left -= dt;
    }
    rig_.waiting_.at(vf_) = was_waiting;
  }

 private:
  TrafficRig& rig_;
  unsigned vf_;
};

uint64_t FrameTotals::dropped() const {
  uint64_t n = 0;
  for (const auto& [name, v] : drops) n += v;
  return n;
}

std::string config_line(const pf::VfInfo& i, std::span<const uint16_t> vlans, bool admin_only) {
  std::string s = fmt::format("vf {}: admin_mac={} vlan={} qos={} spoofchk={} trust={} link={}", i.vf.value(),
                              i.admin_mac ? fmt::format("{}", i.mac) : std::string("-"), i.vlan, i.qos,
                              i.spoofchk, i.trusted, pf::to_string(i.link_state));
  if (admin_only) return s;
  return s + fmt::format(" mac={} api={} xcast={} frame={} mc={} vlans=[{}]", i.mac, i.api,
                         static_cast<int>(i.xcast), i.max_frame, i.num_mc_hashes, fmt::join(vlans, ","));
}

TrafficRig::TrafficRig(const RigOptions& opts)
    : opts_(opts), dev_(sim::Device82599::create(sim::DeviceConfig{.name = "faults", .clock = &clock_})),
      pf_waiter_(clock_, nullptr) {
  pf::PfOptions po;
  po.mac = kPfMac;
  pf_ = std::make_unique<pf::PfDriver>(dev_->pf(), clock_, pf_waiter_, po);
  peer_ = std::make_shared<WirePeer>(kPeerMac, opts_.rate_pps, clock_, ledger_);
  dev_->set_wire(peer_);
}

TrafficRig::~TrafficRig() {
  // Guests (queues, mappings, pools, drivers) before the PF driver and the device.
  guests_.clear();
}

std::expected<std::unique_ptr<TrafficRig>, std::string> TrafficRig::create(const RigOptions& opts) {
  if (!dp::Eal::running()) return std::unexpected(std::string("no EAL is running"));
  if (opts.num_vfs < 2 || opts.num_vfs > 31) return std::unexpected(fmt::format("{} VFs: want 2..31", opts.num_vfs));
  auto rig = std::unique_ptr<TrafficRig>(new TrafficRig(opts));
  if (auto r = rig->bring_up(); !r) return std::unexpected(r.error());
  return rig;
}

std::expected<void, std::string> TrafficRig::bring_up() {
  if (auto r = pf_->init(); !r) return std::unexpected("PF init: " + r.error().reason);
  if (auto r = pf_->set_num_vfs(opts_.num_vfs); !r) return std::unexpected("enable VFs: " + r.error().reason);
  if (opts_.admin) {
    if (auto r = opts_.admin(*pf_); !r) return std::unexpected("admin: " + r.error());
  }
  guests_.resize(opts_.num_vfs);
  macs_.resize(opts_.num_vfs);
  waiting_.assign(opts_.num_vfs, false);
  for (unsigned v = 0; v < opts_.num_vfs; ++v) {
    if (auto r = start_guest(v); !r) return r;
  }
  for (unsigned v = 0; v < opts_.num_vfs; ++v) peer_->add_destination(macs_[v], v);
  if (!run_until([this] { return all_up(); }, 100ms)) return std::unexpected(std::string("guests not up after 100 ms"));
  return {};
}

std::expected<void, std::string> TrafficRig::start_guest(unsigned vf) {
  auto fn = dev_->vf(hal::VfId{vf});
  if (!fn) return std::unexpected(fmt::format("vf {}: no function", vf));
  auto g = std::make_unique<Guest>();
  g->vf = vf;
  g->waiter = std::make_unique<GuestWaiter>(*this, vf);
  vf::VfOptions vo;
  // The same seed for a VF's every guest: a new VM on a VF picks the same random MAC, so the
  // peer's and the neighbours' flows keep their destination.
  vo.mac_seed = opts_.seed * 1000 + vf;
  g->driver = std::make_unique<vf::VfDriver>(**fn, clock_, *g->waiter, vo);
  Guest& ref = *g;
  guests_[vf] = std::move(g);
  if (auto r = ref.driver->probe(); !r) return std::unexpected(fmt::format("vf {} probe: {}", vf, vf::to_string(r.error())));
  if (!macs_[vf].is_valid_unicast()) macs_[vf] = ref.driver->mac();
  PortOptions po;
  po.ring_size = opts_.ring_size;
  auto port = VfPort::attach(**fn, *ref.driver, po);
  if (!port) return std::unexpected(fmt::format("vf {} data path: {}", vf, port.error()));
  ref.port = std::move(*port);
  // attach() set queues up; sync_guest() builds them again with the apps once the link is up,
  // when every neighbour's MAC is known.
  if (auto r = ref.port->setup_queues(opts_.ring_size, {}, tx_options(), 0); !r) return std::unexpected(r.error());
  ref.resets_seen = ref.driver->counters().resets;
  return {};
}

unsigned TrafficRig::abs_queue(unsigned vf) const { return vf * pf_->queues_per_pool(); }

std::expected<void, std::string> TrafficRig::build_queues(Guest& g) {
  if (auto r = g.port->setup_queues(opts_.ring_size, {}, tx_options(), 1); !r) {
    return std::unexpected(fmt::format("vf {} queues: {}", g.vf, r.error()));
  }
  const apps::BurstPort bp = apps::burst_port(*g.port);
  const unsigned next = (g.vf + 1) % static_cast<unsigned>(guests_.size());
  auto make_gen = [&](hal::MacAddr dst, unsigned to, uint16_t& flow) -> std::expected<apps::TrafficGen, std::string> {
    flow = ledger_.open_flow(PathKey{g.vf, to});
    apps::GenOptions go;
    go.frame.dst = dst;
    go.frame.flow = flow;
    go.rate_pps = opts_.rate_pps;
    go.clock = &clock_;
    return apps::TrafficGen::create(bp, go);
  };
  auto a = make_gen(macs_[next], next, g.flow_vf);
  if (!a) return std::unexpected(a.error());
  auto b = make_gen(peer_->mac(), kWireEnd, g.flow_wire);
  if (!b) return std::unexpected(b.error());
  g.to_vf.emplace(std::move(*a));
  g.to_wire.emplace(std::move(*b));
  apps::SinkOptions so;
  so.max_flows = 1024;
  g.sink.emplace(bp, so);
  g.queues = true;
  g.handed = g.read = 0;
  const sim::QueueCounters qc = dev_->queue_counters(hal::QueueId{abs_queue(g.vf)});
  g.taken0 = qc.tx_packets;
  g.delivered0 = qc.rx_packets;
  return {};
}

dp::TxQueueOptions TrafficRig::tx_options() {
  // Head write-back: at teardown the ring says exactly which packets the device took.
  return dp::TxQueueOptions{.head_writeback = true};
}

void TrafficRig::retire_queues(Guest& g, bool device_alive) {
  if (!g.queues) return;
  // What the device's counters leave over, to compare with what the rings hold.
  const sim::QueueCounters qc = dev_->queue_counters(hal::QueueId{abs_queue(g.vf)});
  const uint64_t tx_left = g.handed - (qc.tx_packets - g.taken0);
  const uint64_t rx_left = (qc.rx_packets - g.delivered0) - g.read;
  const dp::TxCloseCounts tc = g.port->tx->close(device_alive);
  const dp::RxCloseCounts rc = g.port->rx->close(device_alive);
  const uint64_t tx_unsent = tc.packets - tc.completed;
  if (tx_unsent != tx_left) {
    teardown_problems_ += fmt::format("vf {}: TX ring freed {} unsent packets, the device leaves {}; ", g.vf,
                                      tx_unsent, tx_left);
  }
  if (rc.frames != rx_left) {
    teardown_problems_ += fmt::format("vf {}: RX ring freed {} completed frames, the device leaves {}; ", g.vf,
                                      rc.frames, rx_left);
  }
  tx_ring_reset_ += tx_unsent;
  rx_ring_reset_ += rc.frames;
  retired_sent_ += g.handed;
  retired_received_ += g.read;
  g.to_vf.reset();
  g.to_wire.reset();
  g.sink.reset();
  (void)g.port->setup_queues(0, {}, {}, 0);  // the closed queues go; no register is touched
  // Every mbuf is back: none leaked in a ring or an app.
  if (const unsigned used = rte_mempool_in_use_count(g.port->pool.get()); used != 0) {
    teardown_problems_ += fmt::format("vf {}: {} mbufs still in use after teardown; ", g.vf, used);
  }
  g.queues = false;
}

void TrafficRig::sync_guest(Guest& g) {
  if (!g.driver) return;
  const uint64_t resets = g.driver->counters().resets;
  if (resets != g.resets_seen) {
    retire_queues(g);
    g.resets_seen = resets;
  }
  // Not before every guest has its MAC: a guest steps while another probes (GuestWaiter), and
  // a flow to an unknown MAC would go to the wire.
  const bool macs_known =
      std::all_of(macs_.begin(), macs_.end(), [](const hal::MacAddr& m) { return m.is_valid_unicast(); });
  if (!g.queues && macs_known && g.driver->state() == vf::State::kUp && g.port) (void)build_queues(g);
}

void TrafficRig::poll_tx(Guest& g) {
  g.handed += g.to_vf->poll();
  ledger_.note_sent(g.flow_vf, g.to_vf->next_seq());
  g.handed += g.to_wire->poll();
  ledger_.note_sent(g.flow_wire, g.to_wire->next_seq());
}

void TrafficRig::poll_rx(Guest& g) {
  std::array<rte_mbuf*, apps::kMaxBurst> b{};
  for (uint16_t n; (n = g.port->rx->rx_burst(b.data(), apps::kMaxBurst)) != 0;) {
    for (uint16_t i = 0; i < n; ++i) {
      const rte_mbuf* m = b[i];
      const std::span<const uint8_t> head(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len);
      if (const auto p = apps::parse_probe(head, m->pkt_len)) {
        if (p->flow != UINT16_MAX) ledger_.on_receive(p->flow, p->seq, clock_.now(), g.vf);
      }
      // A runt or fragment is too short to parse as a probe: bad frames are known by source.
      if (WirePeer::is_bad_frame(head)) ++bad_delivered_;
    }
    g.read += n;
    g.sink->consume(b.data(), n);
  }
}

void TrafficRig::tick() { tick(opts_.tick); }

void TrafficRig::tick(hal::Nanos dt) {
  clock_.advance(dt);
  if (clock_.now() >= pf_stalled_until_) pf_->service_once();
  if (sending_) peer_->generate();
  for (auto& g : guests_) {
    if (!g || !g->queues) continue;
    // An OS sends only with its driver up and the link up (carrier).
    if (sending_ && g->driver->state() == vf::State::kUp && g->driver->link_up()) poll_tx(*g);
  }
  for (unsigned i = 0; i < kMaxEnginePasses && dev_->poll_once() != 0; ++i) {
  }
  for (auto& g : guests_) {
    if (!g || !g->queues) continue;
    poll_rx(*g);
  }
}

void TrafficRig::step() {
  tick();
  step_drivers();
}

void TrafficRig::step_drivers() {
  for (unsigned v = 0; v < guests_.size(); ++v) {
    // A guest inside a wait is mid-call in its driver; kill_guest may have emptied a slot
    // during an earlier guest's service (not today, but cheap to allow).
    if (waiting_[v] || !guests_[v] || !guests_[v]->driver) continue;
    Guest& g = *guests_[v];
    g.driver->service();
    sync_guest(g);
  }
}

void TrafficRig::run_for(hal::Nanos d) {
  const hal::Nanos end = clock_.now() + d;
  while (clock_.now() < end) step();
}

bool TrafficRig::run_until(const std::function<bool()>& done, hal::Nanos limit) {
  const hal::Nanos end = clock_.now() + limit;
  while (!done()) {
    if (clock_.now() >= end) return false;
    step();
  }
  return true;
}

void TrafficRig::flr(unsigned vf) {
  hal::PciFunction& fn = *dev_->vf(hal::VfId{vf}).value();
  const uint8_t exp = fn.config().find_capability(hal::pci::kCapIdExp);
  fn.config().write16(exp + hal::pci::kExpDevCtl, hal::pci::kExpDevCtlBcrFlr);
}

void TrafficRig::kill_guest(unsigned vf) {
  // A dead VM does nothing: the host resets the function first (vfio-pci on release), then the
  // VM's memory goes. The rig counts what its rings held, touching no register.
  flr(vf);
  Guest& g = *guests_.at(vf);
  retire_queues(g, /*device_alive=*/false);
  g.port.reset();  // the VM's memory and its IOMMU mappings go
  g.driver.reset();
  guests_[vf].reset();
}

void TrafficRig::set_link(bool up) {
  dev_->set_link(up);
  peer_->set_link(up);
}

void TrafficRig::drain() {
  set_sending(false);
  const hal::Nanos end = clock_.now() + 50ms;
  auto empty = [this] {
    if (peer_->queued() != 0) return false;
    for (auto& g : guests_) {
      if (!g || !g->queues) continue;
      const sim::QueueCounters qc = dev_->queue_counters(hal::QueueId{abs_queue(g->vf)});
      if (g->handed != qc.tx_packets - g->taken0 || qc.rx_packets - g->delivered0 != g->read) return false;
    }
    return true;
  };
  while (!empty() && clock_.now() < end) step();
  step();
  drained_ = true;
}

bool TrafficRig::guest_up(unsigned vf) const {
  const auto& g = guests_.at(vf);
  return g && g->driver && g->driver->state() == vf::State::kUp && g->driver->link_up() && g->queues;
}

bool TrafficRig::all_up() const {
  for (unsigned v = 0; v < guests_.size(); ++v) {
    if (!guest_up(v)) return false;
  }
  return true;
}

std::optional<hal::Nanos> TrafficRig::flowing_since(const std::vector<unsigned>& vfs) const {
  hal::Nanos latest{};
  for (unsigned v : vfs) {
    for (const PathKey& p : ledger_.paths_touching(v)) {
      const auto t = ledger_.first_since_mark(p);
      if (!t) return std::nullopt;
      latest = std::max(latest, *t);
    }
  }
  return latest;
}

bool TrafficRig::flowing(const std::vector<unsigned>& vfs) const { return flowing_since(vfs).has_value(); }

std::vector<std::string> TrafficRig::config(const std::vector<unsigned>& admin_only) const {
  std::vector<std::string> out;
  for (unsigned v = 0; v < guests_.size(); ++v) {
    const hal::VfId id{v};
    const bool admin = std::find(admin_only.begin(), admin_only.end(), v) != admin_only.end();
    const auto vlans = pf_->vf_vlans(id);
    out.push_back(config_line(pf_->vf_info(id), vlans, admin));
  }
  return out;
}

vf::VfDriver& TrafficRig::driver(unsigned vf) { return *guests_.at(vf)->driver; }

FrameTotals TrafficRig::totals() const {
  FrameTotals t;
  const sim::Accounting a = dev_->accounting();
  t.guest_sent = retired_sent_;
  t.guest_received = retired_received_;
  for (const auto& g : guests_) {
    if (!g || !g->queues) continue;
    t.guest_sent += g->handed;
    t.guest_received += g->read;
    const sim::QueueCounters qc = dev_->queue_counters(hal::QueueId{abs_queue(g->vf)});
    t.in_flight += (g->handed - (qc.tx_packets - g->taken0)) + ((qc.rx_packets - g->delivered0) - g->read);
  }
  t.peer_sent = peer_->counters().generated + peer_->counters().bad_queued;
  t.peer_received = peer_->counters().received;
  t.in_flight += peer_->queued();
  auto add = [&t](std::string_view name, uint64_t v) {
    if (v != 0) t.drops[std::string(name)] = v;
  };
  a.for_each_drop(add);
  add("tx_ring_reset", tx_ring_reset_);
  add("rx_ring_reset", rx_ring_reset_);
  // The statistics registers clear on read: keep the running totals, as a driver does.
  namespace pfr = hal::ixgbe::pf;
  hal::RegisterIo& bar = dev_->pf().bar0();
  const std::pair<const char*, hal::Reg32> regs[] = {{"CRCERRS", pfr::CRCERRS}, {"RLEC", pfr::RLEC},
                                                     {"RUC", pfr::RUC},         {"RFC", pfr::RFC},
                                                     {"ROC", pfr::ROC},         {"RJC", pfr::RJC}};
  for (const auto& [name, r] : regs) {
    if (const uint32_t v = bar.read(r); v != 0) mac_totals_[name] += v;
  }
  t.mac = mac_totals_;
  t.bad_delivered = bad_delivered_;
  return t;
}

std::string TrafficRig::check_invariant() const {
  std::string out;
  const sim::Accounting a = dev_->accounting();
  if (auto c = a.check(); !c.empty()) out += "device: " + c;
  const FrameTotals t = totals();
  uint64_t tx_in_ring = 0, rx_in_ring = 0;
  for (const auto& g : guests_) {
    if (!g || !g->queues) continue;
    const sim::QueueCounters qc = dev_->queue_counters(hal::QueueId{abs_queue(g->vf)});
    tx_in_ring += g->handed - (qc.tx_packets - g->taken0);
    rx_in_ring += (qc.rx_packets - g->delivered0) - g->read;
  }
  if (t.guest_sent != a.offered_tx + tx_ring_reset_ + tx_in_ring) {
    out += fmt::format("guests sent {} != engine took {} + freed at reset {} + in rings {}; ", t.guest_sent,
                       a.offered_tx, tx_ring_reset_, tx_in_ring);
  }
  if (a.delivered != t.guest_received + rx_ring_reset_ + rx_in_ring) {
    out += fmt::format("delivered {} != guests read {} + freed at reset {} + in rings {}; ", a.delivered,
                       t.guest_received, rx_ring_reset_, rx_in_ring);
  }
  if (a.offered_wire + peer_->queued() != t.peer_sent) {
    out += fmt::format("wire offered {} + queued at the peer {} != peer sent {}; ", a.offered_wire, peer_->queued(),
                       t.peer_sent);
  }
  if (a.to_wire != t.peer_received) out += fmt::format("to_wire {} != peer received {}; ", a.to_wire, t.peer_received);
  if (t.sent() != t.received() + t.dropped() + t.in_flight) {
    out += fmt::format("sent {} != received {} + dropped {} + in flight {}; ", t.sent(), t.received(), t.dropped(),
                       t.in_flight);
  }
  if (t.bad_delivered != 0) out += fmt::format("{} bad wire frames delivered; ", t.bad_delivered);
  if (drained_ && t.in_flight != 0) out += fmt::format("{} frames still in flight after the drain; ", t.in_flight);
  out += teardown_problems_;
  return out;
}

}  // namespace harness::faults
