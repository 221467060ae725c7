#include "harness/failover/host_switch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <cstring>
#include <optional>
#include <utility>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "datapath/dma_map.hpp"
#include "datapath/eal.hpp"

namespace harness::failover {

// Named apart from every other file's helpers: CI builds unity batches.
namespace host_switch_detail {

/// Frames per RX burst, per channel dequeue and per delivery to one port.
constexpr uint16_t kBurst = 32;

/// A MAC as a number: the six bytes at `p` in memory order (only compared for equality).
inline uint64_t mac_key(const uint8_t* p) {
  uint64_t k = 0;
  std::memcpy(&k, p, 6);
  return k;
}

/// Fresh mbufs of `mp` into dst[0, n): in bulk (one mempool access), or when the pool has
/// fewer than n, as many as it has, one by one. Returns how many.
inline unsigned alloc_mbufs(rte_mempool* mp, rte_mbuf** dst, unsigned n) {
  if (n == 0 || rte_pktmbuf_alloc_bulk(mp, dst, n) == 0) return n;
  unsigned k = 0;
  while (k < n && (dst[k] = rte_pktmbuf_alloc(mp)) != nullptr) ++k;
  return k;
}

/// Copies frame `src` (any chain) for another owner. `dst` is a fresh mbuf of `mp`: a frame
/// that fits in its one segment is copied into it (the common case: no allocation beyond the
/// bulk one); else `dst` goes back and rte_pktmbuf_copy builds a chain from `mp`. Returns the
/// copy, or null when `mp` ran dry (nothing of `mp` is held then).
inline rte_mbuf* copy_frame(const rte_mbuf* src, rte_mbuf* dst, rte_mempool* mp) {
  if (src->nb_segs != 1 || src->data_len > rte_pktmbuf_tailroom(dst)) {
    rte_pktmbuf_free(dst);
    return rte_pktmbuf_copy(src, mp, 0, UINT32_MAX);
  }
  std::memcpy(rte_pktmbuf_mtod(dst, void*), rte_pktmbuf_mtod(src, const void*), src->data_len);
  dst->data_len = src->data_len;
  dst->pkt_len = src->pkt_len;
  // What the receiver may look at (VLAN stripped, RSS hash); the copy is a direct mbuf of its
  // own pool whatever the original was.
  constexpr uint64_t kNotCopied = RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
  dst->ol_flags = (dst->ol_flags & kNotCopied) | (src->ol_flags & ~kNotCopied);
  dst->vlan_tci = src->vlan_tci;
  dst->vlan_tci_outer = src->vlan_tci_outer;
  dst->hash = src->hash;
  dst->packet_type = src->packet_type;
  dst->port = src->port;
  return dst;
}

}  // namespace host_switch_detail

struct HostSwitch::Port {
  unsigned id = 0;
  hal::MacAddr mac;
  SyntheticChannel* ch = nullptr;
  bool host_mac = false;
  bool vf_released = false;
  /// Received frames for this port in the RX burst being handled (the originals: a broadcast
  /// is staged at every port and copied once per port).
  uint16_t nstaged = 0;
  std::array<rte_mbuf*, host_switch_detail::kBurst> staged{};
};

struct HostSwitch::Impl {
  pf::PfDriver* pf = nullptr;
  // Declared in this order so that they go in reverse: the queues (their mbufs back to the
  // pool), then the mapping, then the pool (dp::DmaMapping: unmap before the memory goes).
  MempoolPtr pool;
  dp::DmaMapping mapping;
  std::optional<pf::HostQueues> q;

  std::vector<std::unique_ptr<Port>> ports;  // attach order
  // The per-frame lookup: ports' MACs (mac_key) and the ports, in the same order.
  std::vector<uint64_t> keys;
  std::vector<Port*> by_key;
  std::vector<Port*> touched;  // ports with staged frames; capacity kept at ports.size()
  unsigned next_id = 0;
  unsigned tx_start = 0;  // the port whose channel is read first: rotates every poll

  // The backlog: switch mbufs the TX ring refused, oldest at bl_head. Capacity ring_size (a
  // power of two), never exceeded: a channel is read only into the space left.
  std::unique_ptr<rte_mbuf*[]> bl;
  uint32_t bl_mask = 0, bl_head = 0, bl_count = 0;

  // The TX ring as the switch filled it: tx_first[d] is 1 when descriptor d holds the first
  // segment of a packet, so the packets in flight can be counted from the descriptors. The
  // TxQueue uses one descriptor per segment from its tail, which starts at 0 (as tx_tail).
  std::unique_ptr<uint8_t[]> tx_first;
  uint16_t tx_tail = 0, tx_mask = 0;

  Port* find(unsigned id) const {
    for (const auto& p : ports)
      if (p->id == id) return p.get();
    return nullptr;
  }
  void rebuild_lookup() {
    keys.clear();
    by_key.clear();
    for (const auto& p : ports) {
      keys.push_back(host_switch_detail::mac_key(p->mac.bytes().data()));
      by_key.push_back(p.get());
    }
    touched.reserve(ports.size());
  }

  std::expected<void, std::string> set_host_mac(Port& p, bool on, HostSwitchCounters& c);
  unsigned poll_rx(HostSwitchCounters& c);
  void stage(Port& p, rte_mbuf* m);
  void deliver(Port& p, HostSwitchCounters& c);
  void poll_control(HostSwitchCounters& c);
  unsigned poll_tx(HostSwitchCounters& c);
  uint16_t send(rte_mbuf** pkts, uint16_t n, HostSwitchCounters& c);
  unsigned drain_backlog(HostSwitchCounters& c);
};

// ---- Setup and teardown.

std::expected<std::unique_ptr<HostSwitch>, std::string> HostSwitch::open(pf::PfDriver& pf,
                                                                         hal::PciFunction& pf_fn,
                                                                         const HostSwitchOptions& opts) {
  if (!dp::Eal::running()) return std::unexpected(std::string("host switch: no EAL is running"));
  const unsigned rs = opts.ring_size;
  if (rs < 8 || rs > 32768 || !std::has_single_bit(rs)) {
    return std::unexpected(fmt::format("host switch: ring size {}: want a power of two in 8..32768", rs));
  }
  const pf::QueueRange hq = pf.host_queues();
  if (hq.empty()) return std::unexpected(std::string("host switch: the PF is not initialized"));
  const unsigned pairs = opts.queue_pairs != 0 ? opts.queue_pairs : hq.count;
  if (pairs > hq.count) {
    return std::unexpected(
        fmt::format("host switch: {} queue pairs asked, the default pool has {}", pairs, hq.count));
  }
  // Every RX ring full, the TX ring full, a full backlog, and a burst each way being copied.
  const unsigned need = pairs * rs + 2 * rs + 2 * host_switch_detail::kBurst;
  const unsigned n = opts.pool_size != 0 ? opts.pool_size : std::bit_ceil(need + 1) - 1;

  auto sw = std::unique_ptr<HostSwitch>(new HostSwitch());
  sw->impl_ = std::make_unique<Impl>();
  Impl& m = *sw->impl_;
  m.pf = &pf;
  auto mp = make_pktmbuf_pool(n, 0, opts.data_room);
  if (!mp) return std::unexpected(fmt::format("host switch: the pool: {}", mp.error()));
  m.pool = std::move(*mp);
  // The device reads and writes the switch's buffers through the PF's DMA domain.
  auto map = dp::DmaMapping::map_mempool(pf_fn.dma(), *m.pool);
  if (!map) return std::unexpected(fmt::format("host switch: mapping the pool: {}", map.error()));
  m.mapping = std::move(*map);
  pf::HostQueueOptions ho;
  ho.ring_size = static_cast<uint16_t>(rs);
  ho.pairs = pairs;
  // Head write-back: a cleanup frees exactly what the device has taken, so in_rings() and the
  // ring's room (free_descriptors) are exact without reading TDH.
  ho.tx.head_writeback = true;
  auto q = pf::HostQueues::open(pf, pf_fn, m.pool.get(), ho);
  if (!q) return std::unexpected(fmt::format("host switch: the default pool's queues: {}", q.error()));
  m.q.emplace(std::move(*q));
  m.bl = std::make_unique<rte_mbuf*[]>(rs);
  m.bl_mask = rs - 1;
  m.tx_first = std::make_unique<uint8_t[]>(rs);
  m.tx_mask = static_cast<uint16_t>(rs - 1);
  return sw;
}

HostSwitch::~HostSwitch() {
  if (!impl_) return;
  Impl& m = *impl_;
  while (!m.ports.empty()) (void)detach(m.ports.front()->id);
  for (; m.bl_count != 0; --m.bl_count) {
    rte_pktmbuf_free(m.bl[m.bl_head]);
    m.bl_head = (m.bl_head + 1) & m.bl_mask;
    ++c_.backlog_freed;
  }
  impl_.reset();  // queues, mapping, pool (Impl's member order)
}

// ---- Ports.

std::expected<void, std::string> HostSwitch::Impl::set_host_mac(Port& p, bool on, HostSwitchCounters& c) {
  if (p.host_mac == on) return {};
  auto r = on ? pf->add_host_mac(p.mac) : pf->remove_host_mac(p.mac);
  if (!r) {
    ++c.pf_calls_failed;
    std::string msg = fmt::format("host switch: port {} ({}): {}: {}: {}", p.id, p.mac,
                                  on ? "add_host_mac" : "remove_host_mac", r.error().code, r.error().reason);
    fmt::print(stderr, "{}\n", msg);
    return std::unexpected(std::move(msg));
  }
  p.host_mac = on;
  return {};
}

std::expected<unsigned, std::string> HostSwitch::attach(hal::MacAddr mac, SyntheticChannel& ch,
                                                        bool deliver_to_host) {
  Impl& m = *impl_;
  if (!mac.is_valid_unicast()) {
    return std::unexpected(fmt::format("host switch: attach {}: not a unicast MAC", mac));
  }
  for (const auto& p : m.ports) {
    if (p->mac == mac) return std::unexpected(fmt::format("host switch: attach {}: port {} has that MAC", mac, p->id));
    if (p->ch == &ch) {
      return std::unexpected(fmt::format("host switch: attach {}: the channel is attached as port {}", mac, p->id));
    }
  }
  auto port = std::make_unique<Port>();
  port->id = m.next_id;
  port->mac = mac;
  port->ch = &ch;
  if (deliver_to_host) {
    if (auto r = m.set_host_mac(*port, true, c_); !r) return std::unexpected(r.error());
  }
  ++m.next_id;
  m.ports.push_back(std::move(port));
  m.rebuild_lookup();
  return m.ports.back()->id;
}

std::expected<void, std::string> HostSwitch::detach(unsigned id) {
  Impl& m = *impl_;
  auto it = std::find_if(m.ports.begin(), m.ports.end(), [id](const auto& p) { return p->id == id; });
  if (it == m.ports.end()) return std::unexpected(fmt::format("host switch: detach: no port {}", id));
  // A refusal is counted and logged; the port goes anyway (its guest is gone or paused, and
  // the PF keeps the MAC in its list, where host_macs() shows it).
  (void)m.set_host_mac(**it, false, c_);
  m.ports.erase(it);
  m.rebuild_lookup();
  m.tx_start = 0;
  return {};
}

std::expected<void, std::string> HostSwitch::revoke_vf(unsigned id) {
  Impl& m = *impl_;
  Port* p = m.find(id);
  if (p == nullptr) return std::unexpected(fmt::format("host switch: revoke_vf: no port {}", id));
  // Delivery moves first, so that nothing for the guest is lost between the VF going away and
  // the guest asking for the synthetic path.
  if (auto r = m.set_host_mac(*p, true, c_); !r) return r;
  p->vf_released = false;
  p->ch->host_post(HostMsg::kVfRevoke);
  return {};
}

bool HostSwitch::take_vf_released(unsigned id) {
  Port* p = impl_->find(id);
  if (p == nullptr) return false;
  return std::exchange(p->vf_released, false);
}

std::vector<HostPortInfo> HostSwitch::ports() const {
  std::vector<HostPortInfo> out;
  for (const auto& p : impl_->ports) out.push_back(HostPortInfo{p->id, p->mac, p->host_mac});
  return out;
}

// ---- The passes.

unsigned HostSwitch::poll() {
  Impl& m = *impl_;
  unsigned moved = m.poll_rx(c_);
  m.poll_control(c_);
  moved += m.poll_tx(c_);
  return moved;
}

unsigned HostSwitch::Impl::poll_rx(HostSwitchCounters& c) {
  unsigned total = 0;
  rte_mbuf* pkts[host_switch_detail::kBurst];
  for (unsigned qi = 0; qi < q->size(); ++qi) {
    const uint16_t n = q->rx(qi).rx_burst(pkts, host_switch_detail::kBurst);
    if (n == 0) continue;
    c.rx += n;
    total += n;
    const size_t nkeys = keys.size();
    for (uint16_t i = 0; i < n; ++i) {
      rte_mbuf* f = pkts[i];
      // The device delivers no frame shorter than an address (and a first buffer holds at
      // least 1 KiB): this only keeps a broken one from being read past its end.
      if (f->data_len < 6) {
        ++c.no_port;
        continue;
      }
      const auto* dst = rte_pktmbuf_mtod(f, const uint8_t*);
      if ((dst[0] & 0x01) != 0) {  // broadcast or multicast: a copy for every port
        if (nkeys == 0) {
          ++c.no_port;
          continue;
        }
        c.extra_copies += nkeys - 1;
        for (Port* p : by_key) stage(*p, f);
        continue;
      }
      const uint64_t k = host_switch_detail::mac_key(dst);
      size_t j = 0;
      while (j < nkeys && keys[j] != k) ++j;
      if (j == nkeys) {
        ++c.no_port;
        continue;
      }
      stage(*by_key[j], f);
    }
    for (Port* p : touched) deliver(*p, c);
    touched.clear();
    rte_pktmbuf_free_bulk(pkts, n);
  }
  return total;
}

void HostSwitch::Impl::stage(Port& p, rte_mbuf* f) {
  if (p.nstaged == 0) touched.push_back(&p);
  p.staged[p.nstaged++] = f;
}

void HostSwitch::Impl::deliver(Port& p, HostSwitchCounters& c) {
  rte_mempool* mp = p.ch->guest_pool();
  const unsigned n = p.nstaged;
  p.nstaged = 0;
  rte_mbuf* out[host_switch_detail::kBurst];
  const unsigned got = host_switch_detail::alloc_mbufs(mp, out, n);
  unsigned made = 0;
  for (unsigned i = 0; i < got; ++i) {
    // out[i] is read before out[made] (made <= i) is written.
    if (rte_mbuf* cp = host_switch_detail::copy_frame(p.staged[i], out[i], mp)) out[made++] = cp;
  }
  c.guest_no_mbuf += n - made;
  const uint16_t sent = p.ch->host_send(out, static_cast<uint16_t>(made));
  c.to_guest += sent;
  c.guest_ring_full += made - sent;
  if (sent < made) rte_pktmbuf_free_bulk(out + sent, made - sent);
}

void HostSwitch::Impl::poll_control(HostSwitchCounters& c) {
  for (const auto& p : ports) {
    while (const std::optional<GuestMsg> msg = p->ch->host_next_msg()) {
      switch (*msg) {
        // Refusals are counted and logged by set_host_mac; the guest's NIC learns nothing
        // more (as with a Hyper-V host that ignores a data path switch it cannot make).
        case GuestMsg::kDataPathSynthetic: (void)set_host_mac(*p, true, c); break;
        case GuestMsg::kDataPathVf: (void)set_host_mac(*p, false, c); break;
        case GuestMsg::kVfReleased: p->vf_released = true; break;
      }
    }
  }
}

uint16_t HostSwitch::Impl::send(rte_mbuf** pkts, uint16_t n, HostSwitchCounters& c) {
  const uint16_t taken = q->tx(0).tx_burst(pkts, n);
  c.tx_taken += taken;
  // Only this thread's cleanup frees sent mbufs, so the ones just taken are still readable.
  for (uint16_t i = 0; i < taken; ++i) {
    const uint16_t segs = pkts[i]->nb_segs;
    tx_first[tx_tail] = 1;
    for (uint16_t s = 1; s < segs; ++s) tx_first[(tx_tail + s) & tx_mask] = 0;
    tx_tail = static_cast<uint16_t>((tx_tail + segs) & tx_mask);
  }
  return taken;
}

unsigned HostSwitch::Impl::drain_backlog(HostSwitchCounters& c) {
  unsigned moved = 0;
  while (bl_count != 0) {
    // The contiguous run from the head (the ring wraps at most once).
    const auto chunk = static_cast<uint16_t>(std::min(bl_count, bl_mask + 1 - bl_head));
    const uint16_t taken = send(&bl[bl_head], chunk, c);
    bl_head = (bl_head + taken) & bl_mask;
    bl_count -= taken;
    moved += taken;
    if (taken < chunk) break;
  }
  return moved;
}

unsigned HostSwitch::Impl::poll_tx(HostSwitchCounters& c) {
  dp::TxQueue& tx = q->tx(0);
  tx.cleanup();  // head write-back: free_descriptors() is the ring's true room after this
  unsigned moved = drain_backlog(c);
  const size_t np = ports.size();
  const uint32_t bl_cap = bl_mask + 1;
  for (size_t j = 0; j < np; ++j) {
    Port& p = *ports[(tx_start + j) % np];
    // Frames left in the channel move with the guest; frames in the backlog stay here. So
    // read a channel only while nothing waits in the backlog (the ring's room is spoken for
    // then), no more than the ring has free descriptors, never more than the backlog holds.
    if (bl_count != 0) break;
    const unsigned budget = std::min({unsigned{host_switch_detail::kBurst}, unsigned{tx.free_descriptors()},
                                      bl_cap - bl_count});
    if (budget == 0) break;
    rte_mbuf* in[host_switch_detail::kBurst];
    const uint16_t k = p.ch->host_receive(in, static_cast<uint16_t>(budget));
    if (k == 0) continue;
    c.from_guests += k;
    moved += k;
    // The guest's buffers are not in the PF's DMA domain: copy into the switch's pool.
    rte_mbuf* out[host_switch_detail::kBurst];
    const unsigned got = host_switch_detail::alloc_mbufs(pool.get(), out, k);
    unsigned made = 0;
    for (unsigned i = 0; i < got; ++i) {
      if (rte_mbuf* cp = host_switch_detail::copy_frame(in[i], out[i], pool.get())) out[made++] = cp;
    }
    c.no_mbuf_tx += k - made;
    rte_pktmbuf_free_bulk(in, k);
    // What the ring refuses (chains that found too few descriptors) waits, in order.
    const uint16_t taken = send(out, static_cast<uint16_t>(made), c);
    for (unsigned i = taken; i < made; ++i) bl[(bl_head + bl_count++) & bl_mask] = out[i];
  }
  if (np != 0) tx_start = static_cast<unsigned>((tx_start + 1) % np);
  return moved;
}

// ---- Observation.

unsigned HostSwitch::backlog() const { return impl_->bl_count; }

bool HostSwitch::stale() const { return impl_->q->stale(); }

unsigned HostSwitch::in_rings() const {
  Impl& m = *impl_;
  // A reset PF forgot the rings: nothing in them moves again (destruction frees them).
  if (m.q->stale()) return 0;
  dp::TxQueue& tx = m.q->tx(0);
  tx.cleanup();
  const unsigned in_flight = tx.ring_size() - 1u - tx.free_descriptors();
  unsigned frames = 0;
  for (unsigned d = 1; d <= in_flight; ++d) frames += m.tx_first[(m.tx_tail - d) & m.tx_mask];
  for (unsigned i = 0; i < m.q->size(); ++i) frames += m.q->rx(i).filled();
  return frames;
}

std::string HostSwitch::check() const {
  std::string out;
  const HostSwitchCounters& c = c_;
  if (c.rx + c.extra_copies != c.to_guest + c.no_port + c.guest_ring_full + c.guest_no_mbuf) {
    out += fmt::format("rx {} + extra_copies {} != to_guest {} + no_port {} + guest_ring_full {} + guest_no_mbuf {}",
                       c.rx, c.extra_copies, c.to_guest, c.no_port, c.guest_ring_full, c.guest_no_mbuf);
  }
  const uint64_t bl = impl_ ? impl_->bl_count : 0;
  if (c.from_guests != c.tx_taken + c.no_mbuf_tx + bl + c.backlog_freed) {
    if (!out.empty()) out += "; ";
    out += fmt::format("from_guests {} != tx_taken {} + no_mbuf_tx {} + backlog {} + backlog_freed {}",
                       c.from_guests, c.tx_taken, c.no_mbuf_tx, bl, c.backlog_freed);
  }
  return out;
}

}  // namespace harness::failover
