// Hosts with nothing to make VFs from: an empty tree and a virtual machine like the one the
// tests run on. The run must end, fail and say why.

#include <catch2/catch.hpp>

#include "doctor/doctor.hpp"
#include "doctor/report_format.hpp"
#include "fixture_tree.hpp"
#include "report_expect.hpp"

using doctor::Status;
using doctor_test::ScratchTree;
using doctor_test::status_of;

TEST_CASE("An empty tree runs every host check and is not ready", "[doctor][nohw]") {
  ScratchTree t;
  const auto r = doctor::run_checks(doctor::Fs(t.root()));
  CHECK(r.checks.size() == doctor::host_checks().size());
  CHECK(status_of(r, "iommu") == Status::kFail);
  CHECK(status_of(r, "sriov_devices") == Status::kFail);
  CHECK_THAT(r.find("sriov_devices")->finding, Catch::Contains("no PCI function"));
  CHECK(r.verdict() == doctor::Verdict::kNotReady);
}

TEST_CASE("A virtual machine with virtio devices only is told it has no SR-IOV and why",
          "[doctor][nohw]") {
  ScratchTree t;
  t.write("/proc/cpuinfo",
          "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu hypervisor\n\n");
  t.write("/proc/cmdline", "console=ttyS0 quiet\n");
  t.write("/proc/interrupts",
          "           CPU0\n  28:          0 PCI-MSIX-0000:00:01.0   0-edge      virtio0-config\n");
  std::string config(256, '\0');
  config.replace(0, 4, std::string("\xf4\x1a\x41\x10", 4));  // 1af4:1041, virtio-net
  t.write("/sys/devices/pci0000:00/0000:00:01.0/config", config);
  t.write("/sys/devices/pci0000:00/0000:00:01.0/vendor", "0x1af4\n");
  t.write("/sys/devices/pci0000:00/0000:00:01.0/device", "0x1041\n");
  t.link("/sys/bus/pci/devices/0000:00:01.0", "../../../devices/pci0000:00/0000:00:01.0");
  const auto r = doctor::run_checks(doctor::Fs(t.root()));
  CHECK(status_of(r, "iommu") == Status::kFail);
  CHECK_THAT(r.find("iommu")->finding, Catch::Contains("virtual machine"));
  CHECK(status_of(r, "kernel_cmdline") == Status::kPass);  // AMD: on by default
  CHECK(status_of(r, "sriov_devices") == Status::kFail);
  CHECK_THAT(r.find("sriov_devices")->finding, Catch::Contains("virtual machine"));
  CHECK_THAT(doctor::format_summary(r),
             Catch::StartsWith("not ready: ") && Catch::Contains("sriov_devices"));
}
