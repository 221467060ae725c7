#pragma once
// A temporary host tree (/sys, /dev, /proc) for the VFIO backend's tests, laid out as Linux lays
// it out: functions under /sys/devices/pci0000:00/..., reached through RELATIVE links from
// /sys/bus/pci/devices, driver and iommu_group links as the kernel stores them, a group's
// members under /sys/kernel/iommu_groups/N/devices, virtfnN/physfn between a PF and its VFs,
// and /dev/vfio nodes as regular files with chosen modes (a test cannot make character devices,
// and nothing here opens them as devices).
//
//   vfio_test::SysfsTree t;                        // empty, removed when t goes away
//   t.add_iommu_host();                            // an Intel host with VT-d on, vfio-pci loaded
//   t.add_function({.bdf = "0000:03:00.0", .driver = "vfio-pci", .iommu_group = 20,
//                   .total_vfs = 63});
//   t.add_group_node(20);                          // /dev/vfio/20, mode 0600
//   doctor::Fs fs(t.root());
//
// Presets build the usual situations in one call (x520_pf_on_vfio(), ...). Single-threaded;
// every call either succeeds or throws std::runtime_error (a broken fixture is a broken test).

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "doctor/fs.hpp"

namespace vfio_test {

/// One PCI function to create. Only `bdf` is required.
struct FunctionSpec {
  std::string bdf{};                   ///< "0000:03:00.0"
  uint16_t vendor = 0x8086;
  uint16_t device = 0x10fb;            ///< 82599ES SFP+ (X520); 0x10ed for an 82599 VF
  uint32_t class_code = 0x020000;      ///< Ethernet controller
  std::optional<std::string> driver{}; ///< bound driver's name; nullopt = unbound
  std::optional<unsigned> iommu_group{}; ///< nullopt = no group (no IOMMU)
  /// The bridge above it ("" = on the root bus). Created as a directory if missing; call
  /// add_function for it too when the bridge itself must be a function with attributes.
  std::string parent = "0000:00:01.0";
  std::optional<std::string> physfn{}; ///< a VF: its PF's address (the PF must exist already)
  std::optional<unsigned> total_vfs{}; ///< a PF: sriov_totalvfs; sriov_numvfs is written as 0
};

class SysfsTree {
 public:
  SysfsTree() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sriov-vfio-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    std::filesystem::create_directories(dir_ / "sys/bus/pci/devices");
    std::filesystem::create_directories(dir_ / "sys/devices/pci0000:00");
  }
  ~SysfsTree() {
    if (dir_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  SysfsTree(SysfsTree&& o) noexcept : dir_(std::exchange(o.dir_, {})) {}
  SysfsTree& operator=(SysfsTree&&) = delete;
  SysfsTree(const SysfsTree&) = delete;
  SysfsTree& operator=(const SysfsTree&) = delete;

  /// The directory that stands for "/".
  const std::filesystem::path& root() const { return dir_; }
  doctor::Fs fs() const { return doctor::Fs(dir_); }
  /// `path` (absolute inside the tree) as a path on this machine.
  std::filesystem::path host(std::string_view path) const {
    while (!path.empty() && path.front() == '/') path.remove_prefix(1);
    return dir_ / path;
  }

  // --- Plain files and links -------------------------------------------------------------

  /// Creates or replaces a file (and its directories) with `content` and `mode`.
  void write(std::string_view path, std::string_view content, mode_t mode = 0644) const {
    const auto at = host(path);
    std::filesystem::create_directories(at.parent_path());
    std::filesystem::remove(at);
    std::ofstream(at, std::ios::binary) << content;
    if (::chmod(at.c_str(), mode) != 0) throw std::runtime_error("chmod " + at.string());
  }
  /// The whole file; "" when missing.
  std::string read(std::string_view path) const {
    std::ifstream in(host(path), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void mkdir(std::string_view path) const { std::filesystem::create_directories(host(path)); }
  /// `path` -> `target`, stored as given (relative targets resolve from the link's directory).
  void link(std::string_view path, std::string_view target) const {
    const auto at = host(path);
    std::filesystem::create_directories(at.parent_path());
    std::filesystem::remove(at);
    std::filesystem::create_symlink(std::string(target), at);
  }
  /// Removes a file, a link or a whole directory.
  void remove(std::string_view path) const { std::filesystem::remove_all(host(path)); }

  // --- PCI functions ------------------------------------------------------------------------

  /// The function's own directory: /sys/devices/pci0000:00[/parent]/bdf.
  static std::string device_dir(const FunctionSpec& f) {
    std::string d = "/sys/devices/pci0000:00";
    if (!f.parent.empty()) d += "/" + f.parent;
    return d + "/" + f.bdf;
  }

  /// Creates the function: its directory with vendor, device, class (and sriov_totalvfs,
  /// sriov_numvfs, sriov_drivers_autoprobe for a PF), the /sys/bus/pci/devices link, the
  /// driver link (and /sys/bus/pci/drivers/NAME), the iommu_group link and the group's member
  /// link, and for a VF physfn plus the PF's next virtfnN. Returns its directory.
  std::string add_function(const FunctionSpec& f) {
    const std::string dir = device_dir(f);
    mkdir(dir);
    write(dir + "/vendor", hex(f.vendor, 4) + "\n", 0444);
    write(dir + "/device", hex(f.device, 4) + "\n", 0444);
    write(dir + "/class", hex(f.class_code, 6) + "\n", 0444);
    link("/sys/bus/pci/devices/" + f.bdf, up_to_sys("/sys/bus/pci/devices") + dir.substr(5));
    if (f.driver) bind(f.bdf, *f.driver);
    if (f.iommu_group) join_group(f, *f.iommu_group);
    if (f.total_vfs) {
      write(dir + "/sriov_totalvfs", std::to_string(*f.total_vfs) + "\n", 0444);
      write(dir + "/sriov_numvfs", "0\n", 0644);
      write(dir + "/sriov_drivers_autoprobe", "1\n", 0644);
    }
    if (f.physfn) {
      link(dir + "/physfn", "../" + *f.physfn);
      const std::string pf_dir = dir_of(*f.physfn);
      unsigned index = 0;
      while (std::filesystem::is_symlink(host(pf_dir + "/virtfn" + std::to_string(index)))) {
        ++index;
      }
      link(pf_dir + "/virtfn" + std::to_string(index), "../" + f.bdf);
    }
    return dir;
  }

  /// Binds (or rebinds) a function to `driver` as the kernel's driver link shows it.
  void bind(const std::string& bdf, const std::string& driver) {
    const std::string dir = dir_of(bdf);
    mkdir("/sys/bus/pci/drivers/" + driver);
    link(dir + "/driver", up_to_sys(dir) + "bus/pci/drivers/" + driver);
  }
  void unbind(const std::string& bdf) { remove(dir_of(bdf) + "/driver"); }

  /// A PF's VFs as the kernel creates them on `echo n > sriov_numvfs`: functions bdf_i with
  /// device 0x10ed, physfn and virtfnN links, sriov_numvfs = count. Each VF gets `driver` and
  /// the group first_group + i (nullopt: no groups).
  /// With `one_group`, every VF is in first_group itself (no ACS above them: one group for
  /// the PF and its VFs).
  void add_vfs(const std::string& pf_bdf, const std::vector<std::string>& vf_bdfs,
               std::optional<std::string> driver, std::optional<unsigned> first_group,
               bool one_group = false) {
    const std::string pf_dir = dir_of(pf_bdf);
    const std::string parent = parent_of(pf_dir);
    for (size_t i = 0; i < vf_bdfs.size(); ++i) {
      FunctionSpec vf{.bdf = vf_bdfs[i], .device = 0x10ed, .driver = driver, .parent = parent,
                      .physfn = pf_bdf};
      if (first_group) vf.iommu_group = *first_group + (one_group ? 0u : static_cast<unsigned>(i));
      add_function(vf);
    }
    write(pf_dir + "/sriov_numvfs", std::to_string(vf_bdfs.size()) + "\n", 0644);
  }

  /// The function's directory, links followed ("/sys/devices/...").
  std::string dir_of(const std::string& bdf) const {
    const auto r = fs().resolve("/sys/bus/pci/devices/" + bdf);
    if (!r) throw std::runtime_error("no function " + bdf + " in the fixture");
    return *r;
  }

  // --- Host state ---------------------------------------------------------------------------

  /// An Intel host with VT-d on: /proc/cpuinfo, /proc/cmdline with intel_iommu=on iommu=pt,
  /// /sys/class/iommu/dmar0, and vfio-pci loaded (see add_vfio()).
  void add_iommu_host() {
    add_intel_cpu("BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro intel_iommu=on iommu=pt");
    mkdir("/sys/devices/virtual/iommu/dmar0");
    link("/sys/class/iommu/dmar0", "../../devices/virtual/iommu/dmar0");
    add_vfio();
  }
  /// An Intel host whose IOMMU is off: no groups, no /sys/class/iommu, plain command line.
  void add_intel_cpu(std::string_view cmdline = "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro quiet") {
    write("/proc/cpuinfo",
          "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R)\n"
          "flags\t\t: fpu vme de pse msr vmx\n\n");
    write("/proc/cmdline", std::string(cmdline) + "\n");
  }
  /// vfio-pci loaded: /sys/module/vfio_pci (enable_sriov as given), /sys/module/vfio
  /// (enable_unsafe_noiommu_mode N), the container node /dev/vfio/vfio (0666, as udev leaves it).
  void add_vfio(bool enable_sriov = false, mode_t container_mode = 0666) {
    set_enable_sriov(enable_sriov);
    write("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "N\n");
    mkdir("/sys/bus/pci/drivers/vfio-pci");
    write("/dev/vfio/vfio", "", container_mode);
  }
  /// vfio-pci's enable_sriov parameter as the kernel shows a bool: "Y" or "N".
  void set_enable_sriov(bool on) const {
    write("/sys/module/vfio_pci/parameters/enable_sriov", on ? "Y\n" : "N\n", 0644);
  }
  /// The group's node, /dev/vfio/N (or /dev/vfio/noiommu-N), as a regular file.
  void add_group_node(unsigned group, mode_t mode = 0600, bool noiommu = false) const {
    write(std::string("/dev/vfio/") + (noiommu ? "noiommu-" : "") + std::to_string(group), "",
          mode);
  }
  /// Reserved hugepages of 2 MiB: nr reserved, free of them free.
  void set_hugepages(unsigned nr, unsigned free) const {
    const std::string d = "/sys/kernel/mm/hugepages/hugepages-2048kB";
    write(d + "/nr_hugepages", std::to_string(nr) + "\n");
    write(d + "/free_hugepages", std::to_string(free) + "\n");
  }

 private:
  static std::string hex(uint32_t v, int digits) {
    std::string s(static_cast<size_t>(digits), '0');
    for (int i = digits - 1; i >= 0; --i, v >>= 4) s[static_cast<size_t>(i)] = "0123456789abcdef"[v & 0xF];
    return "0x" + s;
  }
  // "../" once per component of `dir` below /sys: the relative way from `dir` back to /sys.
  static std::string up_to_sys(std::string_view dir) {
    std::string up;
    std::string_view rest = dir.substr(5);  // after "/sys/"
    for (size_t at = 0; at != std::string_view::npos; at = rest.find('/', at + 1)) up += "../";
    return up;
  }
  static std::string parent_of(const std::string& dir) {
    const std::string base = "/sys/devices/pci0000:00";
    const std::string above = dir.substr(0, dir.rfind('/'));
    return above == base ? std::string() : above.substr(above.rfind('/') + 1);
  }
  void join_group(const FunctionSpec& f, unsigned group) {
    const std::string dir = device_dir(f);
    const std::string gdir = "/sys/kernel/iommu_groups/" + std::to_string(group);
    link(dir + "/iommu_group", up_to_sys(dir) + gdir.substr(5));
    link(gdir + "/devices/" + f.bdf, up_to_sys(gdir + "/devices") + dir.substr(5));
    write(gdir + "/type", "DMA\n");
  }

  std::filesystem::path dir_;
};

// --- Presets ----------------------------------------------------------------------------------

inline constexpr std::string_view kPf = "0000:03:00.0";
inline constexpr std::string_view kVf0 = "0000:03:10.0";
inline constexpr std::string_view kVf1 = "0000:03:10.2";
inline constexpr std::string_view kBridge = "0000:00:01.0";

/// The root port above every preset's card, bound to pcieport, in group 7.
inline void add_root_port(SysfsTree& t) {
  t.add_function({.bdf = std::string(kBridge), .device = 0x1901, .class_code = 0x060400,
                  .driver = "pcieport", .iommu_group = 7, .parent = ""});
}

/// An X520 PF (0000:03:00.0, group 20) bound to vfio-pci with no VFs (63 possible), /dev/vfio/20
/// at 0600; vfio-pci's enable_sriov as given.
inline SysfsTree x520_pf_on_vfio(bool enable_sriov = false) {
  SysfsTree t;
  t.add_iommu_host();
  t.set_enable_sriov(enable_sriov);
  add_root_port(t);
  t.add_function({.bdf = std::string(kPf), .driver = "vfio-pci", .iommu_group = 20,
                  .total_vfs = 63});
  t.add_group_node(20);
  return t;
}

/// An X520 PF bound to the kernel's ixgbe (group 20) with two VFs, 0000:03:10.0 (group 21) and
/// 0000:03:10.2 (group 22), both bound to `vf_driver` ("vfio-pci" or "ixgbevf"); /dev/vfio/N
/// exists for the VFs on vfio-pci.
inline SysfsTree x520_pf_with_vfs(const std::string& vf_driver = "vfio-pci") {
  SysfsTree t;
  t.add_iommu_host();
  add_root_port(t);
  t.add_function({.bdf = std::string(kPf), .driver = "ixgbe", .iommu_group = 20,
                  .total_vfs = 63});
  t.add_vfs(std::string(kPf), {std::string(kVf0), std::string(kVf1)}, vf_driver, 21u);
  if (vf_driver == "vfio-pci") {
    t.add_group_node(21);
    t.add_group_node(22);
  }
  return t;
}

/// The X520 PF bound to vfio-pci on an Intel host with the IOMMU off: no iommu_group link, no
/// /sys/kernel/iommu_groups, no /sys/class/iommu; vfio-pci loaded.
inline SysfsTree no_iommu() {
  SysfsTree t;
  t.add_intel_cpu();
  t.add_vfio();
  t.add_function({.bdf = std::string(kBridge), .device = 0x1901, .class_code = 0x060400,
                  .driver = "pcieport", .parent = ""});
  t.add_function({.bdf = std::string(kPf), .driver = "vfio-pci", .total_vfs = 63});
  return t;
}

/// The X520 PF 0000:03:00.0 on vfio-pci (enable_sriov on) with VFs 0000:03:10.0 and
/// 0000:03:10.2 on vfio-pci, all three in IOMMU group 20 (/dev/vfio/20): what a root port
/// without ACS gives, and PF mode's VFs then share the PF's group.
inline SysfsTree x520_pf_and_vfs_one_group() {
  SysfsTree t = x520_pf_on_vfio(/*enable_sriov=*/true);
  t.add_vfs(std::string(kPf), {std::string(kVf0), std::string(kVf1)}, "vfio-pci", 20u,
            /*one_group=*/true);
  return t;
}

/// The dual-port X520: PF 0000:03:00.0 on vfio-pci shares group 20 with its sibling port
/// 0000:03:00.1, which the host's ixgbe drives; the root port above is in a group of its own.
inline SysfsTree shared_group() {
  SysfsTree t = x520_pf_on_vfio();
  t.add_function({.bdf = "0000:03:00.1", .driver = "ixgbe", .iommu_group = 20, .total_vfs = 63});
  return t;
}

}  // namespace vfio_test
