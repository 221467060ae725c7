// Host-wide checks on variations of the ready fixture: what each finding says when one thing
// about the IOMMU, interrupts, VFIO or hugepages changes.

#include <catch2/catch.hpp>

#include "doctor/doctor.hpp"
#include "fixture_tree.hpp"
#include "report_expect.hpp"

using doctor::Status;
using doctor_test::ScratchTree;
using doctor_test::status_of;

namespace {


// /proc/interrupts with the same lines as the fixture's but no remapping chip.
constexpr const char* kPlainInterrupts =
    "           CPU0       CPU1\n"
    "   0:         35          0  IO-APIC    2-edge      timer\n"
    "  40:          1          0  PCI-MSIX-0000:01:00.0    0-edge      enp1s0\n"
    " NMI:          0          0   Non-maskable interrupts\n";

}  // namespace

TEST_CASE("Interrupts without a remapping chip fail interrupt_remapping", "[doctor][variant]") {
  ScratchTree t("ready");
  t.write("/proc/interrupts", kPlainInterrupts);
  const auto r = run_on(t);
  CHECK(status_of(r, "interrupt_remapping") == Status::kFail);
  CHECK_THAT(r.find("interrupt_remapping")->finding, Catch::Contains("no IR- chip"));
  CHECK(r.verdict() == doctor::Verdict::kNotReady);
}

TEST_CASE("allow_unsafe_interrupts turns missing remapping into a warning about the risk",
          "[doctor][variant]") {
  ScratchTree t("ready");
  t.write("/proc/interrupts", kPlainInterrupts);
  t.write("/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "Y\n");
  const auto r = run_on(t);
  CHECK(status_of(r, "interrupt_remapping") == Status::kWarn);
  CHECK_THAT(r.find("interrupt_remapping")->finding, Catch::Contains("forge interrupts"));
  CHECK(r.verdict() == doctor::Verdict::kWarnings);
}

TEST_CASE("An IOMMU whose ECAP lacks the IR bit is named as the reason", "[doctor][variant]") {
  ScratchTree t("ready");
  t.write("/proc/interrupts", kPlainInterrupts);
  t.write("/sys/devices/virtual/iommu/dmar0/intel-iommu/ecap", "f050d2\n");  // bit 3 clear
  const auto r = run_on(t);
  CHECK(status_of(r, "interrupt_remapping") == Status::kFail);
  CHECK_THAT(r.find("interrupt_remapping")->finding, Catch::Contains("ECAP.IR = 0"));
}

TEST_CASE("Arm GIC ITS interrupts count as isolated MSIs", "[doctor][variant]") {
  ScratchTree t("ready");
  t.write("/proc/interrupts",
          "           CPU0\n"
          "  12:          5  ITS-MSI 524288 Edge      enP1p1s0\n");
  CHECK(status_of(run_on(t), "interrupt_remapping") == Status::kPass);
}

TEST_CASE("intremap=off fails the command line and the remapping checks", "[doctor][variant]") {
  ScratchTree t("ready");
  t.write("/proc/cmdline", "ro quiet intel_iommu=on intremap=off\n");
  t.write("/proc/interrupts", kPlainInterrupts);
  const auto r = run_on(t);
  CHECK(status_of(r, "kernel_cmdline") == Status::kFail);
  CHECK_THAT(r.find("kernel_cmdline")->fix, Catch::Contains("remove intremap=off"));
  CHECK(status_of(r, "interrupt_remapping") == Status::kFail);
  CHECK_THAT(r.find("interrupt_remapping")->finding, Catch::Contains("command line"));
}

TEST_CASE("intel_iommu=off and iommu=off are both named", "[doctor][variant]") {
  ScratchTree t("ready");
  t.write("/proc/cmdline", "ro intel_iommu=off iommu=off\n");
  const auto r = run_on(t);
  CHECK(status_of(r, "kernel_cmdline") == Status::kFail);
  CHECK_THAT(r.find("kernel_cmdline")->finding, Catch::Contains("intel_iommu=off and iommu=off"));
}

TEST_CASE("IOMMU hardware without groups fails iommu", "[doctor][variant]") {
  ScratchTree t("no-iommu");
  t.link("/sys/class/iommu/dmar0", "../../devices/virtual/iommu/dmar0");
  t.write("/sys/devices/virtual/iommu/dmar0/intel-iommu/ecap", "f050da\n");
  const auto r = run_on(t);
  CHECK(status_of(r, "iommu") == Status::kFail);
  CHECK_THAT(r.find("iommu")->finding, Catch::Contains("no device is in an IOMMU group"));
}

TEST_CASE("vfio-pci installed but not loaded warns with modprobe", "[doctor][variant]") {
  ScratchTree t("ready");
  t.remove("/sys/module/vfio_pci");
  t.write("/lib/modules/6.1.0-18-amd64/modules.dep",
          "kernel/drivers/vfio/pci/vfio-pci.ko.xz: kernel/drivers/vfio/pci/vfio-pci-core.ko.xz\n");
  const auto r = run_on(t);
  CHECK(status_of(r, "vfio") == Status::kWarn);
  CHECK_THAT(r.find("vfio")->fix, Catch::Contains("modprobe vfio-pci"));
}

TEST_CASE("vfio-pci neither loaded nor installed warns that VFs stay with host drivers",
          "[doctor][variant]") {
  ScratchTree t("ready");
  t.remove("/sys/module/vfio_pci");
  const auto r = run_on(t);
  CHECK(status_of(r, "vfio") == Status::kWarn);
  CHECK_THAT(r.find("vfio")->finding, Catch::Contains("not available"));
}

TEST_CASE("VFIO in no-IOMMU mode warns", "[doctor][variant]") {
  ScratchTree t("ready");
  t.write("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode", "Y\n");
  CHECK(status_of(run_on(t), "vfio") == Status::kWarn);
}

TEST_CASE("No reserved hugepages warns, and so does having none free", "[doctor][variant]") {
  ScratchTree t("ready");
  SECTION("none reserved") {
    t.write("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "0\n");
    t.write("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "0\n");
    const auto r = run_on(t);
    CHECK(status_of(r, "hugepages") == Status::kWarn);
    CHECK_THAT(r.find("hugepages")->fix,
               Catch::Contains("/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"));
  }
  SECTION("all in use") {
    t.write("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "0\n");
    const auto r = run_on(t);
    CHECK(status_of(r, "hugepages") == Status::kWarn);
    CHECK_THAT(r.find("hugepages")->finding, Catch::Contains("in use"));
  }
}
