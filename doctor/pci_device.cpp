#include "doctor/pci_device.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>
#include <utility>

#include "doctor/pci_caps.hpp"
#include "doctor/pcie_regs.hpp"
#include "hal/pci_regs.hpp"

namespace doctor {

namespace {

constexpr size_t kConfigMax = 4096;

// The functions named in a resolved device path, nearest parent first. Components that are not
// addresses (pci0000:00, a VMD domain "pci10000:e0") are host bridges or glue, not functions.
std::vector<Bdf> upstream_of(const std::string& path, const Bdf& self) {
  std::vector<Bdf> out;
  std::istringstream parts(path);
  for (std::string part; std::getline(parts, part, '/');) {
    if (auto b = Bdf::parse(part); b && *b != self) out.push_back(*b);
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// virtfn0, virtfn1, ... virtfn10: in index order, not name order.
std::vector<Bdf> virtfns_of(const Fs& fs, const std::string& dir) {
  std::vector<std::pair<unsigned, Bdf>> found;
  for (const auto& name : fs.list(dir)) {
    if (!name.starts_with("virtfn")) continue;
    unsigned index = 0;
    const char* first = name.data() + 6;
    const char* last = name.data() + name.size();
    const auto [end, ec] = std::from_chars(first, last, index);
    if (ec != std::errc() || end != last) continue;
    const auto target = fs.link_name(dir + "/" + name);
    if (const auto b = target ? Bdf::parse(*target) : std::nullopt) found.emplace_back(index, *b);
  }
  std::sort(found.begin(), found.end());
  std::vector<Bdf> out;
  for (const auto& [index, b] : found) out.push_back(b);
  return out;
}

std::vector<std::string> lines_of(const std::optional<std::string>& text) {
  std::vector<std::string> out;
  if (!text) return out;
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

std::string PciDevice::sysfs() const { return "/sys/bus/pci/devices/" + bdf.str(); }

std::string PciDevice::ids() const {
  if (!vendor || !device) return "unknown device";
  const auto strip = [](const std::string& s) { return s.starts_with("0x") ? s.substr(2) : s; };
  return strip(*vendor) + ":" + strip(*device);
}

bool PciDevice::has_sriov() const {
  if (is_vf()) return false;
  if (sriov_totalvfs) return true;
  const auto cap = read_sriov_cap(config);
  return cap && cap->has_value();
}

bool PciDevice::multifunction() const {
  const auto h = config.read8(hal::pci::kHeaderType);
  return h && (*h & pcie::kHeaderTypeMultiFunction) != 0;
}

std::optional<PciDevice> load_pci_device(const Fs& fs, const std::string& name) {
  const auto bdf = Bdf::parse(name);
  if (!bdf) return std::nullopt;
  PciDevice d(*bdf);
  const std::string dir = d.sysfs();
  d.path = fs.resolve(dir).value_or(dir);
  d.upstream = upstream_of(d.path, d.bdf);
  d.vendor = fs.read_line(dir + "/vendor");
  d.device = fs.read_line(dir + "/device");
  d.class_code = fs.read_int(dir + "/class");
  d.config = PciConfig(fs.read_bytes(dir + "/config", kConfigMax).value_or(std::vector<uint8_t>{}));
  d.driver = fs.link_name(dir + "/driver");
  if (const auto g = fs.link_name(dir + "/iommu_group")) {
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(g->data(), g->data() + g->size(), v);
    if (ec == std::errc() && end == g->data() + g->size()) d.iommu_group = v;
  }
  d.sriov_totalvfs = fs.read_int(dir + "/sriov_totalvfs");
  if (const auto pf = fs.link_name(dir + "/physfn")) d.physfn = Bdf::parse(*pf);
  d.virtfns = virtfns_of(fs, dir);
  d.resource = lines_of(fs.read_text(dir + "/resource"));
  return d;
}

}  // namespace doctor
