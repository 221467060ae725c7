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

  bool ready() const { return !error.has_value(); }
  /// Check "device" with subject `address`: PASS "ready for VFIO: ..." or FAIL
  /// "failure_name: what" with its fix; what discover() found as evidence.
  doctor::Check check() const;
  /// {"address", "ready", "failure" (to_string(OpenFailure) or null), "what" (null when ready),
  /// "fix" (null when ready), "group_node" (null without a group)}.
  nlohmann::ordered_json json() const;
};

/// discover() then preflight() as the calling process. Reads only.
DeviceReadiness assess_device(const doctor::Fs& fs, std::string_view bdf);

}  // namespace hal::vfio
