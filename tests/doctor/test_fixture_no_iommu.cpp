// A host whose IOMMU is off: no units, no groups, intel_iommu=on missing, interrupts not
// remapped. The hardware below is the ready host's.

#include <catch2/catch.hpp>

#include "doctor/doctor.hpp"
#include "fixture_tree.hpp"
#include "report_expect.hpp"

using doctor::Status;
using doctor_test::kPf;

TEST_CASE("No-IOMMU fixture: iommu, interrupt remapping and VF isolation fail (exit 2)",
          "[doctor][fixture]") {
  const doctor::Report r = doctor::run_checks(doctor::Fs(doctor_test::fixture("no-iommu")));
  doctor_test::require_checks(r, {
                                     {"iommu", "host", Status::kFail},
                                     {"kernel_cmdline", "host", Status::kWarn},
                                     {"interrupt_remapping", "host", Status::kFail},
                                     {"vfio", "host", Status::kPass},
                                     {"hugepages", "host", Status::kPass},
                                     {"sriov_devices", "host", Status::kPass},
                                     {"sriov_capability", kPf, Status::kPass},
                                     {"ari", kPf, Status::kPass},
                                     {"acs", kPf, Status::kPass},
                                     {"drivers", kPf, Status::kPass},
                                     {"vf_isolation", kPf, Status::kFail},
                                     {"numa", kPf, Status::kPass},
                                 });
  CHECK(r.verdict() == doctor::Verdict::kNotReady);
  CHECK(static_cast<int>(r.verdict()) == 2);
}

TEST_CASE("No-IOMMU fixture: the fixes name VT-d and intel_iommu=on", "[doctor][fixture]") {
  const doctor::Report r = doctor::run_checks(doctor::Fs(doctor_test::fixture("no-iommu")));
  CHECK_THAT(r.find("iommu")->fix, Catch::Contains("VT-d") && Catch::Contains("intel_iommu=on"));
  CHECK_THAT(r.find("kernel_cmdline")->finding, Catch::Contains("intel_iommu=on is absent"));
  CHECK_THAT(r.find("interrupt_remapping")->finding, Catch::Contains("needs an active IOMMU"));
  CHECK_THAT(r.find("vf_isolation", kPf)->finding, Catch::Contains("no IOMMU group"));
}
