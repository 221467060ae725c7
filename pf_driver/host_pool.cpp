#include "pf_driver/host_pool.hpp"

#include <utility>

namespace pf {

HostPoolLease::HostPoolLease(HostPoolState& state, unsigned pool, QueueRange queues)
    : state_(&state), epoch_(state.epoch), pool_(pool), queues_(queues) {
  ++state.leases;
}

HostPoolLease::HostPoolLease(HostPoolLease&& o) noexcept
    : state_(std::exchange(o.state_, nullptr)), epoch_(o.epoch_), pool_(o.pool_), queues_(o.queues_) {}

HostPoolLease::~HostPoolLease() {
  if (state_ != nullptr) --state_->leases;
}

}  // namespace pf
