#pragma once
// How many of a VF's RX queues RSS may pick: VFPSRTYPE.RQPL, the VF's view of its pool's
// PSRTYPE. The PF programs MRQC, the key and the shared RETA; without RQPL the pool's RSS stays
// on its first queue (82599 datasheet, PSRTYPE; DPDK's and Linux's VF drivers write it when
// they set up more than one RX queue).

#include <expected>

#include "datapath/queue_setup.hpp"
#include "hal/pci_function.hpp"

namespace dp {

/// Writes VFPSRTYPE.RQPL = log2(`queues`) on VF function `fn` (1, 2 or 4 RX queues; the other
/// PSRTYPE bits, header-split types, stay 0: no split). A VF reset clears it: call again when
/// the queues are set up again. Errors: kInvalidArgument for another count.
std::expected<void, QueueError> set_vf_rss_queues(hal::PciFunction& fn, unsigned queues);

}  // namespace dp
