// discover() against fixture trees laid out as Linux lays out /sys.

#include <catch2/catch.hpp>

#include "hal/vfio/discovery.hpp"
#include "tests/vfio/sysfs_tree.hpp"

using hal::vfio::discover;
using hal::vfio::OpenFailure;

TEST_CASE("the fixture builder stores relative links as the kernel does", "[vfio][discovery]") {
  auto t = vfio_test::x520_pf_with_vfs();
  const doctor::Fs fs = t.fs();
  CHECK(fs.link_target("/sys/bus/pci/devices/0000:03:00.0") ==
        "../../../devices/pci0000:00/0000:00:01.0/0000:03:00.0");
  const std::string dir = "/sys/devices/pci0000:00/0000:00:01.0/0000:03:00.0";
  CHECK(fs.link_target(dir + "/driver") == "../../../../bus/pci/drivers/ixgbe");
  CHECK(fs.link_target(dir + "/iommu_group") == "../../../../kernel/iommu_groups/20");
  CHECK(fs.link_target(dir + "/virtfn1") == "../0000:03:10.2");
  CHECK(fs.link_target("/sys/devices/pci0000:00/0000:00:01.0/0000:03:10.0/physfn") ==
        "../0000:03:00.0");
  CHECK(fs.link_target("/sys/kernel/iommu_groups/21/devices/0000:03:10.0") ==
        "../../../../devices/pci0000:00/0000:00:01.0/0000:03:10.0");
  CHECK(fs.is_dir("/sys/bus/pci/drivers/ixgbe"));
}

TEST_CASE("an X520 PF on vfio-pci without VFs", "[vfio][discovery]") {
  auto t = vfio_test::x520_pf_on_vfio();
  const auto f = discover(t.fs(), vfio_test::kPf);
  REQUIRE(f);
  CHECK(f->bdf == vfio_test::kPf);
  CHECK(f->vendor == 0x8086);
  CHECK(f->device == 0x10fb);
  CHECK_FALSE(f->is_vf);
  CHECK(f->driver == "vfio-pci");
  CHECK(f->iommu_group == 20u);
  CHECK_FALSE(f->noiommu);
  CHECK(f->group_node() == "/dev/vfio/20");
  CHECK(f->total_vfs == 63u);
  CHECK(f->num_vfs == 0u);
  CHECK(f->virtfns.empty());
  CHECK_FALSE(f->physfn);
  CHECK_FALSE(f->pf_driver);
}

TEST_CASE("a PF on ixgbe lists its VFs in virtfn order", "[vfio][discovery]") {
  auto t = vfio_test::x520_pf_with_vfs("ixgbevf");
  const auto f = discover(t.fs(), vfio_test::kPf);
  REQUIRE(f);
  CHECK(f->driver == "ixgbe");
  CHECK(f->num_vfs == 2u);
  CHECK(f->total_vfs == 63u);
  CHECK(f->virtfns == std::vector<std::string>{std::string(vfio_test::kVf0), std::string(vfio_test::kVf1)});
}

TEST_CASE("a VF names its PF and the PF's driver", "[vfio][discovery]") {
  auto t = vfio_test::x520_pf_with_vfs("vfio-pci");
  const auto f = discover(t.fs(), vfio_test::kVf1);
  REQUIRE(f);
  CHECK(f->is_vf);
  CHECK(f->device == 0x10ed);
  CHECK(f->physfn == std::string(vfio_test::kPf));
  CHECK(f->pf_driver == "ixgbe");
  CHECK(f->driver == "vfio-pci");
  CHECK(f->iommu_group == 22u);
  CHECK(f->group_node() == "/dev/vfio/22");
  CHECK_FALSE(f->total_vfs);
  CHECK_FALSE(f->num_vfs);
}

TEST_CASE("a function without an IOMMU group has no group node", "[vfio][discovery]") {
  auto t = vfio_test::no_iommu();
  const auto f = discover(t.fs(), vfio_test::kPf);
  REQUIRE(f);
  CHECK_FALSE(f->iommu_group);
  CHECK(f->group_node().empty());
}

TEST_CASE("vfio's no-IOMMU groups are recognised by name or by node", "[vfio][discovery]") {
  auto t = vfio_test::no_iommu();
  t.remove("/sys/devices/pci0000:00/0000:00:01.0/0000:03:00.0");
  t.add_function({.bdf = std::string(vfio_test::kPf), .driver = "vfio-pci", .iommu_group = 0,
                  .total_vfs = 63});
  SECTION("the group's name attribute") {
    t.write("/sys/kernel/iommu_groups/0/name", "vfio-noiommu\n");
  }
  SECTION("the /dev/vfio/noiommu-N node") { t.add_group_node(0, 0600, true); }
  const auto f = discover(t.fs(), vfio_test::kPf);
  REQUIRE(f);
  CHECK(f->noiommu);
  CHECK(f->group_node() == "/dev/vfio/noiommu-0");
}

TEST_CASE("discover refuses a malformed address", "[vfio][discovery]") {
  auto t = vfio_test::x520_pf_on_vfio();
  for (const std::string_view bad : {"0000:03:00.x", "03:00", "0000:03:20.0", "", "sim"}) {
    const auto f = discover(t.fs(), bad);
    REQUIRE_FALSE(f);
    CHECK(f.error().failure == OpenFailure::kBadAddress);
    CHECK_THAT(f.error().what, Catch::Contains("'" + std::string(bad) + "'"));
    CHECK_THAT(f.error().fix, Catch::Contains("lspci -D"));
  }
}

TEST_CASE("discover names a function that is not there", "[vfio][discovery]") {
  auto t = vfio_test::x520_pf_on_vfio();
  const auto f = discover(t.fs(), "0000:04:00.0");
  REQUIRE_FALSE(f);
  CHECK(f.error().failure == OpenFailure::kNoSuchFunction);
  CHECK_THAT(f.error().what, Catch::Contains("0000:04:00.0"));
  CHECK_THAT(f.error().what, Catch::Contains("/sys/bus/pci/devices/0000:04:00.0"));
  CHECK_THAT(f.error().fix, Catch::Contains("sriov_numvfs"));
}

TEST_CASE("discover refuses a function that is not an 82599, naming its ids",
          "[vfio][discovery]") {
  auto t = vfio_test::x520_pf_on_vfio();
  SECTION("an X710") {
    t.add_function({.bdf = "0000:05:00.0", .device = 0x1572, .driver = "i40e", .iommu_group = 30});
    const auto f = discover(t.fs(), "0000:05:00.0");
    REQUIRE_FALSE(f);
    CHECK(f.error().failure == OpenFailure::kNotSupported);
    CHECK_THAT(f.error().what, Catch::Contains("8086:1572"));
    CHECK_THAT(f.error().what, Catch::Contains("8086:10fb"));
  }
  SECTION("another vendor's function with the 82599's device id") {
    t.add_function({.bdf = "0000:05:00.0", .vendor = 0x15b3, .device = 0x10fb});
    const auto f = discover(t.fs(), "0000:05:00.0");
    REQUIRE_FALSE(f);
    CHECK(f.error().failure == OpenFailure::kNotSupported);
    CHECK_THAT(f.error().what, Catch::Contains("15b3:10fb"));
  }
  SECTION("unreadable ids") {
    t.remove("/sys/devices/pci0000:00/0000:00:01.0/0000:03:00.0/device");
    const auto f = discover(t.fs(), vfio_test::kPf);
    REQUIRE_FALSE(f);
    CHECK(f.error().failure == OpenFailure::kNotSupported);
    CHECK_THAT(f.error().what, Catch::Contains("8086:????"));
  }
}
