#pragma once
// sriov-sim --device vfio:PF --serve: our PF driver on a PF bound to vfio-pci, serving VFs it
// leaves to VMs (Linux ixgbevf behind QEMU's vfio-pci): setup (b) of docs/hardware.md.
//
// Brings the PF up, enables --vfs VFs through sysfs with the VF token and applies the --vf-*
// settings, but opens no VF (harness::HwHostOptions::open_vfs = false): each stays bound to
// vfio-pci for a VM. Prints each VF's address, the token and how to give a VF to QEMU, then
// serves them in the foreground (harness::PfServeLoop: the PF's "other" MSI-X vector, the
// flood guard's due times, the spoof-check interval) until SIGINT or SIGTERM, printing the
// PF's events as they happen; then stops the PF (PfDriver::stop(): VFs disabled, chip
// quiesced, laser off). Needs no DPDK: nothing here does DMA.

#include "tools/sim_hw.hpp"

namespace tools {

/// Runs it. Returns 0 after a clean stop, 1 when the device is not usable, bring-up failed
/// (one line on stderr) or the PF went away while serving ("PF <bdf> is gone (surprise
/// removal?)", then the teardown), 2 for VF addresses (the PF is elsewhere: nothing to serve)
/// or --vfs 0. Without an interrupt the loop passes every PfServeLoop::kHwMaxSleep. `env`:
/// the host around it (tests: the fake kernel's, and a stepped wait).
int serve_on_device(const HwSimArgs& args, const DeviceEnv& env = {});

}  // namespace tools
