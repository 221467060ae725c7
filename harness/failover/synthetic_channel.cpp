#include "harness/failover/synthetic_channel.hpp"

#include <fmt/format.h>

#include <atomic>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "datapath/eal.hpp"

namespace harness::failover {

const char* to_string(GuestMsg m) {
  switch (m) {
    case GuestMsg::kDataPathVf: return "datapath-vf";
    case GuestMsg::kDataPathSynthetic: return "datapath-synthetic";
    case GuestMsg::kVfReleased: return "vf-released";
  }
  return "?";
}

const char* to_string(HostMsg m) {
  switch (m) {
    case HostMsg::kVfRevoke: return "vf-revoke";
  }
  return "?";
}

std::expected<std::unique_ptr<SyntheticChannel>, std::string> SyntheticChannel::create(rte_mempool* guest_pool,
                                                                                       unsigned ring_size) {
  if (!dp::Eal::running()) return std::unexpected(std::string("synthetic channel: no EAL is running"));
  if (guest_pool == nullptr) return std::unexpected(std::string("synthetic channel: no guest pool"));
  if (ring_size < 64 || ring_size > 65536 || (ring_size & (ring_size - 1)) != 0) {
    return std::unexpected(fmt::format("synthetic channel: ring size {}: want a power of two in 64..65536", ring_size));
  }
  // rte_ring names are process-wide: a counter keeps every channel's apart.
  static std::atomic<unsigned> serial{0};
  const unsigned id = serial.fetch_add(1);
  auto ch = std::unique_ptr<SyntheticChannel>(new SyntheticChannel());
  ch->guest_pool_ = guest_pool;
  // RING_F_EXACT_SZ: the ring holds ring_size entries, not ring_size - 1.
  const unsigned flags = RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ;
  ch->to_host_ = rte_ring_create(fmt::format("synh{}", id).c_str(), ring_size, SOCKET_ID_ANY, flags);
  if (ch->to_host_ == nullptr) {
    return std::unexpected(fmt::format("synthetic channel: rte_ring_create: {}", rte_strerror(rte_errno)));
  }
  ch->to_guest_ = rte_ring_create(fmt::format("syng{}", id).c_str(), ring_size, SOCKET_ID_ANY, flags);
  if (ch->to_guest_ == nullptr) {
    return std::unexpected(fmt::format("synthetic channel: rte_ring_create: {}", rte_strerror(rte_errno)));
  }
  return ch;
}

SyntheticChannel::~SyntheticChannel() {
  for (rte_ring* r : {to_host_, to_guest_}) {
    if (r == nullptr) continue;
    void* m = nullptr;
    while (rte_ring_sc_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    rte_ring_free(r);
  }
}

uint16_t SyntheticChannel::guest_send(rte_mbuf** pkts, uint16_t n) {
  const unsigned k = rte_ring_sp_enqueue_burst(to_host_, reinterpret_cast<void* const*>(pkts), n, nullptr);
  c_.to_host += k;
  c_.to_host_full += n - k;
  return static_cast<uint16_t>(k);
}

uint16_t SyntheticChannel::guest_receive(rte_mbuf** pkts, uint16_t n) {
  const unsigned k = rte_ring_sc_dequeue_burst(to_guest_, reinterpret_cast<void**>(pkts), n, nullptr);
  c_.from_host += k;
  return static_cast<uint16_t>(k);
}

void SyntheticChannel::guest_post(GuestMsg m) { guest_msgs_.push_back(m); }

std::optional<HostMsg> SyntheticChannel::guest_next_msg() {
  if (host_msgs_.empty()) return std::nullopt;
  const HostMsg m = host_msgs_.front();
  host_msgs_.pop_front();
  return m;
}

uint16_t SyntheticChannel::host_receive(rte_mbuf** pkts, uint16_t n) {
  const unsigned k = rte_ring_sc_dequeue_burst(to_host_, reinterpret_cast<void**>(pkts), n, nullptr);
  c_.from_guest += k;
  return static_cast<uint16_t>(k);
}

uint16_t SyntheticChannel::host_send(rte_mbuf** pkts, uint16_t n) {
  const unsigned k = rte_ring_sp_enqueue_burst(to_guest_, reinterpret_cast<void* const*>(pkts), n, nullptr);
  c_.to_guest += k;
  c_.to_guest_full += n - k;
  return static_cast<uint16_t>(k);
}

void SyntheticChannel::host_post(HostMsg m) { host_msgs_.push_back(m); }

std::optional<GuestMsg> SyntheticChannel::host_next_msg() {
  if (guest_msgs_.empty()) return std::nullopt;
  const GuestMsg m = guest_msgs_.front();
  guest_msgs_.pop_front();
  return m;
}

unsigned SyntheticChannel::to_host_queued() const { return rte_ring_count(to_host_); }
unsigned SyntheticChannel::to_guest_queued() const { return rte_ring_count(to_guest_); }

}  // namespace harness::failover
