#include "doctor/host.hpp"

#include <algorithm>
#include <sstream>

namespace doctor {

namespace {

// The first processor's block says everything needed; later blocks repeat it.
void read_cpuinfo(const std::string& text, CpuVendor& vendor, bool& in_vm) {
  std::istringstream in(text);
  bool seen_flags = false;
  for (std::string line; std::getline(in, line) && !line.empty();) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    const std::string value = line.substr(colon + 1);
    if (key == "vendor_id") {
      if (value.find("GenuineIntel") != std::string::npos) vendor = CpuVendor::kIntel;
      if (value.find("AuthenticAMD") != std::string::npos) vendor = CpuVendor::kAmd;
    } else if (key == "flags" && !seen_flags) {
      seen_flags = true;
      std::istringstream words(value);
      for (std::string w; words >> w;) {
        if (w == "hypervisor") in_vm = true;
      }
    }
  }
}

}  // namespace

Host Host::scan(const Fs& fs) {
  Host h(fs);
  for (const auto& name : fs.list("/sys/bus/pci/devices")) {
    if (auto d = load_pci_device(fs, name)) h.devices_.push_back(std::move(*d));
  }
  std::sort(h.devices_.begin(), h.devices_.end(),
            [](const PciDevice& a, const PciDevice& b) { return a.bdf < b.bdf; });
  if (const auto cpuinfo = fs.read_text("/proc/cpuinfo", 64 * 1024)) {
    read_cpuinfo(*cpuinfo, h.cpu_vendor_, h.in_vm_);
  }
  h.cmdline_text_ = fs.read_line("/proc/cmdline");
  if (h.cmdline_text_) h.cmdline_ = KernelCmdline::parse(*h.cmdline_text_);
  return h;
}

const PciDevice* Host::find(const Bdf& bdf) const {
  const auto it = std::find_if(devices_.begin(), devices_.end(),
                               [&](const PciDevice& d) { return d.bdf == bdf; });
  return it == devices_.end() ? nullptr : &*it;
}

std::vector<const PciDevice*> Host::physical_functions() const {
  std::vector<const PciDevice*> out;
  for (const auto& d : devices_) {
    if (d.has_sriov()) out.push_back(&d);
  }
  return out;
}

std::vector<std::string> Host::iommu_groups() const {
  return fs_->list("/sys/kernel/iommu_groups");
}

std::vector<std::string> Host::iommu_group_members(unsigned group) const {
  return fs_->list("/sys/kernel/iommu_groups/" + std::to_string(group) + "/devices");
}

}  // namespace doctor
