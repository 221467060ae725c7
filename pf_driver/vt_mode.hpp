#pragma once
// Virtualization (VMDq + SR-IOV) pool layout of the 82599 and the global registers that select
// it (datasheet 4.6.10.1 "VMDq/SR-IOV initialization"; spec 6).

#include "hal/register_io.hpp"

namespace pf {

/// How the 128 queues are split into pools. pools == 0 means VT is off.
struct VtLayout {
  unsigned pools = 0;
  unsigned queues_per_pool = 0;
  bool enabled() const { return pools != 0; }
  /// Absolute queue of a pool's q-th queue (spec 6: VF n owns n*Q .. n*Q+Q-1).
  unsigned queue(unsigned pool, unsigned q) const { return pool * queues_per_pool + q; }
};

/// Linux's choice without DCB (spec 6): 64 pools x 2 queues when the VFs plus the PF's pool
/// need more than 32 pools, else 32 pools x 4 queues. num_vfs == 0 gives VT off.
VtLayout choose_vt_layout(unsigned num_vfs);

/// Programs VT mode for `num_vfs` VFs with the PF in pool `num_vfs`: GCR_EXT and GPIE VT mode
/// (which must agree), MTQC under RTTDCS.ARBDIS, MRQC (VMDq + RSS), VT_CTL (enable,
/// replication, default pool), VFRE/VFTE for the PF's pools, VEB loopback, VLAN filtering and
/// the mailbox interrupt enables. VF pools stay disabled until each VF resets.
void program_vt(hal::RegisterIo& bar0, VtLayout layout, unsigned num_vfs);

/// Turns VT mode off again: the registers program_vt() set go back to non-VT values.
void clear_vt(hal::RegisterIo& bar0);

}  // namespace pf
