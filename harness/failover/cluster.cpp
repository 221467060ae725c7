#include "harness/failover/cluster.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "datapath/eal.hpp"
#include "hal/pci_regs.hpp"

namespace harness::failover {

namespace {
constexpr unsigned kClusterEnginePasses = 64;  // per tick: ample for the rates used
const hal::MacAddr kPartnerMac({0x02, 0x50, 0x00, 0x00, 0x00, 0x01});

std::string cluster_nic_name(unsigned host, unsigned nic) { return fmt::format("{}{}", Cluster::host_name(host), nic); }
}  // namespace

struct Cluster::Nic {
  std::unique_ptr<sim::Device82599> dev;
  std::unique_ptr<hal::Waiter> pf_waiter;
  std::unique_ptr<pf::PfDriver> pf;
  unsigned tor_port = 0;
  std::vector<bool> busy;
};

struct Cluster::Host {
  std::vector<std::unique_ptr<Nic>> nics;
  std::unique_ptr<HostSwitch> sw;  // on NIC 0's default pool
  ~Host() { sw.reset(); }          // the switch's queues before the PF and the device
};

/// The guest's OS waiting in a VF driver call: the world keeps running, time moving by the
/// hint in ticks of at most the cluster's tick, the guest's own data path included (its other
/// CPUs), but not its VF drivers' upkeep (one of them is mid-call).
class Cluster::GuestWaiter final : public hal::Waiter {
 public:
  explicit GuestWaiter(Cluster& c) : c_(c) {}
  void pause(hal::Nanos hint) override {
    constexpr hal::Nanos kMinPause = std::chrono::microseconds(1);
    const bool was = c_.in_wait_;
    c_.in_wait_ = true;
    hal::Nanos left = std::max(hint, kMinPause);
    if (c_.opts_.realtime) {
      // Time passes by itself: poll the world until it has.
      const hal::Nanos end = c_.clock_->now() + left;
      do {
        c_.tick(c_.opts_.tick);
      } while (c_.clock_->now() < end);
    } else {
      while (left > hal::Nanos::zero()) {
        const hal::Nanos dt = std::min(left, c_.opts_.tick);
        c_.tick(dt);
        left -= dt;
      }
    }
    c_.in_wait_ = was;
  }

 private:
  Cluster& c_;
};

uint64_t ClusterLedger::dropped() const {
  uint64_t n = 0;
  for (const auto& [k, v] : drops) n += v;
  return n;
}

int64_t ClusterLedger::unaccounted() const {
  return static_cast<int64_t>(sent + extra_copies) - static_cast<int64_t>(received + dropped() + in_flight);
}

std::string Cluster::host_name(unsigned host) { return std::string(1, static_cast<char>('A' + host)); }

Cluster::Cluster(const ClusterOptions& opts) : opts_(opts) {
  if (opts_.realtime) clock_ = &real_;
  start_ = clock_->now();
}

Cluster::~Cluster() {
  // The guest's port off its switch first (the switch points at the guest's channel), then
  // the guest (its VF ports use the devices' functions), then the hosts (switch, PF, device),
  // while the ToR the devices' wires point into still lives.
  if (guest_host_) (void)detach_guest();
  vm_.reset();
  hosts_.clear();
}

std::expected<std::unique_ptr<Cluster>, std::string> Cluster::create(const ClusterOptions& opts) {
  if (!dp::Eal::running()) return std::unexpected(std::string("no EAL is running"));
  if (opts.hosts < 1 || opts.hosts > 4) return std::unexpected(fmt::format("{} hosts: want 1..4", opts.hosts));
  if (opts.nics_per_host < 1 || opts.nics_per_host > 2) {
    return std::unexpected(fmt::format("{} NICs per host: want 1..2", opts.nics_per_host));
  }
  if (opts.vfs_per_nic < 1 || opts.vfs_per_nic > 31) {
    return std::unexpected(fmt::format("{} VFs per NIC: want 1..31", opts.vfs_per_nic));
  }
  if (opts.tick <= hal::Nanos::zero()) return std::unexpected(std::string("the tick must be positive"));
  auto c = std::unique_ptr<Cluster>(new Cluster(opts));
  if (auto r = c->build(); !r) return std::unexpected(r.error());
  return c;
}

std::expected<void, std::string> Cluster::build() {
  waiter_ = std::make_unique<GuestWaiter>(*this);
  for (unsigned h = 0; h < opts_.hosts; ++h) {
    auto host = std::make_unique<Host>();
    for (unsigned n = 0; n < opts_.nics_per_host; ++n) {
      auto nic = std::make_unique<Nic>();
      const std::string name = cluster_nic_name(h, n);
      nic->dev = sim::Device82599::create(sim::DeviceConfig{
          .name = name, .bus = static_cast<uint8_t>(1 + h * 2 + n), .link_up = true, .clock = clock_});
      nic->dev->set_wire(tor_.add_device_port(name, nic->tor_port));
      // The PF waits only on its device (bring-up): stepped, that is moving the clock.
      if (opts_.realtime) {
        nic->pf_waiter = std::make_unique<hal::SpinWaiter>();
      } else {
        nic->pf_waiter = std::make_unique<hal::SteppingWaiter>(manual_, nullptr);
      }
      pf::PfOptions po;
      po.mac = hal::MacAddr({0x02, 0x00, 0x00, 0x00, static_cast<uint8_t>(h), static_cast<uint8_t>(n + 1)});
      nic->pf = std::make_unique<pf::PfDriver>(nic->dev->pf(), *clock_, *nic->pf_waiter, po);
      if (auto r = nic->pf->init(); !r) return std::unexpected(fmt::format("{}: PF init: {}", name, r.error().reason));
      if (auto r = nic->pf->set_num_vfs(opts_.vfs_per_nic); !r) {
        return std::unexpected(fmt::format("{}: enable VFs: {}", name, r.error().reason));
      }
      nic->busy.assign(opts_.vfs_per_nic, false);
      host->nics.push_back(std::move(nic));
    }
    auto sw = HostSwitch::open(*host->nics[0]->pf, host->nics[0]->dev->pf());
    if (!sw) return std::unexpected(fmt::format("host {}: switch: {}", host_name(h), sw.error()));
    host->sw = std::move(*sw);
    hosts_.push_back(std::move(host));
  }
  partner_port_ = tor_.add_station_port("partner");
  partner_ = std::make_unique<Partner>(tor_, partner_port_, kPartnerMac, opts_.guest.mac, opts_.rate_pps, *clock_);
  GuestVmOptions go = opts_.guest;
  go.rate_pps = opts_.rate_pps;
  auto vm = GuestVm::create(go, *clock_, kPartnerMac);
  if (!vm) return std::unexpected(vm.error());
  vm_ = std::move(*vm);
  set_traffic(false);
  // Every link settles before anything is measured.
  run_for(5ms);
  return {};
}

Cluster::Nic& Cluster::nic(unsigned host, unsigned n) { return *hosts_.at(host)->nics.at(n); }
const Cluster::Nic& Cluster::nic(unsigned host, unsigned n) const { return *hosts_.at(host)->nics.at(n); }
pf::PfDriver& Cluster::pf(unsigned host, unsigned n) { return *nic(host, n).pf; }
sim::Device82599& Cluster::device(unsigned host, unsigned n) { return *nic(host, n).dev; }
HostSwitch& Cluster::host_switch(unsigned host) { return *hosts_.at(host)->sw; }
unsigned Cluster::tor_port(unsigned host, unsigned n) const { return nic(host, n).tor_port; }

void Cluster::note(std::string text) { notes_.push_back(Note{elapsed(), std::move(text)}); }

void Cluster::tick(hal::Nanos dt) {
  if (!opts_.realtime) manual_.advance(dt);
  const hal::Nanos now = clock_->now();
  if (last_tick_ != hal::Nanos::zero()) longest_stall_ = std::max(longest_stall_, now - last_tick_);
  last_tick_ = now;
  for (auto& h : hosts_) {
    for (auto& n : h->nics) n->pf->service_once();
  }
  for (auto& h : hosts_) h->sw->poll();
  vm_->run_datapath();
  // A surprise removal strikes here: the guest has just handed frames to its VF, the device
  // has not fetched them.
  if (surprise_ && !surprise_->reset) surprise_reset();
  partner_->generate();
  for (unsigned pass = 0; pass < kClusterEnginePasses; ++pass) {
    size_t moved = 0;
    for (auto& h : hosts_) {
      for (auto& n : h->nics) moved += n->dev->poll_once();
    }
    if (moved == 0) break;
  }
  for (auto& h : hosts_) h->sw->poll();
  partner_->receive();
}

void Cluster::drivers_upkeep() {
  if (in_wait_) return;
  if (surprise_ && surprise_->reset && clock_->now() >= surprise_->notice_at) surprise_notice();
  for (auto& vf : vm_->vfs()) {
    // Until the guest hears of a surprise removal its driver's upkeep would only talk to a
    // reset function (and might bring it back up through the PF): the guest is unaware, and
    // its data path keeps using the dead rings, which is the point.
    if (surprise_ && surprise_->where == VfLocation{vf->host, vf->nic, vf->vf}) continue;
    vf::VfDriver& d = *vf->port->drv;
    d.service();
    // A reset made the device forget the queues: once the driver is up again, the guest's OS
    // sets them up anew (counting what the old rings held).
    if (d.counters().resets != vf->resets_seen && d.state() == vf::State::kUp) (void)vm_->rebuild_queues(*vf);
  }
}

void Cluster::step() {
  tick(opts_.tick);
  drivers_upkeep();
}

void Cluster::run_for(hal::Nanos d) {
  const hal::Nanos end = clock_->now() + d;
  while (clock_->now() < end) step();
}

bool Cluster::run_until(const std::function<bool()>& done, hal::Nanos limit) {
  const hal::Nanos end = clock_->now() + limit;
  while (!done()) {
    if (clock_->now() >= end) return false;
    step();
  }
  return true;
}

std::expected<void, std::string> Cluster::attach_guest(unsigned host) {
  if (guest_host_) return std::unexpected(fmt::format("the guest is on host {} already", host_name(*guest_host_)));
  if (host >= hosts_.size()) return std::unexpected(fmt::format("no host {}", host));
  auto port = hosts_[host]->sw->attach(vm_->mac(), vm_->channel(), true);
  if (!port) return std::unexpected(port.error());
  guest_host_ = host;
  guest_port_ = *port;
  if (vm_->nic() != nullptr) vm_->nic()->set_synthetic(&vm_->channel());
  note(fmt::format("host {}: guest attached to the software switch", host_name(host)));
  return {};
}

std::expected<void, std::string> Cluster::detach_guest() {
  if (!guest_host_) return std::unexpected(std::string("the guest is on no host"));
  if (auto r = hosts_[*guest_host_]->sw->detach(*guest_port_); !r) return r;
  if (vm_->nic() != nullptr) vm_->nic()->set_synthetic(nullptr);
  note(fmt::format("host {}: guest detached from the software switch", host_name(*guest_host_)));
  guest_host_.reset();
  guest_port_.reset();
  return {};
}

std::optional<hal::VfId> Cluster::free_vf(unsigned host, unsigned n) const {
  const Nic& x = nic(host, n);
  for (unsigned v = 0; v < x.busy.size(); ++v) {
    if (!x.busy[v]) return hal::VfId{v};
  }
  return std::nullopt;
}

void Cluster::set_vf_busy(VfLocation where, bool busy) { nic(where.host, where.nic).busy.at(where.vf.value()) = busy; }

std::expected<VfLocation, std::string> Cluster::hotplug_vf(unsigned host, unsigned n) {
  if (host >= hosts_.size() || n >= hosts_[host]->nics.size()) {
    return std::unexpected(fmt::format("no NIC {} on host {}", n, host));
  }
  // A failover NIC's VF pairs with its synthetic port: both on the host the guest is on.
  if (vm_->nic() != nullptr && (!guest_host_ || *guest_host_ != host)) {
    return std::unexpected(fmt::format("the guest is not on host {}", host_name(host)));
  }
  const auto v = free_vf(host, n);
  if (!v) return std::unexpected(fmt::format("host {} NIC {}: no free VF", host_name(host), n));
  Nic& x = nic(host, n);
  const VfLocation where{host, n, *v};
  if (auto r = x.pf->set_vf_mac(*v, vm_->mac()); !r) {
    return std::unexpected(fmt::format("host {}: VF {} admin MAC: {}", host_name(host), v->value(), r.error().reason));
  }
  (void)x.pf->set_vf_spoofchk(*v, true);
  x.busy[v->value()] = true;
  auto fn = x.dev->vf(*v);
  auto give_back = [&](std::string why) -> std::expected<VfLocation, std::string> {
    (void)x.pf->set_vf_mac(*v, hal::MacAddr{});
    x.busy[v->value()] = false;
    return std::unexpected(std::move(why));
  };
  if (!fn) return give_back(fmt::format("host {}: VF {}: no function", host_name(host), v->value()));
  PortOptions po;
  po.driver.mac_seed = opts_.seed * 1000 + host * 100 + n * 40 + v->value();
  po.ring_size = opts_.vf_ring;
  po.tx.head_writeback = true;  // so a ring's close() counts exactly what the device never sent
  po.shared_pool = vm_->pool();  // the guest's memory: nothing to allocate or free per VF
  note(fmt::format("host {}: VF {}.{} hot-plugged into the guest (admin MAC {})", host_name(host), n, v->value(),
                   vm_->mac()));
  in_wait_ = true;
  auto port = VfPort::open(**fn, *clock_, *waiter_, po);
  in_wait_ = false;
  if (!port) return give_back(fmt::format("host {}: VF {}: guest probe: {}", host_name(host), v->value(), port.error()));
  auto gv = std::make_unique<GuestVf>();
  gv->host = host;
  gv->nic = n;
  gv->vf = *v;
  gv->port = std::move(*port);
  gv->ring_size = opts_.vf_ring;
  vm_->plug_vf(std::move(gv));
  assigned_.push_back(where);
  note(fmt::format("guest: VF {}{}.{} probed", host_name(host), n, v->value()));
  return where;
}

GuestVf* Cluster::guest_vf_at(VfLocation where) {
  for (auto& vf : vm_->vfs()) {
    if (vf->host == where.host && vf->nic == where.nic && vf->vf == where.vf) return vf.get();
  }
  return nullptr;
}

std::vector<VfLocation> Cluster::guest_vfs() const {
  std::vector<VfLocation> out;
  for (const auto& vf : vm_->vfs()) out.push_back(VfLocation{vf->host, vf->nic, vf->vf});
  return out;
}

std::expected<void, std::string> Cluster::revoke_vf(VfLocation where) {
  if (guest_vf_at(where) == nullptr) {
    return std::unexpected(fmt::format("the guest has no VF {}{}.{}", host_name(where.host), where.nic, where.vf.value()));
  }
  if (!guest_host_ || *guest_host_ != where.host) {
    return std::unexpected(fmt::format("the guest is not attached to host {}'s switch", host_name(where.host)));
  }
  if (auto r = hosts_[where.host]->sw->revoke_vf(*guest_port_); !r) return r;
  note(fmt::format("host {}: MAC delivery moved to the host, guest asked to release VF {}.{}", host_name(where.host),
                   where.nic, where.vf.value()));
  return {};
}

bool Cluster::vf_released(unsigned host) {
  if (!guest_host_ || *guest_host_ != host || !guest_port_) return false;
  return hosts_[host]->sw->take_vf_released(*guest_port_);
}

std::expected<void, std::string> Cluster::check_assigned(VfLocation where) const {
  if (where.host >= hosts_.size() || where.nic >= hosts_[where.host]->nics.size() ||
      where.vf.value() >= opts_.vfs_per_nic) {
    return std::unexpected(fmt::format("no VF {}{}.{}", host_name(where.host), where.nic, where.vf.value()));
  }
  if (std::find(assigned_.begin(), assigned_.end(), where) == assigned_.end()) {
    return std::unexpected(
        fmt::format("VF {}{}.{} was not given to the guest", host_name(where.host), where.nic, where.vf.value()));
  }
  return {};
}

void Cluster::reset_function(VfLocation where) {
  Nic& x = nic(where.host, where.nic);
  hal::PciFunction& fn = *x.dev->vf(where.vf).value();
  const uint8_t exp = fn.config().find_capability(hal::pci::kCapIdExp);
  fn.config().write16(exp + hal::pci::kExpDevCtl, hal::pci::kExpDevCtlBcrFlr);
  x.pf->service_once();  // the PF reclaims the function (VFLRE)
}

void Cluster::release_slot(VfLocation where, const char* how) {
  Nic& x = nic(where.host, where.nic);
  (void)x.pf->set_vf_mac(where.vf, hal::MacAddr{});
  x.busy.at(where.vf.value()) = false;
  std::erase(assigned_, where);
  note(fmt::format("host {}: VF {}.{} reset and free ({})", host_name(where.host), where.nic, where.vf.value(), how));
}

std::expected<void, std::string> Cluster::remove_released_vf(VfLocation where) {
  if (auto r = check_assigned(where); !r) return r;
  if (guest_vf_at(where) != nullptr) {
    return std::unexpected(fmt::format("the guest still holds VF {}{}.{}", host_name(where.host), where.nic,
                                       where.vf.value()));
  }
  reset_function(where);
  release_slot(where, "released by the guest");
  return {};
}

std::expected<void, std::string> Cluster::surprise_remove(VfLocation where, hal::Nanos notice) {
  if (auto r = check_assigned(where); !r) return r;
  if (guest_vf_at(where) == nullptr) {
    return std::unexpected(fmt::format("the guest does not hold VF {}{}.{}", host_name(where.host), where.nic,
                                       where.vf.value()));
  }
  if (surprise_) return std::unexpected(std::string("a surprise removal is pending already"));
  surprise_ = Surprise{where, notice, false, {}};
  return {};
}

void Cluster::surprise_reset() {
  const VfLocation where = surprise_->where;
  reset_function(where);
  surprise_->reset = true;
  surprise_->notice_at = clock_->now() + surprise_->notice;
  note(fmt::format("host {}: VF {}.{} reset under the guest (surprise removal)", host_name(where.host), where.nic,
                   where.vf.value()));
}

void Cluster::surprise_notice() {
  const VfLocation where = surprise_->where;
  surprise_.reset();
  for (size_t i = 0; i < vm_->vfs().size(); ++i) {
    GuestVf& vf = *vm_->vfs()[i];
    if (!(VfLocation{vf.host, vf.nic, vf.vf} == where)) continue;
    // The guest's OS hears of it now: it closes the rings without touching the reset
    // function's registers and counts what they held.
    const VfRingCounts n = vm_->unplug_vf(i, false);
    note(fmt::format("guest: VF {}{}.{} gone ({} unsent and {} unread frames lost)", host_name(where.host), where.nic,
                     where.vf.value(), n.tx_unsent, n.rx_unread));
    break;
  }
  release_slot(where, "surprise removal");
}

void Cluster::set_traffic(bool on) {
  vm_->set_sending(on);
  partner_->set_sending(on);
}

bool Cluster::drain(hal::Nanos limit) {
  set_traffic(false);
  // A few ticks settle every ring; then wait for the ledger to show nothing in flight.
  run_for(std::min(limit, hal::Nanos(1ms)));
  return run_until([this] { return ledger().in_flight == 0; }, limit);
}

ClusterLedger Cluster::ledger() const {
  ClusterLedger l;
  l.sent = vm_->sent() + partner_->sent();
  l.received = vm_->received() + partner_->counters().received;
  auto add = [&l](const std::string& k, uint64_t v) {
    if (v != 0) l.drops[k] += v;
  };
  for (unsigned h = 0; h < hosts_.size(); ++h) {
    for (unsigned n = 0; n < hosts_[h]->nics.size(); ++n) {
      const sim::Accounting a = hosts_[h]->nics[n]->dev->accounting();
      l.extra_copies += a.copies - a.switched;
      const std::string where = cluster_nic_name(h, n);
      a.for_each_drop([&](std::string_view name, uint64_t v) { add(fmt::format("{}/{}", where, name), v); });
    }
    const HostSwitchCounters& s = hosts_[h]->sw->counters();
    const std::string sw = fmt::format("switch{}", host_name(h));
    l.extra_copies += s.extra_copies;
    add(sw + "/no_port", s.no_port);
    add(sw + "/guest_ring_full", s.guest_ring_full);
    add(sw + "/guest_no_mbuf", s.guest_no_mbuf);
    add(sw + "/no_mbuf_tx", s.no_mbuf_tx);
    add(sw + "/backlog_freed", s.backlog_freed);
    l.in_flight += hosts_[h]->sw->backlog() + hosts_[h]->sw->in_rings();
  }
  const fabric::TorCounters& t = tor_.counters();
  l.extra_copies += t.extra_copies;
  add("tor/filtered", t.filtered);
  add("tor/no_egress", t.no_egress);
  add("tor/egress_down", t.egress_down);
  add("tor/egress_full", t.egress_full);
  add("tor/ingress_down", t.ingress_down);
  add("tor/runts", t.runts);
  add("tor/oversize", t.oversize);
  l.in_flight += tor_.queued();
  add("guest/vf_tx_unsent", vm_->ring_counts().tx_unsent);
  add("guest/vf_rx_unread", vm_->ring_counts().rx_unread);
  if (vm_->team() != nullptr) add("guest/team_backup_rx", vm_->team()->counters().rx_backup_dropped);
  l.in_flight += vm_->channel().to_host_queued() + vm_->channel().to_guest_queued();
  l.in_flight += vm_->in_rings();
  return l;
}

std::string Cluster::check() const {
  std::string out;
  for (unsigned h = 0; h < hosts_.size(); ++h) {
    for (unsigned n = 0; n < hosts_[h]->nics.size(); ++n) {
      if (auto c = hosts_[h]->nics[n]->dev->accounting().check(); !c.empty()) {
        out += fmt::format("{}: {}; ", cluster_nic_name(h, n), c);
      }
    }
    if (auto c = hosts_[h]->sw->check(); !c.empty()) out += fmt::format("switch{}: {}; ", host_name(h), c);
  }
  if (auto c = tor_.check(); !c.empty()) out += "tor: " + c + "; ";
  return out;
}

}  // namespace harness::failover
