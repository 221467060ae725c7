// Per-PF checks on variations of the fixtures: VF BARs, VFs not enabled, drivers, ACS quirks and
// switched-off controls, unreadable config space, ARI and NUMA placement.

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>

#include "doctor/doctor.hpp"
#include "tests/file_text.hpp"
#include "fixture_tree.hpp"
#include "report_expect.hpp"

using doctor::Status;
using doctor_test::kPf;
using doctor_test::ScratchTree;
using doctor_test::status_of;

namespace {

constexpr const char* kPfDir = "/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0";
constexpr const char* kPortConfig = "/sys/devices/pci0000:00/0000:00:01.0/config";
// Where the fixture generator put the root port's registers.
constexpr size_t kPortDevCap2 = 0x40 + 0x24;
constexpr size_t kPortDevCtl2 = 0x40 + 0x28;
constexpr size_t kPortAcsCtrl = 0x148 + 0x06;


using testutil::read_file;

// Overwrites `bytes` at `offset` of a binary file in the tree.
void patch(const ScratchTree& t, const char* path, size_t offset, std::string_view bytes) {
  std::string content = read_file(t.host(path));
  content.replace(offset, bytes.size(), bytes);
  t.write(path, content);
}

void remove_vfs(const ScratchTree& t) {
  for (const char* vf : {"0000:01:10.0", "0000:01:10.2"}) {
    t.remove(std::string("/sys/devices/pci0000:00/0000:00:01.0/") + vf);
    t.remove(std::string("/sys/bus/pci/devices/") + vf);
  }
  t.remove(std::string(kPfDir) + "/virtfn0");
  t.remove(std::string(kPfDir) + "/virtfn1");
  t.remove("/sys/kernel/iommu_groups/40");
  t.remove("/sys/kernel/iommu_groups/41");
}

}  // namespace

TEST_CASE("VF BARs without address space fail the capability check with pci=realloc as fix",
          "[doctor][variant]") {
  ScratchTree t("ready");
  std::string res;
  for (int i = 0; i < 13; ++i) {
    res += (i == 0 ? "0x0000000091c00000 0x0000000091dfffff 0x0000000000140204\n"
                   : "0x0000000000000000 0x0000000000000000 0x0000000000000000\n");
  }
  t.write(std::string(kPfDir) + "/resource", res);
  const auto r = run_on(t);
  CHECK(status_of(r, "sriov_capability", kPf) == Status::kFail);
  CHECK_THAT(r.find("sriov_capability", kPf)->finding,
             Catch::Contains("not enough MMIO resources"));
  CHECK_THAT(r.find("sriov_capability", kPf)->fix, Catch::Contains("pci=realloc"));
}

TEST_CASE("A PF with no VFs enabled warns and the VF isolation check does not run",
          "[doctor][variant]") {
  ScratchTree t("ready");
  t.write(std::string(kPfDir) + "/sriov_numvfs", "0\n");
  remove_vfs(t);
  const auto r = run_on(t);
  CHECK(status_of(r, "sriov_capability", kPf) == Status::kWarn);
  CHECK_THAT(r.find("sriov_capability", kPf)->fix, Catch::Contains("sriov_numvfs"));
  CHECK(r.find("vf_isolation", kPf) == nullptr);
  CHECK(status_of(r, "drivers", kPf) == Status::kPass);
  CHECK(r.verdict() == doctor::Verdict::kWarnings);
}

TEST_CASE("A config space offering VFs without sriov_totalvfs blames the kernel",
          "[doctor][variant]") {
  ScratchTree t("ready");
  t.remove(std::string(kPfDir) + "/sriov_totalvfs");
  const auto r = run_on(t);
  CHECK(status_of(r, "sriov_capability", kPf) == Status::kFail);
  CHECK_THAT(r.find("sriov_capability", kPf)->fix, Catch::Contains("CONFIG_PCI_IOV"));
}

TEST_CASE("A VF without a driver warns and names it", "[doctor][variant]") {
  ScratchTree t("ready");
  t.remove("/sys/devices/pci0000:00/0000:00:01.0/0000:01:10.2/driver");
  const auto r = run_on(t);
  CHECK(status_of(r, "drivers", kPf) == Status::kWarn);
  CHECK_THAT(r.find("drivers", kPf)->finding, Catch::Contains("1 of 2 VFs have no driver"));
  CHECK_THAT(r.find("drivers", kPf)->finding, Catch::Contains("0000:01:10.2"));
}

TEST_CASE("A PF without a driver fails the drivers check", "[doctor][variant]") {
  ScratchTree t("ready");
  t.remove(std::string(kPfDir) + "/driver");
  CHECK(status_of(run_on(t), "drivers", kPf) == Status::kFail);
}

TEST_CASE("A port without ACS whose PF still has its own group is a kernel quirk: warning",
          "[doctor][variant]") {
  ScratchTree t("ready");
  t.write(kPortConfig,
          read_file(doctor_test::fixture("no-acs") / "sys/devices/pci0000:00/0000:00:01.0/config"));
  const auto r = run_on(t);
  CHECK(status_of(r, "acs", kPf) == Status::kWarn);
  CHECK_THAT(r.find("acs", kPf)->finding, Catch::Contains("quirk"));
  CHECK(status_of(r, "vf_isolation", kPf) == Status::kPass);
}

TEST_CASE("ACS implemented but switched off fails, naming the bits", "[doctor][variant]") {
  ScratchTree t("no-acs");
  t.write(kPortConfig,
          read_file(doctor_test::fixture("ready") / "sys/devices/pci0000:00/0000:00:01.0/config"));
  patch(t, kPortConfig, kPortAcsCtrl, std::string("\x01\x00", 2));  // only SV left on
  const auto r = run_on(t);
  CHECK(status_of(r, "acs", kPf) == Status::kFail);
  CHECK_THAT(r.find("acs", kPf)->finding, Catch::Contains("has ACS RR CR UF switched off"));
}

TEST_CASE("A 64-byte config space, as non-root readers get, leaves ACS unverified",
          "[doctor][variant]") {
  ScratchTree t("ready");
  t.write(kPortConfig, read_file(t.host(kPortConfig)).substr(0, 64));
  const auto r = run_on(t);
  CHECK(status_of(r, "acs", kPf) == Status::kWarn);
  CHECK_THAT(r.find("acs", kPf)->fix, Catch::Contains("as root"));
}

TEST_CASE("A port without ARI forwarding warns", "[doctor][variant]") {
  ScratchTree t("ready");
  t.write(std::string(kPfDir) + "/ari_enabled", "0\n");
  patch(t, kPortConfig, kPortDevCap2, std::string(4, '\0'));
  patch(t, kPortConfig, kPortDevCtl2, std::string(2, '\0'));
  const auto r = run_on(t);
  CHECK(status_of(r, "ari", kPf) == Status::kWarn);
  CHECK_THAT(r.find("ari", kPf)->finding, Catch::Contains("does not support ARI forwarding"));
}

TEST_CASE("pci=noari is named when ARI forwarding is off", "[doctor][variant]") {
  ScratchTree t("ready");
  t.write("/proc/cmdline", "ro intel_iommu=on pci=noari\n");
  t.write(std::string(kPfDir) + "/ari_enabled", "0\n");
  patch(t, kPortConfig, kPortDevCtl2, std::string(2, '\0'));
  const auto r = run_on(t);
  CHECK(status_of(r, "ari", kPf) == Status::kWarn);
  CHECK_THAT(r.find("ari", kPf)->fix, Catch::Contains("remove pci=noari"));
}

TEST_CASE("Hugepages only on the other node warn in the NUMA check", "[doctor][variant]") {
  ScratchTree t("ready");
  t.write("/sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages", "0\n");
  t.write("/sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages", "1024\n");
  const auto r = run_on(t);
  CHECK(status_of(r, "numa", kPf) == Status::kWarn);
  CHECK_THAT(r.find("numa", kPf)->fix, Catch::Contains("node0/hugepages"));
}

TEST_CASE("No NUMA node for the PF on a two-node host warns, on one node it passes",
          "[doctor][variant]") {
  ScratchTree t("ready");
  t.write(std::string(kPfDir) + "/numa_node", "-1\n");
  CHECK(status_of(run_on(t), "numa", kPf) == Status::kWarn);
  t.remove("/sys/devices/system/node/node1");
  t.write("/sys/devices/system/node/online", "0\n");
  CHECK(status_of(run_on(t), "numa", kPf) == Status::kPass);
}
