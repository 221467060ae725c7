#pragma once
// The errno a PF driver refusal goes back as, the way Linux ixgbe answers rtnetlink where it
// has an equivalent (docs/daemon.md, "Errors", has the table and the reasons).

#include "pf_driver/errors.hpp"

namespace simd {

/// A positive errno for `code`:
///   kInvalidArgument, kNoSuchVf  EINVAL     (ixgbe: bad value, vf >= num_vfs)
///   kLinkDown                    EINVAL     (ixgbe_ndo_set_vf_bw: link down or not 10 Gb/s)
///   kBusy                        EBUSY      (sysfs sriov_numvfs; a MAC another function uses)
///   kNoSpace                     ENOSPC     (VLVF or RAR table full; deliberate: Linux
///                                            ixgbe hands its own IXGBE_ERR_NO_SPACE code
///                                            up to rtnetlink, which on older kernels is no
///                                            meaningful errno, so there is nothing to copy)
///   kNotSupported                EOPNOTSUPP
///   kTimeout                     ETIMEDOUT
///   kNoDevice                    ENODEV
///   kNotInitialized              ENETDOWN   (the PF is not up)
int to_errno(pf::ErrorCode code);

}  // namespace simd
