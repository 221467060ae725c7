#pragma once
// Every check sriov-doctor runs. A check reads through the Probe it is handed, whose name and
// subject come from the catalogue (doctor/doctor.cpp), and returns its verdict. Device checks
// run once per SR-IOV physical function and return nullopt where they do not apply.

#include <optional>

#include "doctor/check.hpp"
#include "doctor/host.hpp"
#include "doctor/pci_device.hpp"
#include "doctor/probe.hpp"

namespace doctor {

// Host checks.
Check check_iommu(const Host& h, Probe p);
Check check_kernel_cmdline(const Host& h, Probe p);
Check check_interrupt_remapping(const Host& h, Probe p);
Check check_vfio(const Host& h, Probe p);
Check check_hugepages(const Host& h, Probe p);
Check check_sriov_devices(const Host& h, Probe p);

// Per physical function.
std::optional<Check> check_sriov_capability(const Host& h, const PciDevice& pf, Probe p);
std::optional<Check> check_ari(const Host& h, const PciDevice& pf, Probe p);
std::optional<Check> check_acs(const Host& h, const PciDevice& pf, Probe p);
std::optional<Check> check_drivers(const Host& h, const PciDevice& pf, Probe p);
/// Not applicable (nullopt) while the PF has no VFs.
std::optional<Check> check_vf_isolation(const Host& h, const PciDevice& pf, Probe p);
std::optional<Check> check_numa(const Host& h, const PciDevice& pf, Probe p);

}  // namespace doctor
