#include "hal/vfio/preflight_report.hpp"

#include <fmt/format.h>

#include "hal/ixgbe/ids.hpp"
#include "hal/vfio/preflight_sriov.hpp"

namespace hal::vfio {

namespace {

// One line about the function for a person: "8086:10ed (82599 VF) of 0000:03:00.0 (ixgbe)".
std::string describe_function(const FunctionInfo& f) {
  std::string s = fmt::format("{:04x}:{:04x} ({})", f.vendor, f.device,
                              f.device == ixgbe::kDevice82599Vf ? "82599 VF" : "82599 PF");
  if (f.is_vf) s += fmt::format(" of {} ({})", f.physfn.value_or("?"), f.pf_driver.value_or("no driver"));
  return s;
}

std::vector<std::string> evidence_of(const FunctionInfo& f, std::optional<bool> enable_sriov) {
  const std::string dir = "/sys/bus/pci/devices/" + f.bdf;
  std::vector<std::string> e;
  e.push_back(fmt::format("{}/vendor, device: {:04x}:{:04x}", dir, f.vendor, f.device));
  e.push_back(fmt::format("{}/driver: {}", dir, f.driver.value_or("missing")));
  e.push_back(fmt::format("{}/iommu_group: {}{}", dir,
                          f.iommu_group ? std::to_string(*f.iommu_group) : std::string("missing"),
                          f.noiommu ? " (vfio no-IOMMU group)" : ""));
  if (f.is_vf) {
    e.push_back(fmt::format("{}/physfn: {} (driver {})", dir, f.physfn.value_or("?"),
                            f.pf_driver.value_or("none")));
    if (f.pf_driver == "vfio-pci") {
      e.push_back(fmt::format("its PF is on vfio-pci: opening it needs the PF's VF token "
                              "(--vf-token UUID from the process that owns {})",
                              f.physfn.value_or("the PF")));
    }
  } else {
    e.push_back(fmt::format("{}/sriov_totalvfs, sriov_numvfs: {}, {}", dir,
                            f.total_vfs ? std::to_string(*f.total_vfs) : std::string("missing"),
                            f.num_vfs ? std::to_string(*f.num_vfs) : std::string("missing")));
    if (f.driver == "vfio-pci") {
      e.push_back(fmt::format("/sys/module/vfio_pci/parameters/enable_sriov: {}",
                              enable_sriov ? (*enable_sriov ? "Y" : "N") : "missing"));
    }
  }
  return e;
}

}  // namespace

doctor::Check DeviceReadiness::check() const {
  doctor::Check c;
  c.name = "device";
  c.subject = address;
  if (info) c.evidence = evidence_of(*info, enable_sriov);
  if (error) {
    c.status = doctor::Status::kFail;
    c.finding = fmt::format("{}: {}", to_string(error->failure), error->what);
    c.fix = error->fix;
  } else if (sriov) {
    c.status = doctor::Status::kWarn;
    c.finding = fmt::format("ready for VFIO, but no VFs can be enabled on it: {}: {}",
                            to_string(sriov->failure), sriov->what);
    c.fix = sriov->fix;
  } else {
    c.status = doctor::Status::kPass;
    c.finding = fmt::format("ready for VFIO: {}, bound to vfio-pci, IOMMU group {} ({})",
                            describe_function(*info), info->iommu_group.value_or(0), info->group_node());
  }
  return c;
}

nlohmann::ordered_json DeviceReadiness::json() const {
  using Json = nlohmann::ordered_json;
  const std::string node = info ? info->group_node() : std::string();
  return {
      {"address", address},
      {"ready", ready()},
      {"failure", error ? Json(std::string(to_string(error->failure))) : Json(nullptr)},
      {"what", error ? Json(error->what) : Json(nullptr)},
      {"fix", error ? Json(error->fix) : Json(nullptr)},
      {"group_node", node.empty() ? Json(nullptr) : Json(node)},
      {"enable_sriov", enable_sriov ? Json(*enable_sriov) : Json(nullptr)},
      {"vfs_possible", info && !info->is_vf && !error ? Json(!sriov.has_value()) : Json(nullptr)},
      {"vf_token_required", info && info->is_vf && info->pf_driver == "vfio-pci"},
  };
}

DeviceReadiness assess_device(const doctor::Fs& fs, std::string_view bdf) {
  DeviceReadiness r;
  r.address = std::string(bdf);
  auto found = discover(fs, bdf);
  if (!found) {
    r.error = std::move(found.error());
    return r;
  }
  r.info = std::move(*found);
  r.enable_sriov = vfio_pci_enable_sriov(fs);
  if (auto ok = preflight(fs, *r.info); !ok) {
    r.error = std::move(ok.error());
  } else if (!r.info->is_vf) {
    if (auto vfs = check_vfs_possible(fs, *r.info, 1); !vfs) r.sriov = std::move(vfs.error());
  }
  return r;
}

}  // namespace hal::vfio
