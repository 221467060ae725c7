// preflight(): what must hold before the first VFIO call, one step per thing a person fixes, in
// the order they fix it (an IOMMU before vfio-pci, vfio-pci before binding, binding before the
// group, the group before permissions). Host-wide findings and fixes are sriov-doctor's own
// checks, run on the same Fs, so the two tools never give different advice.

#include <fmt/format.h>

#include <sys/stat.h>

#include "doctor/checks.hpp"
#include "doctor/host.hpp"
#include "doctor/probe.hpp"
#include "doctor/remedies.hpp"
#include "hal/vfio/discovery.hpp"
#include "hal/vfio/preflight_access.hpp"
#include "hal/vfio/sys_failure.hpp"
#include "hal/vfio/sysfs_bind.hpp"

namespace hal::vfio {

namespace {

using doctor::Status;

constexpr std::string_view kVfioPci = "vfio-pci";

std::string devices_dir(std::string_view bdf) {
  return fmt::format("/sys/bus/pci/devices/{}", bdf);
}

// Step 1: an IOMMU group. The doctor's iommu check says why there is none on this host and
// how to get one; its kernel_cmdline check adds a parameter that turns it off.
std::optional<OpenError> need_iommu_group(const doctor::Host& h, const doctor::Fs& fs,
                                          const FunctionInfo& f) {
  if (f.iommu_group) return std::nullopt;
  const doctor::Check iommu = doctor::check_iommu(h, doctor::Probe(fs, "iommu"));
  const doctor::Check cmdline =
      doctor::check_kernel_cmdline(h, doctor::Probe(fs, "kernel_cmdline"));
  std::string what = fmt::format("{} is in no IOMMU group ({}/iommu_group is missing): {}", f.bdf,
                                 devices_dir(f.bdf),
                                 iommu.status == Status::kPass
                                     ? "the IOMMU is on but does not cover this function"
                                     : iommu.finding);
  std::string fix = iommu.status == Status::kPass
                        ? "look for DMAR or AMD-Vi errors about it in dmesg; " +
                              doctor::remedies::enable_iommu(h)
                        : iommu.fix;
  if (cmdline.status == Status::kFail) {
    what += "; " + cmdline.finding;
    fix = cmdline.fix + "; " + fix;
  }
  fix +=
      "; the usual command line is intel_iommu=on iommu=pt on Intel and iommu=pt on AMD (whose "
      "IOMMU is on unless amd_iommu=off), iommu=pt keeping the host's own devices untranslated. "
      "vfio's unsafe no-IOMMU mode (enable_unsafe_noiommu_mode) is no alternative: it gives "
      "registers only, with no DMA maps, and sriovkit's drivers need an IOMMU for DMA";
  return OpenError{OpenFailure::kNoIommu, std::move(what), std::move(fix)};
}

// Step 2: the container node, which exists once the vfio module is loaded.
std::optional<OpenError> need_vfio(const doctor::Host& h, const doctor::Fs& fs) {
  if (fs.exists("/dev/vfio/vfio")) return std::nullopt;
  if (!fs.exists("/sys/module/vfio_pci")) {
    const doctor::Check vfio = doctor::check_vfio(h, doctor::Probe(fs, "vfio"));
    return OpenError{OpenFailure::kNoVfio,
                     "/dev/vfio/vfio is missing: " + vfio.finding,
                     vfio.fix.empty() ? std::string("modprobe vfio-pci") : vfio.fix};
  }
  return OpenError{OpenFailure::kNoVfio,
                   "/dev/vfio/vfio is missing although vfio-pci is loaded (/sys/module/vfio_pci)",
                   "in a container, pass the nodes in (docker run --device /dev/vfio/vfio "
                   "--device /dev/vfio/N); on the host, modprobe -r vfio-pci && modprobe vfio-pci"};
}

// Step 3: the function itself on vfio-pci.
std::optional<OpenError> need_vfio_pci(const FunctionInfo& f) {
  if (f.driver == kVfioPci) return std::nullopt;
  const std::string dir = devices_dir(f.bdf);
  std::string what = f.driver ? fmt::format("{} is bound to {}, not vfio-pci ({}/driver -> {})",
                                            f.bdf, *f.driver, dir, *f.driver)
                              : fmt::format("{} is bound to no driver ({}/driver is missing), "
                                            "not to vfio-pci",
                                            f.bdf, dir);
  std::string fix;
  if (!f.is_vf && f.driver && f.num_vfs.value_or(0) > 0) {
    fix = fmt::format("note that unbinding {} removes the PF's {} VF(s) and whatever uses them; ",
                      *f.driver, *f.num_vfs);
  }
  fix += sysfs::bind_vfio_commands(f.bdf, f.driver.has_value());
  if (f.is_vf && f.physfn && f.pf_driver != kVfioPci) {
    fix += fmt::format(
        ". So that VFs made later do not land on {} first: echo 0 > "
        "/sys/bus/pci/devices/{}/sriov_drivers_autoprobe before writing its sriov_numvfs",
        f.driver.value_or("the kernel's VF driver"), *f.physfn);
  }
  return OpenError{OpenFailure::kWrongDriver, std::move(what), std::move(fix)};
}

// Drivers that leave a group usable by VFIO: since Linux 5.19 those that declare
// driver_managed_dma (the vfio-pci family, pci-stub, pcieport); before it, vfio's own list
// (pci-stub) and any driver on a bridge. The newer, stricter rule is the one checked.
bool leaves_group_viable(const std::optional<std::string>& driver) {
  if (!driver) return true;
  const std::string& d = *driver;
  return d == kVfioPci || d.find("vfio_pci") != std::string::npos ||
         d.find("vfio-pci") != std::string::npos || d == "pci-stub" || d == "pcieport";
}

// Step 4: every other member of the group on vfio-pci, pci-stub, pcieport or nothing.
std::optional<OpenError> need_viable_group(const doctor::Host& h, const doctor::Fs& fs,
                                           const FunctionInfo& f) {
  const unsigned group = *f.iommu_group;
  const std::string gdir = fmt::format("/sys/kernel/iommu_groups/{}/devices", group);
  std::vector<std::string> blocking;
  std::vector<std::string> names;
  bool sibling = false;
  const auto self = doctor::Bdf::parse(f.bdf);
  for (const auto& m : fs.list(gdir)) {
    if (m == f.bdf) continue;
    const auto driver = fs.link_name(gdir + "/" + m + "/driver");
    if (leaves_group_viable(driver)) continue;
    blocking.push_back(fmt::format("{} (bound to {})", m, *driver));
    names.push_back(m);
    const auto other = doctor::Bdf::parse(m);
    if (self && other && other->domain() == self->domain() && other->bus() == self->bus() &&
        other->device() == self->device()) {
      sibling = true;
    }
  }
  if (blocking.empty()) return std::nullopt;
  std::string what = fmt::format(
      "IOMMU group {} of {} also holds {} ({}): VFIO hands out a group only when every member "
      "is on vfio-pci, pci-stub, pcieport or no driver",
      group, f.bdf, doctor::join_words(blocking), gdir);
  std::string fix = fmt::format(
      "bind {} to vfio-pci as well (for each M: echo M > /sys/bus/pci/devices/M/driver/unbind; "
      "echo vfio-pci > /sys/bus/pci/devices/M/driver_override; echo M > "
      "/sys/bus/pci/drivers_probe), or just unbind {}; or give the card a group of its own",
      doctor::join_words(names), names.size() == 1 ? "it" : "them");
  if (sibling) {
    fix += fmt::format(
        ". {} is another function of the same card, which isolates its functions from each "
        "other only with ACS: the ports go to VFIO together",
        names.front());
  }
  // The doctor's ACS verdict on the PF's path says whether a slot change would help.
  const std::string pf_name = f.is_vf && f.physfn ? *f.physfn : f.bdf;
  const auto pf_bdf = doctor::Bdf::parse(pf_name);
  const doctor::PciDevice* pf = pf_bdf ? h.find(*pf_bdf) : nullptr;
  if (pf) {
    const auto acs = doctor::check_acs(h, *pf, doctor::Probe(fs, "acs", pf_name));
    if (acs && acs->status == Status::kFail) {
      what += "; " + acs->finding;
      fix += "; " + acs->fix;
    }
  }
  return OpenError{OpenFailure::kGroupNotViable, std::move(what), std::move(fix)};
}

std::string mode_text(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return "unreadable";
  return fmt::format("mode {:04o}, owner {}:{}", st.st_mode & 07777, st.st_uid, st.st_gid);
}

// Step 5: the nodes openable by this process.
std::optional<OpenError> need_access(const doctor::Fs& fs, const FunctionInfo& f,
                                     const Credentials& cred) {
  const std::string node = f.group_node();
  const auto host = [&](std::string_view p) { return fs.root() / std::string(p.substr(1)); };
  if (!fs.exists(node)) {
    return OpenError{
        OpenFailure::kNoPermission,
        fmt::format("{} is missing although {} is bound to vfio-pci", node, f.bdf),
        fmt::format("vfio-pci makes the node when it binds the function: rebind it ({}); in a "
                    "container, pass the nodes in (docker run --device {} --device "
                    "/dev/vfio/vfio)",
                    sysfs::bind_vfio_commands(f.bdf, true), node)};
  }
  if (f.noiommu && !cred.root()) {
    return OpenError{OpenFailure::kNoPermission,
                     fmt::format("{} is a no-IOMMU group: vfio opens it only for a process with "
                                 "CAP_SYS_RAWIO, and this one runs as uid {}",
                                 node, cred.uid),
                     "run as root"};
  }
  for (const std::string& n : {std::string("/dev/vfio/vfio"), node}) {
    if (may_read_write(host(n), cred)) continue;
    return OpenError{OpenFailure::kNoPermission,
                     fmt::format("{} ({}) cannot be opened for reading and writing by uid {}", n,
                                 mode_text(host(n)), cred.uid),
                     permission_fix(n)};
  }
  return std::nullopt;
}

}  // namespace

std::expected<void, OpenError> preflight(const doctor::Fs& fs, const FunctionInfo& f,
                                         const Credentials& cred) {
  const doctor::Host h = doctor::Host::scan(fs);
  std::optional<OpenError> e = need_iommu_group(h, fs, f);
  if (!e) e = need_vfio(h, fs);
  if (!e) e = need_vfio_pci(f);
  if (!e) e = need_viable_group(h, fs, f);
  if (!e) e = need_access(fs, f, cred);
  if (e) return std::unexpected(std::move(*e));
  return {};
}

std::expected<void, OpenError> preflight(const doctor::Fs& fs, const FunctionInfo& f) {
  return preflight(fs, f, Credentials::current());
}

}  // namespace hal::vfio
