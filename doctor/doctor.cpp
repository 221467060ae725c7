#include "doctor/doctor.hpp"

#include "doctor/checks.hpp"

namespace doctor {

namespace {

constexpr HostCheck kHostChecks[] = {
    {"iommu", check_iommu},
    {"kernel_cmdline", check_kernel_cmdline},
    {"interrupt_remapping", check_interrupt_remapping},
    {"vfio", check_vfio},
    {"hugepages", check_hugepages},
    {"sriov_devices", check_sriov_devices},
};

// Order follows the path from "can it make VFs" to "where do their users run".
constexpr DeviceCheck kDeviceChecks[] = {
    {"sriov_capability", check_sriov_capability},
    {"ari", check_ari},
    {"acs", check_acs},
    {"drivers", check_drivers},
    {"vf_isolation", check_vf_isolation},
    {"numa", check_numa},
};

}  // namespace

std::span<const HostCheck> host_checks() { return kHostChecks; }
std::span<const DeviceCheck> device_checks() { return kDeviceChecks; }

Report run_checks(const Fs& fs) {
  const Host host = Host::scan(fs);
  Report r;
  r.root = fs.root().string();
  for (const auto& c : host_checks()) {
    r.checks.push_back(c.run(host, Probe(fs, std::string(c.name))));
  }
  for (const PciDevice* pf : host.physical_functions()) {
    for (const auto& c : device_checks()) {
      if (auto result = c.run(host, *pf, Probe(fs, std::string(c.name), pf->bdf.str()))) {
        r.checks.push_back(std::move(*result));
      }
    }
  }
  return r;
}

}  // namespace doctor
