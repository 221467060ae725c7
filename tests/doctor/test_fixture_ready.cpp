// The ready host: IOMMU with interrupt remapping, ACS on the root port, ARI, 2 VFs of an 82599
// each alone in its group, vfio-pci loaded, hugepages on the PF's node.

#include <catch2/catch.hpp>

#include "doctor/doctor.hpp"
#include "fixture_tree.hpp"
#include "report_expect.hpp"

using doctor::Status;
using doctor_test::kPf;

TEST_CASE("Ready fixture: every check passes and the verdict is ready (exit 0)",
          "[doctor][fixture]") {
  const doctor::Fs fs(doctor_test::fixture("ready"));
  const doctor::Report r = doctor::run_checks(fs);
  doctor_test::require_checks(r, {
                                     {"iommu", "host", Status::kPass},
                                     {"kernel_cmdline", "host", Status::kPass},
                                     {"interrupt_remapping", "host", Status::kPass},
                                     {"vfio", "host", Status::kPass},
                                     {"hugepages", "host", Status::kPass},
                                     {"sriov_devices", "host", Status::kPass},
                                     {"sriov_capability", kPf, Status::kPass},
                                     {"ari", kPf, Status::kPass},
                                     {"acs", kPf, Status::kPass},
                                     {"drivers", kPf, Status::kPass},
                                     {"vf_isolation", kPf, Status::kPass},
                                     {"numa", kPf, Status::kPass},
                                 });
  CHECK(r.verdict() == doctor::Verdict::kReady);
  CHECK(static_cast<int>(r.verdict()) == 0);
}

TEST_CASE("Ready fixture: findings name what was found", "[doctor][fixture]") {
  const doctor::Report r = doctor::run_checks(doctor::Fs(doctor_test::fixture("ready")));
  CHECK_THAT(r.find("iommu")->finding, Catch::Contains("dmar0 (Intel VT-d)"));
  CHECK_THAT(r.find("interrupt_remapping")->finding, Catch::Contains("IR-IO-APIC"));
  CHECK_THAT(r.find("sriov_capability", kPf)->finding, Catch::Contains("2 of 63 VFs"));
  CHECK_THAT(r.find("acs", kPf)->finding, Catch::Contains("0000:00:01.0 (root port)"));
  CHECK_THAT(r.find("drivers", kPf)->finding,
             Catch::Contains("0000:01:10.0 vfio-pci") && Catch::Contains("0000:01:10.2 ixgbevf"));
  CHECK_THAT(r.find("vf_isolation", kPf)->finding, Catch::Contains("(40, 41)"));
  CHECK_THAT(r.find("numa", kPf)->finding, Catch::Contains("node 0"));
}
