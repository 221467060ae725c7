#pragma once
// The PF's default pool as the host's own data path sees it: which absolute queues carry host
// traffic, and a lease that keeps the pool where it is while queues run on it. DPDK-free: the
// queues themselves (rings, mbufs) are pf::HostQueues in sriovkit_pf_datapath.
//
// Why a lease: in VT mode the PF's pool comes right after the VF pools (spec 6), so enabling or
// disabling VFs moves it, and its old queues become VF queues. A host queue left running there
// would ring a VF's doorbells with the PF's ring addresses. Linux avoids this by rebuilding its
// own rings inside the driver; our rings belong to a DPDK user outside pf_driver, so the driver
// refuses to move the pool (set_num_vfs() -> kBusy) while a lease is held instead.

#include <cstdint>

namespace pf {

class PfDriver;

/// A run of absolute queue numbers: first, first + 1, ..., first + count - 1.
struct QueueRange {
  unsigned first = 0;
  unsigned count = 0;

  bool empty() const { return count == 0; }
  bool contains(unsigned q) const { return q >= first && q - first < count; }
  /// The i-th queue of the run (i < count).
  unsigned operator[](unsigned i) const { return first + i; }
  bool operator==(const QueueRange&) const = default;
};

/// What PfDriver keeps for its leases. Internal to PfDriver and HostPoolLease.
struct HostPoolState {
  unsigned leases = 0;  ///< leases alive: set_num_vfs() may not move the pool
  uint64_t epoch = 0;   ///< bumped by init(), reset() and set_num_vfs(): queues lose their state
};

/// Permission to run queues on the PF's default pool (PfDriver::lease_host_pool()). Move-only.
/// While any lease lives, PfDriver::set_num_vfs() refuses to change the VF count (kBusy). A PF
/// reset is still allowed, since it keeps the layout: it wipes the queues' registers (CTRL.RST),
/// which stale() then reports; the queues must be destroyed and created again.
///
/// The PfDriver must outlive its leases. Thread safety: as PfDriver's (one owner, or its lock);
/// stale() only reads a counter but is not synchronised with the driver's thread.
class HostPoolLease {
 public:
  HostPoolLease(HostPoolLease&& o) noexcept;
  HostPoolLease& operator=(HostPoolLease&&) = delete;
  HostPoolLease(const HostPoolLease&) = delete;
  HostPoolLease& operator=(const HostPoolLease&) = delete;
  ~HostPoolLease();

  /// The default pool when the lease was taken (VT_CTL.DEF_PL).
  unsigned pool() const { return pool_; }
  /// The absolute queues of that pool the host may drive.
  QueueRange queues() const { return queues_; }
  /// True once the PF was reset (or re-initialised) after the lease was taken: the device has
  /// forgotten every queue set up under it.
  bool stale() const { return state_ != nullptr && state_->epoch != epoch_; }

 private:
  friend class PfDriver;
  HostPoolLease(HostPoolState& state, unsigned pool, QueueRange queues);

  HostPoolState* state_ = nullptr;  // null once moved from
  uint64_t epoch_ = 0;
  unsigned pool_ = 0;
  QueueRange queues_;
};

}  // namespace pf
