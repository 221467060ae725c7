#pragma once
// The hugepage check for tools that back their DMA memory with hugepages (DPDK's EAL).
// Not part of preflight(): opening a function needs none.

#include <expected>

#include "doctor/fs.hpp"
#include "hal/vfio/open_error.hpp"

namespace hal::vfio {

/// kNoHugepages, with sriov-doctor's hugepages finding and fix, unless some hugepages are
/// reserved and free under /sys/kernel/mm/hugepages.
std::expected<void, OpenError> hugepages_check(const doctor::Fs& fs);

}  // namespace hal::vfio
