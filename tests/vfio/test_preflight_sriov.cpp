// The SR-IOV checks tools make before DPDK starts (preflight_enable_vfs, preflight_vf_token),
// the enable_sriov advice for a vfio-pci PF, the doctor's view of them, and the last refusal a
// PF function keeps for a tool's final line.

#include <catch2/catch.hpp>

#include "hal/vfio/open.hpp"
#include "hal/vfio/preflight_report.hpp"
#include "hal/vfio/preflight_sriov.hpp"
#include "tests/vfio/open_fixture.hpp"

using hal::vfio::Credentials;
using hal::vfio::OpenFailure;
using vfio_test::SysfsTree;

namespace {

hal::vfio::FunctionInfo discovered(const SysfsTree& t, std::string_view bdf) {
  auto f = hal::vfio::discover(t.fs(), bdf);
  REQUIRE(f.has_value());
  return *f;
}

Credentials root_cred() { return Credentials{}; }
Credentials user_cred() { return Credentials{.uid = 1000, .gid = 1000, .groups = {}}; }

bool mentions(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("preflight_enable_vfs: enable_sriov, totalvfs and a writable sriov_numvfs",
          "[vfio][preflight-sriov]") {
  SECTION("ready as root") {
    SysfsTree t = vfio_test::x520_pf_on_vfio(/*enable_sriov=*/true);
    CHECK(hal::vfio::preflight_enable_vfs(t.fs(), discovered(t, vfio_test::kPf), 4, root_cred()).has_value());
  }
  SECTION("vfio-pci without enable_sriov") {
    SysfsTree t = vfio_test::x520_pf_on_vfio(/*enable_sriov=*/false);
    auto r = hal::vfio::preflight_enable_vfs(t.fs(), discovered(t, vfio_test::kPf), 4, root_cred());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().failure == OpenFailure::kSriovNotEnabled);
    CHECK(mentions(r.error().fix, "echo 1 > /sys/module/vfio_pci/parameters/enable_sriov"));
  }
  SECTION("more VFs than sriov_totalvfs") {
    SysfsTree t = vfio_test::x520_pf_on_vfio(/*enable_sriov=*/true);
    auto r = hal::vfio::preflight_enable_vfs(t.fs(), discovered(t, vfio_test::kPf), 64, root_cred());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().failure == OpenFailure::kSriovNotEnabled);
    CHECK(mentions(r.error().fix, "at most 63"));
  }
  SECTION("sriov_numvfs not writable by an ordinary user") {
    SysfsTree t = vfio_test::x520_pf_on_vfio(/*enable_sriov=*/true);
    auto r = hal::vfio::preflight_enable_vfs(t.fs(), discovered(t, vfio_test::kPf), 4, user_cred());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().failure == OpenFailure::kNoPermission);
    CHECK(mentions(r.error().what, "/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs"));
  }
  SECTION("a VF") {
    SysfsTree t = vfio_test::x520_pf_with_vfs("vfio-pci");
    auto r = hal::vfio::preflight_enable_vfs(t.fs(), discovered(t, vfio_test::kVf0), 1, root_cred());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().failure == OpenFailure::kSriovNotEnabled);
  }
}

TEST_CASE("enable_sriov advice for a vfio-pci PF keeps autoprobe on: vfio-pci binds its VFs",
          "[vfio][preflight-sriov]") {
  SysfsTree t = vfio_test::x520_pf_on_vfio(/*enable_sriov=*/false);
  auto r = hal::vfio::check_vfs_possible(t.fs(), discovered(t, vfio_test::kPf), 2);
  REQUIRE_FALSE(r.has_value());
  CHECK(mentions(r.error().fix, "bind to vfio-pci by themselves"));
  CHECK(mentions(r.error().fix, "sriov_drivers_autoprobe at 1"));
  CHECK_FALSE(mentions(r.error().fix, "echo 0 >"));
  CHECK_FALSE(mentions(r.error().fix, "echo vfio-pci >"));
}

TEST_CASE("preflight_vf_token: a VF of a vfio-pci PF needs a token", "[vfio][preflight-sriov]") {
  SysfsTree t = vfio_test::x520_pf_on_vfio(/*enable_sriov=*/true);
  t.add_vfs(std::string(vfio_test::kPf), {std::string(vfio_test::kVf0)}, "vfio-pci", 21u);
  const auto vf = discovered(t, vfio_test::kVf0);
  auto r = hal::vfio::preflight_vf_token(vf, /*have_token=*/false);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().failure == OpenFailure::kVfTokenRequired);
  CHECK(mentions(r.error().what, "0000:03:00.0"));
  CHECK(mentions(r.error().fix, "--vf-token"));
  CHECK(hal::vfio::preflight_vf_token(vf, /*have_token=*/true).has_value());

  SysfsTree k = vfio_test::x520_pf_with_vfs("vfio-pci");  // PF on ixgbe: no token
  CHECK(hal::vfio::preflight_vf_token(discovered(k, vfio_test::kVf0), false).has_value());
  CHECK(hal::vfio::preflight_vf_token(discovered(k, vfio_test::kPf), false).has_value());
}

TEST_CASE("the doctor's device check: a vfio-pci PF without enable_sriov is a WARN naming it",
          "[vfio][preflight-sriov]") {
  SysfsTree t = vfio_test::x520_pf_on_vfio(/*enable_sriov=*/false);
  const auto r = hal::vfio::assess_device(t.fs(), vfio_test::kPf);
  REQUIRE(r.ready());
  const auto c = r.check();
  CHECK(c.status == doctor::Status::kWarn);
  CHECK(mentions(c.finding, "enable_sriov"));
  bool shown = false;
  for (const auto& e : c.evidence) shown |= mentions(e, "enable_sriov: N");
  CHECK(shown);
  const auto j = r.json();
  CHECK(j["enable_sriov"] == false);
  CHECK(j["vfs_possible"] == false);

  t.set_enable_sriov(true);
  const auto ok = hal::vfio::assess_device(t.fs(), vfio_test::kPf);
  CHECK(ok.check().status == doctor::Status::kPass);
  CHECK(ok.json()["vfs_possible"] == true);
}

TEST_CASE("a refused set_sriov_num_vfs keeps its OpenError for the tool's final line",
          "[vfio][preflight-sriov]") {
  vfio_test::OpenFixture fx(vfio_test::Situation::kPfOnVfio);
  fx.tree.set_enable_sriov(false);
  auto f = fx.open();
  REQUIRE(f.has_value());
  CHECK_FALSE((*f)->last_error().has_value());
  REQUIRE_FALSE((*f)->set_sriov_num_vfs(2).has_value());
  const auto e = (*f)->last_error();
  REQUIRE(e.has_value());
  CHECK(e->failure == OpenFailure::kSriovNotEnabled);
  CHECK(mentions(e->fix, "enable_sriov"));
}
