#include "hal/vfio/open_error.hpp"

namespace hal::vfio {

std::string_view to_string(OpenFailure f) {
  switch (f) {
    case OpenFailure::kBadAddress: return "bad_address";
    case OpenFailure::kNoSuchFunction: return "no_such_function";
    case OpenFailure::kNotSupported: return "not_supported";
    case OpenFailure::kNoIommu: return "no_iommu";
    case OpenFailure::kNoVfio: return "no_vfio";
    case OpenFailure::kWrongDriver: return "wrong_driver";
    case OpenFailure::kGroupNotViable: return "group_not_viable";
    case OpenFailure::kNoPermission: return "no_permission";
    case OpenFailure::kNoHugepages: return "no_hugepages";
    case OpenFailure::kSriovNotEnabled: return "sriov_not_enabled";
    case OpenFailure::kVfTokenRequired: return "vf_token_required";
    case OpenFailure::kDeviceGone: return "device_gone";
    case OpenFailure::kSystem: return "system";
  }
  return "unknown";
}

std::string OpenError::message() const {
  std::string m = what;
  if (!fix.empty()) {
    m += ". Fix: ";
    m += fix;
  }
  return m;
}

}  // namespace hal::vfio
