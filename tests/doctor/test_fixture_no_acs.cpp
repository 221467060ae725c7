// A host whose root port has no ACS: the kernel groups the port, the PF and its VFs together.

#include <catch2/catch.hpp>

#include "doctor/doctor.hpp"
#include "fixture_tree.hpp"
#include "report_expect.hpp"

using doctor::Status;
using doctor_test::kPf;

TEST_CASE("No-ACS fixture: ACS and VF isolation fail, the rest passes (exit 2)",
          "[doctor][fixture]") {
  const doctor::Report r = doctor::run_checks(doctor::Fs(doctor_test::fixture("no-acs")));
  doctor_test::require_checks(r, {
                                     {"iommu", "host", Status::kPass},
                                     {"kernel_cmdline", "host", Status::kPass},
                                     {"interrupt_remapping", "host", Status::kPass},
                                     {"vfio", "host", Status::kPass},
                                     {"hugepages", "host", Status::kPass},
                                     {"sriov_devices", "host", Status::kPass},
                                     {"sriov_capability", kPf, Status::kPass},
                                     {"ari", kPf, Status::kPass},
                                     {"acs", kPf, Status::kFail},
                                     {"drivers", kPf, Status::kPass},
                                     {"vf_isolation", kPf, Status::kFail},
                                     {"numa", kPf, Status::kPass},
                                 });
  CHECK(r.verdict() == doctor::Verdict::kNotReady);
  CHECK(static_cast<int>(r.verdict()) == 2);
}

TEST_CASE("No-ACS fixture: the findings name the port and the shared group", "[doctor][fixture]") {
  const doctor::Report r = doctor::run_checks(doctor::Fs(doctor_test::fixture("no-acs")));
  CHECK_THAT(r.find("acs", kPf)->finding,
             Catch::Contains("0000:00:01.0 (root port) has no ACS capability"));
  CHECK_THAT(r.find("vf_isolation", kPf)->finding,
             Catch::Contains(
                 "0000:01:10.0 shares group 7 with 0000:00:01.0, 0000:01:00.0 and 0000:01:10.2"));
}
