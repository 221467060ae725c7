// discover(): what /sys/bus/pci/devices/BDF says about one function, read through doctor::Fs.
// The shared parts (links, SR-IOV attributes, virtfnN) come from sriov-doctor's
// load_pci_device, so the doctor and the backend read a function the same way.

#include <fmt/format.h>

#include <charconv>

#include "doctor/bdf.hpp"
#include "doctor/pci_device.hpp"
#include "hal/ixgbe/ids.hpp"
#include "hal/vfio/discovery.hpp"

namespace hal::vfio {

namespace {

// "0x8086" (how sysfs prints an id) as a number.
std::optional<uint16_t> parse_id(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  std::string_view s = *text;
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
  uint16_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::string ids_text(std::optional<uint16_t> vendor, std::optional<uint16_t> device) {
  const auto one = [](std::optional<uint16_t> v) {
    return v ? fmt::format("{:04x}", *v) : std::string("????");
  };
  return one(vendor) + ":" + one(device);
}

bool is_82599(uint16_t vendor, uint16_t device) {
  return vendor == ixgbe::kVendorIntel &&
         (device == ixgbe::kDevice82599Sfp || device == ixgbe::kDevice82599Vf);
}

// vfio's no-IOMMU mode makes a group of its own for each device it takes, names it
// "vfio-noiommu" and calls its node noiommu-N (drivers/vfio/group.c).
bool is_noiommu_group(const doctor::Fs& fs, unsigned group) {
  const std::string n = std::to_string(group);
  return fs.read_line("/sys/kernel/iommu_groups/" + n + "/name") == "vfio-noiommu" ||
         fs.exists("/dev/vfio/noiommu-" + n);
}

}  // namespace

std::string FunctionInfo::group_node() const {
  if (!iommu_group) return {};
  return fmt::format("/dev/vfio/{}{}", noiommu ? "noiommu-" : "", *iommu_group);
}

std::expected<FunctionInfo, OpenError> discover(const doctor::Fs& fs, std::string_view bdf) {
  const auto addr = doctor::Bdf::parse(bdf);
  if (!addr) {
    return std::unexpected(OpenError{
        OpenFailure::kBadAddress,
        fmt::format("'{}' is not a PCI address (DDDD:BB:DD.F, hex, device 00-1f, function 0-7)",
                    bdf),
        "give the address as `lspci -D` prints it, e.g. 0000:03:00.0; `lspci -D -d 8086:10fb` "
        "lists 82599 PFs and `lspci -D -d 8086:10ed` their VFs"});
  }
  const std::string name = addr->str();
  const std::string dir = "/sys/bus/pci/devices/" + name;
  if (!fs.is_dir(dir)) {
    return std::unexpected(OpenError{
        OpenFailure::kNoSuchFunction, fmt::format("{} does not exist ({} is missing)", name, dir),
        "check the address with `lspci -D -d 8086:`; a VF exists only after its PF's "
        "sriov_numvfs was written (echo N > /sys/bus/pci/devices/PF/sriov_numvfs)"});
  }
  const auto d = doctor::load_pci_device(fs, name);
  if (!d) {
    return std::unexpected(OpenError{OpenFailure::kSystem,
                                     fmt::format("cannot read {}", dir), "run as root"});
  }
  const auto vendor = parse_id(d->vendor);
  const auto device = parse_id(d->device);
  if (!vendor || !device || !is_82599(*vendor, *device)) {
    return std::unexpected(OpenError{
        OpenFailure::kNotSupported,
        fmt::format("{} is {} ({}/vendor, {}/device), not an 82599: supported are 8086:10fb "
                    "(82599ES SFP+, X520) and 8086:10ed (82599 VF)",
                    name, ids_text(vendor, device), dir, dir),
        "pick an 82599 function: `lspci -D -d 8086:10fb` lists the PFs, `lspci -D -d 8086:10ed` "
        "the VFs"});
  }

  FunctionInfo f;
  f.bdf = name;
  f.vendor = *vendor;
  f.device = *device;
  f.driver = d->driver;
  f.iommu_group = d->iommu_group;
  f.noiommu = f.iommu_group && is_noiommu_group(fs, *f.iommu_group);
  if (d->physfn) {
    f.is_vf = true;
    f.physfn = d->physfn->str();
    f.pf_driver = fs.link_name("/sys/bus/pci/devices/" + *f.physfn + "/driver");
  } else {
    if (d->sriov_totalvfs && *d->sriov_totalvfs >= 0) {
      f.total_vfs = static_cast<unsigned>(*d->sriov_totalvfs);
    }
    if (const auto n = fs.read_int(dir + "/sriov_numvfs"); n && *n >= 0) {
      f.num_vfs = static_cast<unsigned>(*n);
    }
    for (const auto& vf : d->virtfns) f.virtfns.push_back(vf.str());
  }
  return f;
}

}  // namespace hal::vfio
