// A host whose 82599 has SR-IOV switched off in firmware: the capability is in config space
// with TotalVFs 0, so the kernel created no sriov_* attributes and there are no VFs.

#include <catch2/catch.hpp>

#include "doctor/doctor.hpp"
#include "fixture_tree.hpp"
#include "report_expect.hpp"

using doctor::Status;
using doctor_test::kPf;

TEST_CASE("SR-IOV-off fixture: the capability check fails and no VF check runs (exit 2)",
          "[doctor][fixture]") {
  const doctor::Report r = doctor::run_checks(doctor::Fs(doctor_test::fixture("sriov-off")));
  doctor_test::require_checks(r, {
                                     {"iommu", "host", Status::kPass},
                                     {"kernel_cmdline", "host", Status::kPass},
                                     {"interrupt_remapping", "host", Status::kPass},
                                     {"vfio", "host", Status::kPass},
                                     {"hugepages", "host", Status::kPass},
                                     {"sriov_devices", "host", Status::kPass},
                                     {"sriov_capability", kPf, Status::kFail},
                                     {"ari", kPf, Status::kPass},
                                     {"acs", kPf, Status::kPass},
                                     {"drivers", kPf, Status::kPass},
                                     {"numa", kPf, Status::kPass},
                                 });
  CHECK(r.verdict() == doctor::Verdict::kNotReady);
  CHECK(static_cast<int>(r.verdict()) == 2);
}

TEST_CASE("SR-IOV-off fixture: the finding says firmware and TotalVFs = 0", "[doctor][fixture]") {
  const doctor::Report r = doctor::run_checks(doctor::Fs(doctor_test::fixture("sriov-off")));
  const doctor::Check* c = r.find("sriov_capability", kPf);
  REQUIRE(c != nullptr);
  CHECK_THAT(c->finding, Catch::Contains("off in the firmware") && Catch::Contains("TotalVFs = 0"));
  CHECK_THAT(c->fix, Catch::Contains("enable SR-IOV in the system firmware"));
  bool config_evidence = false;
  for (const auto& e : c->evidence) config_evidence |= e.find("TotalVFs 0") != std::string::npos;
  CHECK(config_evidence);
}
