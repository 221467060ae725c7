// Each failing step of open_function(): the right OpenFailure, a fix naming what to do, and
// nothing left open, mapped or enabled.

#include <catch2/catch.hpp>

#include <cerrno>

#include "hal/vfio/open.hpp"
#include "tests/vfio/open_fixture.hpp"

using hal::vfio::OpenError;
using hal::vfio::OpenFailure;
using hal::vfio::VfToken;
using vfio_test::OpenFixture;
using vfio_test::Situation;

namespace {

/// Opens, expects failure `want`, checks the error names the function and has a fix, and that
/// the fake kernel holds nothing afterwards.
OpenError expect_open_failure(OpenFixture& fx, OpenFailure want,
                              std::optional<VfToken> token = std::nullopt) {
  auto o = fx.options();
  o.vf_token = token;
  auto f = hal::vfio::open_function(o);
  REQUIRE_FALSE(f.has_value());
  const OpenError e = f.error();
  INFO(e.message());
  CHECK(e.failure == want);
  CHECK_FALSE(e.fix.empty());
  CHECK(e.what.find(fx.bdf()) != std::string::npos);
  CHECK(e.message().find("Fix: ") != std::string::npos);
  const auto leaks = fx.ops.leaks();
  INFO("leaks: " << leaks.size());
  for (const auto& l : leaks) UNSCOPED_INFO(l);
  CHECK(leaks.empty());
  return e;
}

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("open error: no /dev/vfio/vfio is kNoVfio, naming modprobe", "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.fail("open /dev/vfio/vfio", ENOENT);
  const auto e = expect_open_failure(fx, OpenFailure::kNoVfio);
  CHECK(has(e.fix, "modprobe vfio-pci"));
}

TEST_CASE("open error: /dev/vfio/vfio with no driver behind it (ENXIO) is kNoVfio",
          "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.fail("open /dev/vfio/vfio", ENXIO);
  const auto e = expect_open_failure(fx, OpenFailure::kNoVfio);
  CHECK(has(e.what, "not loaded"));
  CHECK(has(e.fix, "modprobe vfio-pci"));
}

TEST_CASE("open error: /dev/vfio/vfio refused is kNoPermission", "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.fail("open /dev/vfio/vfio", EACCES);
  const auto e = expect_open_failure(fx, OpenFailure::kNoPermission);
  CHECK(has(e.fix, "root"));
}

TEST_CASE("open error: another VFIO API version is kSystem", "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.script.api_version = 1;
  const auto e = expect_open_failure(fx, OpenFailure::kSystem);
  CHECK(has(e.what, "VFIO_GET_API_VERSION"));
  CHECK(fx.ops.count("open /dev/vfio/20") == 0);
}

TEST_CASE("open error: no type1 IOMMU model is kNoIommu", "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.script.type1v2 = false;
  fx.ops.script.type1 = false;
  const auto e = expect_open_failure(fx, OpenFailure::kNoIommu);
  CHECK(has(e.fix, "vfio_iommu_type1"));
}

TEST_CASE("open error: the group node refused is kNoPermission naming the node",
          "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.fail("open /dev/vfio/20", EACCES);
  const auto e = expect_open_failure(fx, OpenFailure::kNoPermission);
  CHECK(has(e.fix, "/dev/vfio/20"));
  CHECK(has(e.fix, "ulimit -l"));
}

TEST_CASE("open error: the group held by another process names fuser", "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.fail("open /dev/vfio/20", EBUSY);
  const auto e = expect_open_failure(fx, OpenFailure::kSystem);
  CHECK(has(e.fix, "fuser -v"));
}

TEST_CASE("open error: a group the kernel calls not viable is kGroupNotViable, naming members",
          "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  // Preflight sees every member on vfio-pci; the kernel still refuses (a member it counts that
  // sysfs did not show yet).
  fx.tree.add_function({.bdf = "0000:03:00.1", .driver = "vfio-pci", .iommu_group = 20, .total_vfs = 63});
  fx.ops.script.viable = false;
  const auto e = expect_open_failure(fx, OpenFailure::kGroupNotViable);
  CHECK(has(e.what, "0000:03:00.1 (vfio-pci)"));
  CHECK(fx.ops.count("ioctl VFIO_GROUP_SET_CONTAINER") == 0);
}

TEST_CASE("open error: SET_CONTAINER EPERM (a member's host driver owns DMA) is kGroupNotViable "
          "naming the members", "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  // Preflight's rule passes pcieport; a kernel 5.19+ still refuses to claim DMA ownership of a
  // group whose member's driver uses the DMA API.
  fx.tree.add_function({.bdf = "0000:03:00.1", .driver = "pci-stub", .iommu_group = 20});
  fx.ops.fail("ioctl VFIO_GROUP_SET_CONTAINER", EPERM);
  const auto e = expect_open_failure(fx, OpenFailure::kGroupNotViable);
  CHECK(has(e.what, "0000:03:00.1 (pci-stub)"));
  CHECK(has(e.fix, "/sys/kernel/iommu_groups/20/devices"));
  CHECK_FALSE(has(e.fix, "chown"));
}

TEST_CASE("open error: SET_CONTAINER refused is kSystem", "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.fail("ioctl VFIO_GROUP_SET_CONTAINER", EINVAL);
  expect_open_failure(fx, OpenFailure::kSystem);
}

TEST_CASE("open error: SET_IOMMU EPERM is kNoIommu naming interrupt remapping",
          "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.fail("ioctl VFIO_SET_IOMMU", EPERM);
  const auto e = expect_open_failure(fx, OpenFailure::kNoIommu);
  // The module is loaded by then: its parameter is changed in sysfs, and modprobe options only
  // reach a later load.
  CHECK(has(e.fix, "echo 1 > /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"));
  CHECK(has(e.fix, "options vfio_iommu_type1 allow_unsafe_interrupts=1"));
  CHECK(has(e.fix, "/etc/modprobe.d/"));
  CHECK(has(e.fix, "iommufd"));
  CHECK_FALSE(has(e.fix, "modprobe vfio_iommu_type1 allow_unsafe_interrupts"));
  // The group was in the container: it is taken out before it closes.
  CHECK(fx.ops.count("ioctl VFIO_GROUP_UNSET_CONTAINER") == 1);
}

TEST_CASE("open error: the device in use elsewhere (EBUSY) names fuser", "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.fail("ioctl VFIO_GROUP_GET_DEVICE_FD", EBUSY);
  const auto e = expect_open_failure(fx, OpenFailure::kSystem);
  CHECK(has(e.what, "in use by another process"));
  CHECK(has(e.fix, "fuser -v /dev/vfio/20"));
}

TEST_CASE("open error: a VF of a vfio-pci PF without token is kVfTokenRequired",
          "[vfio][open-errors]") {
  OpenFixture fx(Situation::kVfOfVfioPf);
  const auto e = expect_open_failure(fx, OpenFailure::kVfTokenRequired);
  CHECK(has(e.fix, "--vf-token"));
  CHECK(has(e.what, "0000:03:00.0"));  // the PF whose owner has the token
  CHECK(fx.ops.count("ioctl VFIO_GROUP_GET_DEVICE_FD 0000:03:10.0") == 1);
}

TEST_CASE("open error: a VF of a vfio-pci PF with the wrong token is kVfTokenRequired",
          "[vfio][open-errors]") {
  OpenFixture fx(Situation::kVfOfVfioPf);
  const auto wrong = VfToken::parse("00000000-0000-4000-8000-000000000000");
  const auto e = expect_open_failure(fx, OpenFailure::kVfTokenRequired, wrong);
  CHECK(has(e.what, wrong->str()));
  CHECK(has(e.fix, "--vf-token"));
}

TEST_CASE("open error: a PF whose VFs are in use needs their token", "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.script.vfs_in_use = true;
  fx.ops.script.token = std::string(vfio_test::kPfToken);
  const auto e = expect_open_failure(fx, OpenFailure::kVfTokenRequired);
  CHECK(has(e.fix, "--vf-token"));
}

TEST_CASE("open error: a device VFIO does not call PCI is kNotSupported", "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.script.device_flags = VFIO_DEVICE_FLAGS_PLATFORM;
  expect_open_failure(fx, OpenFailure::kNotSupported);
  CHECK(fx.ops.count("close device 0000:03:00.0") == 1);
}

TEST_CASE("open error: region info refused is kSystem", "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.fail("ioctl VFIO_DEVICE_GET_REGION_INFO index=7", EINVAL);
  const auto e = expect_open_failure(fx, OpenFailure::kSystem);
  CHECK(has(e.what, "index 7"));
}

TEST_CASE("open error: the PF's token refused by FEATURE (no SR-IOV capability) is kSystem",
          "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.fail("ioctl VFIO_DEVICE_FEATURE", ENOTTY);
  const auto e = expect_open_failure(fx, OpenFailure::kSystem, VfToken::parse(vfio_test::kPfToken));
  CHECK(has(e.fix, "5.7"));
}

TEST_CASE("open error: a kernel without VF tokens (ENODEV for \"BDF vf_token=...\") says so",
          "[vfio][open-errors]") {
  // Before Linux 5.7 the device name is matched whole, so the token makes it unknown.
  SECTION("a PF") {
    OpenFixture fx(Situation::kPfOnVfio);
    fx.ops.fail("ioctl VFIO_GROUP_GET_DEVICE_FD 0000:03:00.0 vf_token=", ENODEV);
    const auto e = expect_open_failure(fx, OpenFailure::kSystem, VfToken::parse(vfio_test::kPfToken));
    CHECK(has(e.what, "Linux < 5.7"));
    CHECK(has(e.fix, "drop --vf-token"));
  }
  SECTION("a VF of a vfio-pci PF") {
    OpenFixture fx(Situation::kVfOfVfioPf);
    fx.ops.fail("ioctl VFIO_GROUP_GET_DEVICE_FD 0000:03:10.0 vf_token=", ENODEV);
    const auto e = expect_open_failure(fx, OpenFailure::kSystem, VfToken::parse(vfio_test::kPfToken));
    CHECK(has(e.what, "Linux < 5.7"));
  }
  SECTION("ENODEV without a token is not blamed on tokens") {
    OpenFixture fx(Situation::kPfOnVfio);
    fx.ops.fail("ioctl VFIO_GROUP_GET_DEVICE_FD", ENODEV);
    const auto e = expect_open_failure(fx, OpenFailure::kSystem);
    CHECK_FALSE(has(e.what, "5.7"));
  }
}

TEST_CASE("open error: a function that reads all-ones in config space is kDeviceGone",
          "[vfio][open-errors]") {
  OpenFixture fx(Situation::kVfOfKernelPf);
  fx.ops.surprise_remove();
  const auto e = expect_open_failure(fx, OpenFailure::kDeviceGone);
  CHECK(has(e.what, "does not answer config reads"));
  CHECK(has(e.what, "PF disabled SR-IOV"));
  // Found before anything is mapped or wired.
  CHECK(fx.ops.count("mmap") == 0);
  CHECK(fx.ops.count("eventfd") == 0);
}

TEST_CASE("open error: out of eventfds is kSystem and closes the ones made", "[vfio][open-errors]") {
  OpenFixture fx(Situation::kPfOnVfio);
  fx.ops.fail("eventfd", EMFILE);
  expect_open_failure(fx, OpenFailure::kSystem);
  CHECK(fx.ops.count("munmap region0") == 1);
}

TEST_CASE("open error: MSI-X refused is kSystem, eventfds closed, BAR unmapped",
          "[vfio][open-errors]") {
  OpenFixture fx(Situation::kVfOfKernelPf);
  fx.ops.fail("ioctl VFIO_DEVICE_SET_IRQS MSIX EVENTFD", EINVAL);
  expect_open_failure(fx, OpenFailure::kSystem);
  CHECK(fx.ops.count("eventfd") == 3);
  // MSI-X never came on, so there is nothing to turn off.
  CHECK(fx.ops.count("ioctl VFIO_DEVICE_SET_IRQS MSIX NONE") == 0);
}

TEST_CASE("open error: sysfs problems are reported before any VFIO call", "[vfio][open-errors]") {
  SECTION("a bad address") {
    OpenFixture fx(Situation::kPfOnVfio);
    auto o = fx.options();
    o.bdf = "03:00";
    auto f = hal::vfio::open_function(o);
    REQUIRE_FALSE(f.has_value());
    CHECK(f.error().failure == OpenFailure::kBadAddress);
    CHECK(fx.ops.calls.empty());
  }
  SECTION("bound to the kernel's driver") {
    OpenFixture fx(Situation::kPfOnVfio);
    fx.tree.bind(std::string(vfio_test::kPf), "ixgbe");
    auto f = fx.open();
    REQUIRE_FALSE(f.has_value());
    CHECK(f.error().failure == OpenFailure::kWrongDriver);
    CHECK(fx.ops.calls.empty());
  }
}

TEST_CASE("open_function with the real kernel and / fails fast on a host without the function",
          "[vfio][open-errors]") {
  const std::string bdf = "0000:7f:1f.7";
  if (std::filesystem::exists("/sys/bus/pci/devices/" + bdf)) {
    WARN("not checked: this host has " + bdf);
    return;
  }
  hal::vfio::OpenOptions o;
  o.bdf = bdf;
  auto f = hal::vfio::open_function(o);
  REQUIRE_FALSE(f.has_value());
  CHECK(f.error().failure == OpenFailure::kNoSuchFunction);
  CHECK_FALSE(f.error().fix.empty());
}
