#pragma once
// SR-IOV checks a tool makes before it starts DPDK's EAL and brings a PF up, so that a PF-mode
// or VF-mode run that cannot succeed fails in the first second, with the fix, instead of
// after the bring-up. Reads sysfs only; open_function() and write_sriov_numvfs() apply the
// same rules when they act.

#include <expected>
#include <optional>

#include "doctor/fs.hpp"
#include "hal/vfio/discovery.hpp"
#include "hal/vfio/open_error.hpp"
#include "hal/vfio/preflight_access.hpp"

namespace hal::vfio {

/// vfio-pci's enable_sriov parameter (/sys/module/vfio_pci/parameters/enable_sriov): true
/// ("Y"/"1"), false, or nullopt when vfio-pci is not loaded or the kernel has no such
/// parameter (before Linux 5.7).
std::optional<bool> vfio_pci_enable_sriov(const doctor::Fs& fs);

/// Whether `n` VFs could be enabled on `pf` through sysfs, without writing anything: a PF
/// (kSriovNotEnabled for a VF, or a PF without sriov_totalvfs), n <= sriov_totalvfs
/// (kSriovNotEnabled), vfio-pci's enable_sriov on when the PF is on vfio-pci
/// (kSriovNotEnabled, with the commands that turn it on). The checks write_sriov_numvfs()
/// makes before it writes.
std::expected<void, OpenError> check_vfs_possible(const doctor::Fs& fs, const FunctionInfo& pf,
                                                  unsigned n);

/// check_vfs_possible(), then that `cred` may write the PF's sriov_numvfs (kNoPermission: sysfs
/// attributes are root's). PF mode calls this before DPDK's EAL starts.
std::expected<void, OpenError> preflight_enable_vfs(const doctor::Fs& fs, const FunctionInfo& pf,
                                                    unsigned n, const Credentials& cred);

/// VF mode: a VF whose PF is bound to vfio-pci opens only with the PF's VF token
/// (kVfTokenRequired naming the PF when `have_token` is false). Any other function passes: a
/// VF of a kernel PF driver takes no token, and a wrong token is found only by the kernel.
std::expected<void, OpenError> preflight_vf_token(const FunctionInfo& vf, bool have_token);

}  // namespace hal::vfio
