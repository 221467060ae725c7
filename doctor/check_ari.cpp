// ari: Alternative Routing-ID Interpretation lets the functions below a port use the 8-bit
// device/function field as one function number, so a PF's VFs fit on its bus. Without it a
// downstream port routes only device 0, functions 0-7, and VFs past that need further bus
// numbers. The kernel turns ARI forwarding on in the port above function 0 when that function
// has the ARI capability; `ari_enabled` on a function reports it for the port above it.

#include <fmt/format.h>

#include "doctor/checks.hpp"
#include "doctor/pci_caps.hpp"
#include "doctor/remedies.hpp"
#include "hal/pci_regs.hpp"

namespace doctor {

namespace {

constexpr int64_t kFunctionsWithoutAri = 8;

// The port's PCI Express capability, with its ARI bits as evidence; nullopt when unreadable.
std::optional<ExpCap> read_port(const Host& h, const Bdf& port, Probe& p) {
  const PciDevice* bridge = h.find(port);
  if (!bridge) {
    p.note("{}: not under /sys/bus/pci/devices", port);
    return std::nullopt;
  }
  const auto e = read_exp_cap(bridge->config);
  if (!e || !*e) {
    p.note("{}/config: PCI Express capability {}", bridge->sysfs(),
           e ? "absent" : std::string(to_string(e.error())));
    return std::nullopt;
  }
  p.note("{}/config: {}, ARI Forwarding Supported {}, ARI Forwarding Enable {}", bridge->sysfs(),
         to_string((*e)->type), ((*e)->devcap2 & pcie::kExpDevCap2AriFwd) ? 1 : 0,
         ((*e)->devctl2 & hal::pci::kExpDevCtl2AriFwd) ? 1 : 0);
  return **e;
}

}  // namespace

std::optional<Check> check_ari(const Host& h, const PciDevice& pf, Probe p) {
  if (pf.upstream.empty()) {
    p.note("{} -> {}", pf.sysfs(), pf.path);
    return std::move(p).pass(
        "the PF sits on a root bus with no port above it: its VFs need no "
        "ARI forwarding");
  }
  const Bdf port = pf.upstream.front();
  const auto enabled = p.integer(pf.sysfs() + "/ari_enabled");
  const auto ari = find_ari_cap(pf.config);
  if (!ari) {
    p.note("{}/config: {}", pf.sysfs(), to_string(ari.error()));
  } else {
    p.note(
        "{}/config: {}", pf.sysfs(),
        *ari ? fmt::format("ARI capability at {:#05x}", **ari) : std::string("no ARI capability"));
  }
  const std::optional<ExpCap> port_exp = read_port(h, port, p);
  const bool on =
      enabled ? *enabled == 1 : port_exp && (port_exp->devctl2 & hal::pci::kExpDevCtl2AriFwd) != 0;
  if (on) {
    return std::move(p).pass(fmt::format(
        "ARI forwarding is on at {}: the VFs may use function numbers up to 255 on bus {:02x}",
        port, pf.bdf.bus()));
  }
  const int64_t total = pf.sriov_totalvfs.value_or(0);
  if (ari && !*ari) {
    if (total + pf.bdf.function() < kFunctionsWithoutAri) {
      return std::move(p).pass(fmt::format(
          "the device has no ARI capability, and its {} VFs fit in one device's 8 functions",
          total));
    }
    return std::move(p).warn(
        fmt::format("the device has no ARI capability: VFs past function 7 need further bus "
                    "numbers below {}",
                    port),
        "if enabling many VFs fails with 'bus number out of range', boot with "
        "pci=assign-busses so the kernel reserves bus numbers below the port");
  }
  if (h.cmdline().has_word("pci", "noari")) {
    return std::move(p).warn("ARI is turned off on the kernel command line (pci=noari)",
                             remedies::remove_from_cmdline("pci=noari"));
  }
  if (port_exp && (port_exp->devcap2 & pcie::kExpDevCap2AriFwd) == 0) {
    return std::move(p).warn(
        fmt::format("{} ({}) does not support ARI forwarding: VFs past function 7 need further "
                    "bus numbers, and some drivers then limit sriov_numvfs",
                    port, to_string(port_exp->type)),
        "put the adapter in a slot whose port supports ARI (PCIe 2.0 or later ports do), or boot "
        "with pci=assign-busses if enabling VFs fails with 'bus number out of range'");
  }
  if (!ari || !port_exp) {
    return std::move(p).warn(
        fmt::format("cannot tell whether ARI forwarding is on at {}: ari_enabled is missing and "
                    "the config space is unreadable",
                    port),
        std::string(remedies::kRunAsRoot));
  }
  return std::move(p).warn(
      fmt::format("ARI forwarding is off at {} although the port and the device support it", port),
      "the kernel enables it while enumerating function 0 of the device: check dmesg for that "
      "function and boot without pci=noari");
}

}  // namespace doctor
