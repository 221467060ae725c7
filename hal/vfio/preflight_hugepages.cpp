#include "hal/vfio/preflight_hugepages.hpp"

#include "doctor/checks.hpp"
#include "doctor/host.hpp"
#include "doctor/probe.hpp"

namespace hal::vfio {

std::expected<void, OpenError> hugepages_check(const doctor::Fs& fs) {
  const doctor::Host h = doctor::Host::scan(fs);
  doctor::Check c = doctor::check_hugepages(h, doctor::Probe(fs, "hugepages"));
  // The doctor only warns (a kernel VF driver needs no hugepages); a tool that asked for them
  // cannot start without free ones.
  if (c.status == doctor::Status::kPass) return {};
  return std::unexpected(
      OpenError{OpenFailure::kNoHugepages, std::move(c.finding), std::move(c.fix)});
}

}  // namespace hal::vfio
