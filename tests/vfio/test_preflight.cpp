// preflight(): each failure with its OpenFailure, what it read and the commands that fix it, in
// the order a person fixes them; and the hosts where it passes.

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "hal/vfio/discovery.hpp"
#include "hal/vfio/preflight_access.hpp"
#include "hal/vfio/preflight_hugepages.hpp"
#include "hal/vfio/preflight_report.hpp"
#include "tests/vfio/sysfs_tree.hpp"

using hal::vfio::Credentials;
using hal::vfio::OpenError;
using hal::vfio::OpenFailure;

namespace {

const Credentials kRootCred{};
const Credentials kUserCred{.uid = 1000, .gid = 1000, .groups = {1000, 27}};

// discover() must succeed on these fixtures; preflight's verdict as the given user.
std::expected<void, OpenError> preflight_as(const vfio_test::SysfsTree& t, std::string_view bdf,
                                            const Credentials& cred = kRootCred) {
  const doctor::Fs fs = t.fs();
  const auto f = hal::vfio::discover(fs, bdf);
  REQUIRE(f);
  return hal::vfio::preflight(fs, *f, cred);
}

// A PCIe root port's config space without an ACS capability: header type 1, a capability list
// holding only the PCI Express capability (port type 4, root port), no extended capabilities.
std::string root_port_config_without_acs() {
  std::string c(4096, '\0');
  c[0x00] = '\x86';
  c[0x01] = '\x80';
  c[0x06] = '\x10';  // status: capability list
  c[0x0E] = '\x01';  // header type 1 (bridge)
  c[0x34] = '\x40';  // first capability
  c[0x40] = '\x10';  // PCI Express
  c[0x41] = '\x00';
  c[0x42] = '\x42';  // version 2, device/port type 4 (root port)
  return c;
}

}  // namespace

TEST_CASE("preflight passes for a PF on vfio-pci with its group node", "[vfio][preflight]") {
  auto t = vfio_test::x520_pf_on_vfio();
  CHECK(preflight_as(t, vfio_test::kPf));
}

TEST_CASE("preflight passes for a VF on vfio-pci of a kernel ixgbe PF", "[vfio][preflight]") {
  auto t = vfio_test::x520_pf_with_vfs("vfio-pci");
  CHECK(preflight_as(t, vfio_test::kVf0));
}

TEST_CASE("no IOMMU group: kNoIommu with the doctor's finding and fix", "[vfio][preflight]") {
  auto t = vfio_test::no_iommu();
  const auto r = preflight_as(t, vfio_test::kPf);
  REQUIRE_FALSE(r);
  CHECK(r.error().failure == OpenFailure::kNoIommu);
  CHECK_THAT(r.error().what, Catch::Contains("0000:03:00.0 is in no IOMMU group"));
  CHECK_THAT(r.error().what, Catch::Contains("/sys/bus/pci/devices/0000:03:00.0/iommu_group"));
  CHECK_THAT(r.error().what, Catch::Contains("no IOMMU is active"));  // doctor's iommu check
  CHECK_THAT(r.error().fix, Catch::Contains("enable VT-d"));          // its Intel remedy
  CHECK_THAT(r.error().fix, Catch::Contains("intel_iommu=on iommu=pt"));
  CHECK_THAT(r.error().fix, Catch::Contains("enable_unsafe_noiommu_mode"));
}

TEST_CASE("no IOMMU group with intel_iommu=off names the parameter", "[vfio][preflight]") {
  auto t = vfio_test::no_iommu();
  t.write("/proc/cmdline", "root=/dev/sda1 intel_iommu=off\n");
  const auto r = preflight_as(t, vfio_test::kPf);
  REQUIRE_FALSE(r);
  CHECK(r.error().failure == OpenFailure::kNoIommu);
  CHECK_THAT(r.error().what, Catch::Contains("intel_iommu=off"));
  CHECK_THAT(r.error().fix, Catch::Contains("remove intel_iommu=off"));
}

TEST_CASE("an IOMMU that skips the function still gives kNoIommu", "[vfio][preflight]") {
  auto t = vfio_test::x520_pf_on_vfio();
  t.remove("/sys/devices/pci0000:00/0000:00:01.0/0000:03:00.0/iommu_group");
  const auto r = preflight_as(t, vfio_test::kPf);
  REQUIRE_FALSE(r);
  CHECK(r.error().failure == OpenFailure::kNoIommu);
  CHECK_THAT(r.error().what, Catch::Contains("does not cover this function"));
  CHECK_THAT(r.error().fix, Catch::Contains("dmesg"));
}

TEST_CASE("vfio-pci not loaded: kNoVfio with modprobe", "[vfio][preflight]") {
  auto t = vfio_test::x520_pf_on_vfio();
  t.remove("/dev/vfio/vfio");
  SECTION("module absent") {
    t.remove("/sys/module/vfio_pci");
    const auto r = preflight_as(t, vfio_test::kPf);
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kNoVfio);
    CHECK_THAT(r.error().what, Catch::Contains("/dev/vfio/vfio is missing"));
    CHECK_THAT(r.error().fix, Catch::Contains("modprobe vfio-pci"));
  }
  SECTION("module loaded but the node is not there (a container)") {
    const auto r = preflight_as(t, vfio_test::kPf);
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kNoVfio);
    CHECK_THAT(r.error().what, Catch::Contains("/sys/module/vfio_pci"));
    CHECK_THAT(r.error().fix, Catch::Contains("--device /dev/vfio/vfio"));
  }
}

TEST_CASE("a PF on ixgbe: kWrongDriver with the rebind commands", "[vfio][preflight]") {
  auto t = vfio_test::x520_pf_with_vfs("vfio-pci");
  const auto r = preflight_as(t, vfio_test::kPf);
  REQUIRE_FALSE(r);
  CHECK(r.error().failure == OpenFailure::kWrongDriver);
  CHECK_THAT(r.error().what, Catch::Contains("0000:03:00.0 is bound to ixgbe"));
  const std::string& fix = r.error().fix;
  CHECK_THAT(fix, Catch::Contains("echo 0000:03:00.0 > /sys/bus/pci/devices/0000:03:00.0/driver/unbind"));
  CHECK_THAT(fix, Catch::Contains("echo vfio-pci > /sys/bus/pci/devices/0000:03:00.0/driver_override"));
  CHECK_THAT(fix, Catch::Contains("echo 0000:03:00.0 > /sys/bus/pci/drivers_probe"));
  CHECK_THAT(fix, Catch::Contains("dpdk-devbind.py -b vfio-pci 0000:03:00.0"));
  CHECK_THAT(fix, Catch::Contains("removes the PF's 2 VF(s)"));
  // Unbinding comes before the override in the fix, as it must on the command line.
  CHECK(fix.find("driver/unbind") < fix.find("driver_override"));
  CHECK(fix.find("driver_override") < fix.find("drivers_probe"));
}

TEST_CASE("a VF on ixgbevf: kWrongDriver mentioning sriov_drivers_autoprobe",
          "[vfio][preflight]") {
  auto t = vfio_test::x520_pf_with_vfs("ixgbevf");
  const auto r = preflight_as(t, vfio_test::kVf0);
  REQUIRE_FALSE(r);
  CHECK(r.error().failure == OpenFailure::kWrongDriver);
  CHECK_THAT(r.error().what, Catch::Contains("0000:03:10.0 is bound to ixgbevf"));
  CHECK_THAT(r.error().fix, Catch::Contains("/sys/bus/pci/devices/0000:03:10.0/driver_override"));
  CHECK_THAT(r.error().fix,
             Catch::Contains("/sys/bus/pci/devices/0000:03:00.0/sriov_drivers_autoprobe"));
}

TEST_CASE("an unbound function: kWrongDriver without an unbind step", "[vfio][preflight]") {
  auto t = vfio_test::x520_pf_on_vfio();
  t.unbind(std::string(vfio_test::kPf));
  const auto r = preflight_as(t, vfio_test::kPf);
  REQUIRE_FALSE(r);
  CHECK(r.error().failure == OpenFailure::kWrongDriver);
  CHECK_THAT(r.error().what, Catch::Contains("bound to no driver"));
  CHECK_THAT(r.error().fix, !Catch::Contains("unbind"));
  CHECK_THAT(r.error().fix, Catch::Contains("driver_override"));
}

TEST_CASE("a group member on a host driver: kGroupNotViable naming it", "[vfio][preflight]") {
  auto t = vfio_test::shared_group();
  const auto r = preflight_as(t, vfio_test::kPf);
  REQUIRE_FALSE(r);
  CHECK(r.error().failure == OpenFailure::kGroupNotViable);
  CHECK_THAT(r.error().what, Catch::Contains("IOMMU group 20"));
  CHECK_THAT(r.error().what, Catch::Contains("0000:03:00.1 (bound to ixgbe)"));
  CHECK_THAT(r.error().fix, Catch::Contains("bind 0000:03:00.1 to vfio-pci"));
  CHECK_THAT(r.error().fix, Catch::Contains("another function of the same card"));
}

TEST_CASE("a shared group behind a port without ACS adds the doctor's ACS remedy",
          "[vfio][preflight]") {
  auto t = vfio_test::shared_group();
  t.write("/sys/devices/pci0000:00/0000:00:01.0/config", root_port_config_without_acs());
  const auto r = preflight_as(t, vfio_test::kPf);
  REQUIRE_FALSE(r);
  CHECK(r.error().failure == OpenFailure::kGroupNotViable);
  CHECK_THAT(r.error().what, Catch::Contains("0000:00:01.0 (root port) has no ACS capability"));
  CHECK_THAT(r.error().fix, Catch::Contains("a root or switch port with ACS"));
}

TEST_CASE("group members that leave a group viable", "[vfio][preflight]") {
  auto t = vfio_test::x520_pf_on_vfio();
  // Each of these is allowed by the kernel: no driver, vfio-pci, pci-stub, a port on pcieport.
  t.add_function({.bdf = "0000:03:00.1", .iommu_group = 20});
  t.add_function({.bdf = "0000:03:00.2", .driver = "vfio-pci", .iommu_group = 20});
  t.add_function({.bdf = "0000:03:00.3", .driver = "pci-stub", .iommu_group = 20});
  t.link("/sys/kernel/iommu_groups/20/devices/0000:00:01.0",
         "../../../../devices/pci0000:00/0000:00:01.0");
  CHECK(preflight_as(t, vfio_test::kPf));
}

TEST_CASE("the group node missing: kNoPermission naming it", "[vfio][preflight]") {
  auto t = vfio_test::x520_pf_on_vfio();
  t.remove("/dev/vfio/20");
  const auto r = preflight_as(t, vfio_test::kPf);
  REQUIRE_FALSE(r);
  CHECK(r.error().failure == OpenFailure::kNoPermission);
  CHECK_THAT(r.error().what, Catch::Contains("/dev/vfio/20 is missing"));
  CHECK_THAT(r.error().fix, Catch::Contains("--device /dev/vfio/20"));
}

TEST_CASE("the group node by its mode bits", "[vfio][preflight]") {
  auto t = vfio_test::x520_pf_on_vfio();
  SECTION("root's 0600 node refuses a user") {
    const auto r = preflight_as(t, vfio_test::kPf, kUserCred);
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kNoPermission);
    CHECK_THAT(r.error().what, Catch::Contains("/dev/vfio/20 (mode 0600, owner 0:0)"));
    CHECK_THAT(r.error().what, Catch::Contains("uid 1000"));
    CHECK_THAT(r.error().fix, Catch::Contains("run as root"));
    CHECK_THAT(r.error().fix, Catch::Contains("chown USER /dev/vfio/20"));
    CHECK_THAT(r.error().fix, Catch::Contains("ulimit -l"));
  }
  SECTION("root passes whatever the mode") {
    t.add_group_node(20, 0000);
    CHECK(preflight_as(t, vfio_test::kPf, kRootCred));
  }
  SECTION("a container node only root may use") {
    t.write("/dev/vfio/vfio", "", 0600);
    const auto r = preflight_as(t, vfio_test::kPf, kUserCred);
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kNoPermission);
    CHECK_THAT(r.error().what, Catch::Contains("/dev/vfio/vfio"));
  }
}

TEST_CASE("may_read_write takes one class of mode bits, as the kernel does", "[vfio][preflight]") {
  vfio_test::SysfsTree t;
  const auto path = t.host("/dev/vfio/9");
  t.write("/dev/vfio/9", "", 0660);
  // Give the node to an ordinary owner where we may (CI runs as root); the credentials below
  // follow whoever owns it, so the classes are told apart either way.
  (void)::chown(path.c_str(), 4242, 4343);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  REQUIRE(st.st_uid != 0);
  const Credentials owner{.uid = st.st_uid, .gid = 1, .groups = {}};
  const Credentials member{.uid = st.st_uid + 1, .gid = 1, .groups = {st.st_gid}};
  const Credentials other{.uid = st.st_uid + 1, .gid = st.st_gid + 1, .groups = {}};
  CHECK(hal::vfio::may_read_write(path, owner));
  CHECK(hal::vfio::may_read_write(path, member));
  CHECK_FALSE(hal::vfio::may_read_write(path, other));
  CHECK(hal::vfio::may_read_write(path, kRootCred));
  ::chmod(path.c_str(), 0066);
  CHECK_FALSE(hal::vfio::may_read_write(path, owner));  // the owner's bits win over the rest
  CHECK(hal::vfio::may_read_write(path, member));
  CHECK(hal::vfio::may_read_write(path, other));
  ::chmod(path.c_str(), 0606);
  CHECK_FALSE(hal::vfio::may_read_write(path, member));  // the group's bits win over the others'
  CHECK(hal::vfio::may_read_write(path, other));
  ::chmod(path.c_str(), 0640);
  CHECK_FALSE(hal::vfio::may_read_write(path, member));  // read alone is not enough
  CHECK(hal::vfio::may_read_write(path, kRootCred));
  CHECK_FALSE(hal::vfio::may_read_write(t.host("/dev/vfio/missing"), kRootCred));
}

TEST_CASE("a no-IOMMU group needs root", "[vfio][preflight]") {
  auto t = vfio_test::x520_pf_on_vfio();
  t.remove("/dev/vfio/20");
  t.add_group_node(20, 0666, true);
  t.write("/sys/kernel/iommu_groups/20/name", "vfio-noiommu\n");
  const auto user = preflight_as(t, vfio_test::kPf, kUserCred);
  REQUIRE_FALSE(user);
  CHECK(user.error().failure == OpenFailure::kNoPermission);
  CHECK_THAT(user.error().what, Catch::Contains("/dev/vfio/noiommu-20"));
  CHECK_THAT(user.error().what, Catch::Contains("CAP_SYS_RAWIO"));
  CHECK(preflight_as(t, vfio_test::kPf, kRootCred));
}

TEST_CASE("preflight reports the first thing to fix", "[vfio][preflight]") {
  SECTION("no IOMMU before the wrong driver") {
    auto t = vfio_test::no_iommu();
    t.bind(std::string(vfio_test::kPf), "ixgbe");
    const auto r = preflight_as(t, vfio_test::kPf);
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kNoIommu);
  }
  SECTION("vfio-pci before the wrong driver") {
    auto t = vfio_test::x520_pf_with_vfs("ixgbevf");
    t.remove("/dev/vfio/vfio");
    t.remove("/sys/module/vfio_pci");
    const auto r = preflight_as(t, vfio_test::kVf0);
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kNoVfio);
  }
  SECTION("the driver before the group") {
    auto t = vfio_test::shared_group();
    t.bind(std::string(vfio_test::kPf), "ixgbe");
    const auto r = preflight_as(t, vfio_test::kPf);
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kWrongDriver);
  }
  SECTION("the group before the node") {
    auto t = vfio_test::shared_group();
    t.remove("/dev/vfio/20");
    const auto r = preflight_as(t, vfio_test::kPf);
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kGroupNotViable);
  }
}

TEST_CASE("hugepages_check: kNoHugepages with the doctor's fix", "[vfio][preflight]") {
  auto t = vfio_test::x520_pf_on_vfio();
  SECTION("no hugepage support") {
    const auto r = hal::vfio::hugepages_check(t.fs());
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kNoHugepages);
    CHECK_THAT(r.error().fix, Catch::Contains("CONFIG_HUGETLBFS"));
  }
  SECTION("none reserved") {
    t.set_hugepages(0, 0);
    const auto r = hal::vfio::hugepages_check(t.fs());
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kNoHugepages);
    CHECK_THAT(r.error().what, Catch::Contains("no hugepages are reserved"));
    CHECK_THAT(r.error().fix, Catch::Contains("hugepages-2048kB/nr_hugepages"));
  }
  SECTION("all in use") {
    t.set_hugepages(512, 0);
    const auto r = hal::vfio::hugepages_check(t.fs());
    REQUIRE_FALSE(r);
    CHECK(r.error().failure == OpenFailure::kNoHugepages);
    CHECK_THAT(r.error().what, Catch::Contains("in use"));
  }
  SECTION("reserved and free") {
    t.set_hugepages(512, 100);
    CHECK(hal::vfio::hugepages_check(t.fs()));
  }
}

TEST_CASE("the doctor's device section: ready and not ready", "[vfio][preflight]") {
  SECTION("ready") {
    auto t = vfio_test::x520_pf_with_vfs("vfio-pci");
    const auto d = hal::vfio::assess_device(t.fs(), vfio_test::kVf0);
    REQUIRE(d.ready());
    const doctor::Check c = d.check();
    CHECK(c.name == "device");
    CHECK(c.subject == vfio_test::kVf0);
    CHECK(c.status == doctor::Status::kPass);
    CHECK_THAT(c.finding, Catch::StartsWith("ready for VFIO: 8086:10ed (82599 VF) of 0000:03:00.0 (ixgbe)"));
    CHECK_THAT(c.finding, Catch::Contains("/dev/vfio/21"));
    CHECK(c.fix.empty());
    const auto j = d.json();
    CHECK(j["ready"] == true);
    CHECK(j["failure"].is_null());
    CHECK(j["group_node"] == "/dev/vfio/21");
  }
  SECTION("not ready") {
    auto t = vfio_test::x520_pf_with_vfs("ixgbevf");
    const auto d = hal::vfio::assess_device(t.fs(), vfio_test::kVf0);
    REQUIRE_FALSE(d.ready());
    const doctor::Check c = d.check();
    CHECK(c.status == doctor::Status::kFail);
    CHECK_THAT(c.finding, Catch::StartsWith("wrong_driver: 0000:03:10.0 is bound to ixgbevf"));
    CHECK_THAT(c.fix, Catch::Contains("driver_override"));
    CHECK_THAT(c.evidence.at(1), Catch::Contains("driver: ixgbevf"));
    const auto j = d.json();
    CHECK(j["ready"] == false);
    CHECK(j["failure"] == "wrong_driver");
    CHECK(j["fix"].get<std::string>() == c.fix);
  }
  SECTION("no such function") {
    auto t = vfio_test::x520_pf_on_vfio();
    const auto d = hal::vfio::assess_device(t.fs(), "0000:09:00.0");
    REQUIRE_FALSE(d.ready());
    CHECK(d.check().evidence.empty());
    CHECK(d.json()["failure"] == "no_such_function");
    CHECK(d.json()["group_node"].is_null());
  }
}
