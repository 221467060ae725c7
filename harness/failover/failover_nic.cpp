#include "harness/failover/failover_nic.hpp"

#include "hal/register_io.hpp"

namespace harness::failover {

const char* to_string(Path p) {
  switch (p) {
    case Path::kNone: return "none";
    case Path::kVf: return "vf";
    case Path::kSynthetic: return "synthetic";
  }
  return "?";
}

FailoverNic::FailoverNic(hal::MacAddr mac, const hal::Clock& clock) : mac_(mac), clock_(clock) {}

void FailoverNic::set_synthetic(SyntheticChannel* ch) {
  const bool new_channel = ch != nullptr && ch != ch_;
  ch_ = ch;
  // The old host learnt the path from the old channel; the new one has heard nothing yet.
  if (new_channel && path_ == Path::kSynthetic) ch_->guest_post(GuestMsg::kDataPathSynthetic);
}

void FailoverNic::attach_vf(VfPort& port) {
  vf_ = &port;
  releasing_ = false;
  rx_drained_ = false;
  set_path(choose_path());
}

void FailoverNic::detach_vf() {
  vf_ = nullptr;
  releasing_ = false;
  rx_drained_ = false;
  set_path(choose_path());
}

bool FailoverNic::vf_usable() const {
  if (vf_ == nullptr || releasing_) return false;
  if (vf_->tx == nullptr || vf_->rx == nullptr || !vf_->drv) return false;
  const vf::VfDriver& d = *vf_->drv;
  // net_failover follows the VF's carrier: the driver up (queues programmed) and the link up.
  return d.state() == vf::State::kUp && d.link_up() && d.mac() == mac_;
}

Path FailoverNic::choose_path() const {
  if (vf_usable()) return Path::kVf;
  if (ch_ != nullptr) return Path::kSynthetic;
  return Path::kNone;
}

void FailoverNic::set_path(Path p) {
  if (p == path_) return;
  const hal::Nanos now = clock_.now();
  if (path_ == Path::kSynthetic) c_.time_on_synthetic_ns += static_cast<uint64_t>((now - synthetic_since_).count());
  if (p == Path::kSynthetic) synthetic_since_ = now;
  path_ = p;
  last_switch_ = now;
  if (p == Path::kVf) {
    ++c_.to_vf;
    if (ch_ != nullptr) ch_->guest_post(GuestMsg::kDataPathVf);
  } else if (p == Path::kSynthetic) {
    ++c_.to_synthetic;
    if (ch_ != nullptr) ch_->guest_post(GuestMsg::kDataPathSynthetic);
  }
  // kNone: there is no channel to tell (it is chosen only without one).
}

void FailoverNic::poll() {
  while (ch_ != nullptr) {
    const std::optional<HostMsg> m = ch_->guest_next_msg();
    if (!m) break;
    switch (*m) {
      case HostMsg::kVfRevoke:
        ++c_.revokes;
        // Without a VF there is nothing to let go of; the guest OS answers the host itself.
        if (vf_ != nullptr && !releasing_) {
          releasing_ = true;
          rx_drained_ = false;
        }
        break;
    }
  }
  set_path(choose_path());
}

uint16_t FailoverNic::tx_burst(rte_mbuf** pkts, uint16_t n) {
  uint16_t k = 0;
  switch (path_) {
    case Path::kVf:
      // The guest OS may be rebuilding the queues (after a VF reset) between two polls.
      if (vf_ != nullptr && vf_->tx != nullptr) {
        k = vf_->tx->tx_burst(pkts, n);
        c_.tx_vf += k;
      }
      break;
    case Path::kSynthetic:
      // The channel may have gone with the old host (set_synthetic(nullptr)) since the last poll.
      if (ch_ != nullptr) {
        k = ch_->guest_send(pkts, n);
        c_.tx_synthetic += k;
      }
      break;
    case Path::kNone:
      break;
  }
  c_.tx_held += n - k;
  return k;
}

uint16_t FailoverNic::rx_burst(rte_mbuf** pkts, uint16_t n) {
  uint16_t k = 0;
  // The VF's ring first, also during a release: what the device delivered there before the
  // host moved the MAC is this NIC's and must not be lost.
  if (vf_ != nullptr && vf_->rx != nullptr) {
    k = vf_->rx->rx_burst(pkts, n);
    c_.rx_vf += k;
    if (releasing_ && k < n) rx_drained_ = true;
  }
  if (k < n && ch_ != nullptr) {
    const uint16_t s = ch_->guest_receive(pkts + k, static_cast<uint16_t>(n - k));
    c_.rx_synthetic += s;
    k = static_cast<uint16_t>(k + s);
  }
  return k;
}

bool FailoverNic::vf_tx_done() {
  dp::TxQueue* tx = vf_->tx;
  if (tx == nullptr) return true;
  tx->cleanup();
  // Everything freed: with head write-back, or the last packet carried RS.
  if (tx->free_descriptors() == tx->ring_size() - 1) return true;
  // A stopped queue (or a gone device) sends nothing more.
  if (!tx->enabled()) return true;
  // What is left may sit after the last RS descriptor, which never gets a DD: the device's
  // head tells whether it has taken it (it moves TDH past a packet once sent).
  hal::RegisterIo& bar = vf_->fn->bar0();
  const uint32_t head = bar.read(tx->regs().tdh);
  const uint32_t tail = bar.read(tx->regs().tdt);
  if (head == hal::kDeviceGone || tail == hal::kDeviceGone) return true;
  return head == tail;
}

bool FailoverNic::vf_quiesced() {
  if (vf_ == nullptr || !releasing_ || !rx_drained_) return false;
  return vf_tx_done();
}

FailoverCounters FailoverNic::counters() const {
  FailoverCounters c = c_;
  if (path_ == Path::kSynthetic) c.time_on_synthetic_ns += static_cast<uint64_t>((clock_.now() - synthetic_since_).count());
  return c;
}

}  // namespace harness::failover
