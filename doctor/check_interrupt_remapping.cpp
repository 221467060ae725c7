// interrupt_remapping: without it a device handed to a guest can forge MSIs (DMA writes to the
// interrupt address range), so VFIO refuses assignment unless told allow_unsafe_interrupts.
//
// Evidence, strongest first: /proc/interrupts names an interrupt's chip "IR-..." (IR-IO-APIC,
// IR-PCI-MSI, IR-PCI-MSIX-<bdf>) when it is delivered through a remapping domain, and an x86 host
// always has IO-APIC interrupts, so an active remapper shows there without dmesg. On Arm, MSIs
// through a GIC ITS ("ITS-MSI") are isolated per device, which VFIO accepts as well. When
// neither shows, the command line, the IOMMU's presence and Intel's ECAP.IR bit (bit 3 of
// /sys/class/iommu/dmarN/intel-iommu/ecap) tell why.

#include <fmt/format.h>

#include <set>
#include <sstream>

#include "doctor/checks.hpp"
#include "doctor/remedies.hpp"

namespace doctor {

namespace {

constexpr uint64_t kEcapIr = 1u << 3;

struct InterruptChips {
  size_t lines = 0;
  size_t remapped = 0;
  size_t its = 0;
  std::set<std::string> remap_chips;  // chip names without a device suffix
};

InterruptChips scan_interrupts(const std::string& text) {
  InterruptChips r;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // the CPU header
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string irq;
    words >> irq;
    // Numbered lines are device interrupts; NMI:, LOC: and the like are per-CPU counters.
    if (irq.size() < 2 || irq.back() != ':' ||
        irq.find_first_not_of("0123456789") != irq.size() - 1) {
      continue;
    }
    ++r.lines;
    bool remapped = false, its = false;
    for (std::string w; words >> w;) {
      if (w.starts_with("IR-")) {
        remapped = true;
        // IR-PCI-MSIX-0000:01:00.0 and IR-PCI-MSI-edge name the same kind of chip.
        const size_t dev = w.find("-0000");
        r.remap_chips.insert(w.substr(0, dev == std::string::npos ? w.size() : dev));
      } else if (w.starts_with("ITS-")) {
        its = true;
      }
    }
    r.remapped += remapped;
    r.its += its;
  }
  return r;
}

// True when Intel IOMMU units report their ECAP and none has the IR bit.
bool ecap_denies_remapping(const Host& h, Probe& p) {
  bool read = false, capable = false;
  for (const auto& unit : h.fs().list("/sys/class/iommu")) {
    const auto ecap = p.line("/sys/class/iommu/" + unit + "/intel-iommu/ecap");
    if (!ecap) continue;
    uint64_t v = 0;
    std::istringstream(*ecap) >> std::hex >> v;
    read = true;
    capable |= (v & kEcapIr) != 0;
  }
  return read && !capable;
}

// The verdict when no interrupt is remapped, with the most specific reason found.
Check explain_not_remapped(const Host& h, Probe p) {
  // A VFIO told to accept unremapped interrupts makes the failure a warning about the risk.
  const auto unsafe = p.line("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts");
  constexpr std::string_view kParam = "vfio_iommu_type1.allow_unsafe_interrupts";
  const bool allow_unsafe = (unsafe && (*unsafe == "Y" || *unsafe == "1")) ||
                            h.cmdline().has_word(kParam, "1") ||
                            h.cmdline().has_word(kParam, "Y") || h.cmdline().has_word(kParam, "y");
  const Status status = allow_unsafe ? Status::kWarn : Status::kFail;
  const std::string risk =
      allow_unsafe ? "; VFIO assigns devices anyway (allow_unsafe_interrupts), so a guest could "
                     "forge interrupts"
                   : "; VFIO will refuse to assign devices";

  if (h.cmdline().has_word("intremap", "off") || h.cmdline().get("nointremap")) {
    return std::move(p).conclude(
        status, "interrupt remapping is turned off on the kernel command line" + risk,
        remedies::remove_from_cmdline("intremap=off / nointremap"));
  }
  if (h.iommu_groups().empty()) {
    return std::move(p).conclude(
        status, "no interrupt remapping: it needs an active IOMMU (see the iommu check)" + risk,
        remedies::enable_iommu(h));
  }
  if (ecap_denies_remapping(h, p)) {
    return std::move(p).conclude(
        status, "the IOMMU does not implement interrupt remapping (ECAP.IR = 0)" + risk,
        "use a platform whose IOMMU remaps interrupts; allow_unsafe_interrupts=1 is the only "
        "way around it and lets a guest forge interrupts");
  }
  return std::move(p).conclude(
      status, "no interrupt in /proc/interrupts goes through a remapping chip (no IR- chip)" + risk,
      "enable interrupt remapping: turn on VT-d or AMD-Vi and x2APIC in the firmware setup, do "
      "not boot with intremap=off or nointremap, and look for 'Enabled IRQ remapping' in dmesg");
}

}  // namespace

Check check_interrupt_remapping(const Host& h, Probe p) {
  // Hosts with hundreds of CPUs print megabytes here.
  const auto text = h.fs().read_text("/proc/interrupts", 64 << 20);
  if (!text) {
    p.note("/proc/interrupts: missing");
    return std::move(p).warn("cannot read /proc/interrupts: interrupt remapping not verified",
                             "mount procfs on /proc");
  }
  const InterruptChips chips = scan_interrupts(*text);
  std::vector<std::string> names(chips.remap_chips.begin(), chips.remap_chips.end());
  p.note(
      "/proc/interrupts: {} interrupt lines, {} through a remapping chip{}, {} through a GIC ITS",
      chips.lines, chips.remapped,
      names.empty() ? std::string() : " (" + join_words(names, ", ") + ")", chips.its);
  if (chips.remapped > 0) {
    return std::move(p).pass(
        fmt::format("active: {} interrupts are delivered through remapping ({})", chips.remapped,
                    join_words(names, ", ")));
  }
  if (chips.its > 0) {
    return std::move(p).pass(fmt::format(
        "MSIs go through a GIC ITS, which isolates them per device ({} interrupts)", chips.its));
  }
  return explain_not_remapped(h, std::move(p));
}

}  // namespace doctor
