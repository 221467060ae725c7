#pragma once
// sriov-doctor's "device" section: discover() and preflight() for one function, turned into a
// check of the doctor's report (so text, JSON and exit status follow the report's rules) and
// into a JSON object of its own.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "doctor/check.hpp"
#include "doctor/fs.hpp"
#include "hal/vfio/discovery.hpp"
#include "hal/vfio/open_error.hpp"

namespace hal::vfio {

/// Whether one function can be opened through VFIO, and why not.
struct DeviceReadiness {
  std::string address;              ///< as given
  std::optional<FunctionInfo> info; ///< what discover() found (nullopt when it failed)
  std::optional<OpenError> error;   ///< the first failure; nullopt: ready for VFIO
  /// A ready PF on which VFs cannot be enabled now (check_vfs_possible with one VF: vfio-pci's
  /// enable_sriov off, no SR-IOV): the check becomes a WARN naming it.
  std::optional<OpenError> sriov;
  /// vfio-pci's enable_sriov as read (vfio_pci_enable_sriov()).
  std::optional<bool> enable_sriov;

  bool ready() const { return !error.has_value(); }
  /// Check "device" with subject `address`: PASS "ready for VFIO: ...", WARN when `sriov` is set
  /// (ready, but no VFs), or FAIL "failure_name: what" with its fix; what discover() found as
  /// evidence, with enable_sriov for a PF on vfio-pci and the token rule for a VF of one.
  doctor::Check check() const;
  /// {"address", "ready", "failure" (to_string(OpenFailure) or null), "what" (null when ready),
  /// "fix" (null when ready), "group_node" (null without a group), "enable_sriov" (bool, null
  /// when not read), "vfs_possible" (null for a VF or a function not ready, else bool),
  /// "vf_token_required" (bool: a VF of a vfio-pci PF)}.
  nlohmann::ordered_json json() const;
};

/// discover() then preflight() as the calling process. Reads only.
DeviceReadiness assess_device(const doctor::Fs& fs, std::string_view bdf);

}  // namespace hal::vfio
