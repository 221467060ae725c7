#include "harness/failover/guest_vm.hpp"

#include <fmt/format.h>

#include <algorithm>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "datapath/eal.hpp"

namespace harness::failover {

namespace {
// The guest's memory: its frames in flight (the channel's two rings, 1024 each by default, a
// burst held) and the receive rings of every VF it has (two of 512 for a team), each filled
// from it, plus what the VF TX rings hold.
constexpr unsigned kGuestPoolSize = 16383;
constexpr uint64_t kGuestMaxBurstNs = 1'000'000;
}  // namespace

GuestVm::GuestVm(const GuestVmOptions& opts, const hal::Clock& clock) : opts_(opts), clock_(clock), last_(clock.now()) {}

GuestVm::~GuestVm() {
  // VFs first (their rings may hold the guest's mbufs), then the held frames, then the
  // channel (it frees what its rings hold), then the pool.
  while (!vfs_.empty()) (void)unplug_vf(vfs_.size() - 1, true);
  if (held_n_ != 0) rte_pktmbuf_free_bulk(held_.data(), held_n_);
  nic_.reset();
  team_.reset();
  ch_.reset();
}

std::expected<std::unique_ptr<GuestVm>, std::string> GuestVm::create(const GuestVmOptions& opts,
                                                                     const hal::Clock& clock,
                                                                     hal::MacAddr partner) {
  if (!dp::Eal::running()) return std::unexpected(std::string("guest: no EAL is running"));
  auto vm = std::unique_ptr<GuestVm>(new GuestVm(opts, clock));
  auto pool = make_pktmbuf_pool(kGuestPoolSize);
  if (!pool) return std::unexpected("guest pool: " + pool.error());
  vm->pool_ = std::move(*pool);
  auto ch = SyntheticChannel::create(vm->pool_.get());
  if (!ch) return std::unexpected(ch.error());
  vm->ch_ = std::move(*ch);
  if (opts.nic == GuestNic::kFailover) {
    vm->nic_ = std::make_unique<FailoverNic>(opts.mac, clock);
  } else {
    vm->team_ = std::make_unique<ActiveBackupTeam>(opts.mac, clock, opts.team);
  }
  apps::ProbeSpec spec;
  spec.dst = partner;
  spec.src = opts.mac;
  auto h = apps::build_probe_header(spec);
  if (!h) return std::unexpected(h.error());
  vm->hdr_ = *h;
  vm->frame_len_ = spec.frame_len;
  return vm;
}

void GuestVm::set_sending(bool on) {
  if (on && !sending_) last_ = clock_.now();
  sending_ = on;
}

void GuestVm::plug_vf(std::unique_ptr<GuestVf> vf) {
  vf->resets_seen = vf->port->drv->counters().resets;
  if (nic_) nic_->attach_vf(*vf->port);
  if (team_) team_->add_member(*vf->port);
  vfs_.push_back(std::move(vf));
}

VfRingCounts GuestVm::close_rings(GuestVf& vf, bool device_alive) {
  VfRingCounts n;
  VfPort& p = *vf.port;
  for (auto& q : p.txq) {
    const dp::TxCloseCounts c = q.close(device_alive);
    n.tx_unsent += c.packets - c.completed;
  }
  for (auto& q : p.rxq) n.rx_unread += q.close(device_alive).frames;
  ring_counts_.tx_unsent += n.tx_unsent;
  ring_counts_.rx_unread += n.rx_unread;
  return n;
}

VfRingCounts GuestVm::unplug_vf(size_t i, bool device_alive) {
  GuestVf& vf = *vfs_.at(i);
  if (nic_ && nic_->vf() == vf.port.get()) nic_->detach_vf();
  if (team_) team_->remove_member(*vf.port);
  const VfRingCounts n = close_rings(vf, device_alive);
  vfs_.erase(vfs_.begin() + static_cast<std::ptrdiff_t>(i));
  return n;
}

VfRingCounts GuestVm::rebuild_queues(GuestVf& vf) {
  const VfRingCounts n = close_rings(vf, true);
  VfPort& p = *vf.port;
  (void)p.setup_queues(0, {}, {}, 0);  // the closed queues go
  dp::TxQueueOptions tx;
  tx.head_writeback = true;  // so close() counts exactly what the device never sent
  if (auto r = p.setup_queues(vf.ring_size, {}, tx, 1); !r) {
    problems_ += fmt::format("VF {} queues after its reset: {}; ", vf.vf.value(), r.error());
  }
  vf.resets_seen = p.drv->counters().resets;
  return n;
}

uint16_t GuestVm::nic_tx(rte_mbuf** pkts, uint16_t n) {
  return nic_ ? nic_->tx_burst(pkts, n) : team_->tx_burst(pkts, n);
}

uint16_t GuestVm::nic_rx(rte_mbuf** pkts, uint16_t n) {
  return nic_ ? nic_->rx_burst(pkts, n) : team_->rx_burst(pkts, n);
}

void GuestVm::run_datapath() {
  if (paused_) return;
  if (opts_.ignore_revoke) {
    // A guest without failover support never reads the host's requests.
    while (ch_->guest_next_msg()) {
    }
  }
  if (nic_) {
    nic_->poll();
    // The guest OS lets go of the VF once the NIC has moved off it and its rings are done:
    // the driver's remove, then the answer to the host's eject request.
    if (nic_->releasing() && nic_->vf_quiesced()) {
      for (size_t i = 0; i < vfs_.size(); ++i) {
        if (vfs_[i]->port.get() != nic_->vf()) continue;
        (void)unplug_vf(i, true);
        ch_->guest_post(GuestMsg::kVfReleased);
        break;
      }
    }
  }
  if (team_) team_->poll();
  const int path = nic_ ? static_cast<int>(nic_->path()) : team_->active();
  if (path != last_path_) {
    last_path_ = path;
    seq_at_switch_ = seq_;  // the frames held now keep their numbers and go out on the new path
  }
  send_probes();
  receive_all();
}

unsigned GuestVm::in_rings() {
  unsigned n = 0;
  for (auto& vf : vfs_) {
    VfPort& p = *vf->port;
    for (auto& q : p.txq) {
      q.cleanup();  // head write-back: what is left was not fetched by the device
      n += q.ring_size() - 1u - q.free_descriptors();
    }
    for (const auto& q : p.rxq) {
      if (q.enabled()) n += q.filled();  // probes are one buffer each
    }
  }
  return n;
}

void GuestVm::send_probes() {
  const hal::Nanos now = clock_.now();
  const uint64_t dt = static_cast<uint64_t>(std::max<int64_t>(0, (now - last_).count()));
  last_ = now;
  if (sending_ && opts_.rate_pps != 0) {
    credit_ = std::min<uint64_t>(credit_ + dt * opts_.rate_pps, kGuestMaxBurstNs * opts_.rate_pps + 1'000'000'000ULL);
  }
  for (;;) {
    // Build up to a burst: the held frames keep their numbers and go first.
    while (held_n_ < kBurst && credit_ >= 1'000'000'000ULL) {
      rte_mbuf* m = rte_pktmbuf_alloc(pool_.get());
      if (m == nullptr) break;  // the pool is dry: send what is built, build later
      auto* d = rte_pktmbuf_mtod(m, uint8_t*);
      std::copy_n(hdr_.bytes.begin(), hdr_.len, d);
      std::fill(d + hdr_.len, d + frame_len_, uint8_t{0});
      apps::write_probe_fields(d, hdr_, seq_ + held_n_, static_cast<uint64_t>(now.count()));
      m->data_len = static_cast<uint16_t>(frame_len_);
      m->pkt_len = frame_len_;
      held_[held_n_++] = m;
      credit_ -= 1'000'000'000ULL;
    }
    if (held_n_ == 0) return;
    const uint16_t k = nic_tx(held_.data(), static_cast<uint16_t>(held_n_));
    seq_ += k;
    std::copy(held_.begin() + k, held_.begin() + held_n_, held_.begin());
    held_n_ -= k;
    if (held_n_ != 0) return;  // the interface is full or has no path: try next pass
  }
}

void GuestVm::receive_all() {
  std::array<rte_mbuf*, kBurst> b{};
  const hal::Nanos now = clock_.now();
  for (uint16_t n; (n = nic_rx(b.data(), kBurst)) != 0;) {
    for (uint16_t i = 0; i < n; ++i) {
      const rte_mbuf* m = b[i];
      const std::span<const uint8_t> head(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len);
      const auto p = apps::parse_probe(head, m->pkt_len);
      if (p && p->flow == 0) {
        from_partner_.on_probe(p->seq, now);
      } else {
        ++not_probe_;
      }
    }
    received_ += n;
    rte_pktmbuf_free_bulk(b.data(), n);
  }
}

}  // namespace harness::failover
