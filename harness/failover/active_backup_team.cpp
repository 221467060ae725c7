#include "harness/failover/active_backup_team.hpp"

#include <rte_mbuf.h>

namespace harness::failover {

ActiveBackupTeam::ActiveBackupTeam(hal::MacAddr mac, const hal::Clock& clock, TeamOptions opts)
    : mac_(mac), clock_(clock), opts_(opts) {}

bool ActiveBackupTeam::member_up(const VfPort& p) {
  return p.drv && p.drv->state() == vf::State::kUp && p.drv->link_up() && p.tx != nullptr && p.rx != nullptr;
}

bool ActiveBackupTeam::eligible(const Member& m, hal::Nanos now) const {
  return m.up && now - m.up_since >= opts_.up_delay;
}

void ActiveBackupTeam::add_member(VfPort& port) {
  const hal::Nanos now = clock_.now();
  Member m;
  m.port = &port;
  m.up = member_up(port);
  // updelay is for links coming back: a member up all along has nothing to prove.
  m.up_since = m.up ? now - opts_.up_delay : now;
  members_.push_back(m);
  if (active_ < 0 && last_active_ < 0 && m.up) set_active(static_cast<int>(members_.size()) - 1, now);
}

void ActiveBackupTeam::remove_member(VfPort& port) {
  for (size_t i = 0; i < members_.size(); ++i) {
    if (members_[i].port != &port) continue;
    const int idx = static_cast<int>(i);
    members_.erase(members_.begin() + static_cast<std::ptrdiff_t>(i));
    // Indices above the removed one move down; the removed one is nobody's.
    auto shift = [idx](int& a, int gone) {
      if (a == idx) a = gone;
      else if (a > idx) --a;
    };
    shift(active_, -1);
    shift(last_active_, -1);
    down_pending_ = false;
    return;
  }
}

int ActiveBackupTeam::pick(hal::Nanos now) const {
  const int n = static_cast<int>(members_.size());
  // The first choice takes the first member up, delay or not: there is nothing to flap from.
  if (last_active_ < 0) {
    for (int i = 0; i < n; ++i) {
      if (members_[i].up) return i;
    }
    return -1;
  }
  for (int i = 0; i < n; ++i) {
    if (eligible(members_[i], now)) return i;
  }
  if (!opts_.take_delayed_when_none) return -1;
  // Linux (bonding.txt 13.1): with no member eligible, the one closest to the end of its
  // updelay, at once.
  int best = -1;
  for (int i = 0; i < n; ++i) {
    if (members_[i].up && (best < 0 || members_[i].up_since < members_[best].up_since)) best = i;
  }
  return best;
}

void ActiveBackupTeam::set_active(int idx, hal::Nanos now) {
  if (idx < 0) {
    if (active_ >= 0) ++c_.no_member;
    active_ = -1;
    return;
  }
  // A return to the member that failed (it was the only one) is no failover.
  if (last_active_ >= 0 && idx != last_active_) {
    ++c_.failovers;
    last_failover_ = now;
  }
  active_ = idx;
  last_active_ = idx;
  down_pending_ = false;
}

void ActiveBackupTeam::poll() {
  const hal::Nanos now = clock_.now();
  for (Member& m : members_) {
    const bool up = member_up(*m.port);
    if (up && !m.up) m.up_since = now;
    m.up = up;
  }
  // No failback: an active member that is up stays active, whoever else came back.
  if (active_ >= 0 && members_[active_].up) return;
  if (active_ >= 0 && !down_pending_) {
    down_pending_ = true;
    last_down_seen_ = now;
  }
  const int next = pick(now);
  if (next != active_) set_active(next, now);
}

uint16_t ActiveBackupTeam::tx_burst(rte_mbuf** pkts, uint16_t n) {
  uint16_t k = 0;
  if (active_ >= 0) {
    VfPort& p = *members_[active_].port;
    // The guest OS may be rebuilding the queues (after a VF reset) between two polls.
    if (p.tx != nullptr) k = p.tx->tx_burst(pkts, n);
  }
  c_.tx += k;
  c_.tx_held += n - k;
  return k;
}

void ActiveBackupTeam::drop_rx(VfPort& p) {
  rte_mbuf* buf[kBackupBurst];
  for (unsigned b = 0; b < kBackupDrainBursts; ++b) {
    const uint16_t k = p.rx->rx_burst(buf, kBackupBurst);
    if (k == 0) break;
    rte_pktmbuf_free_bulk(buf, k);
    c_.rx_backup_dropped += k;
    if (k < kBackupBurst) break;
  }
}

uint16_t ActiveBackupTeam::rx_burst(rte_mbuf** pkts, uint16_t n) {
  uint16_t k = 0;
  for (size_t i = 0; i < members_.size(); ++i) {
    VfPort& p = *members_[i].port;
    if (p.rx == nullptr) continue;
    if (static_cast<int>(i) == active_) {
      k = p.rx->rx_burst(pkts, n);
      c_.rx += k;
    } else {
      drop_rx(p);
    }
  }
  return k;
}

}  // namespace harness::failover
