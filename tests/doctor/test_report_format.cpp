// The two output forms: text lines with fixes and a summary, and one JSON object.

#include <catch2/catch.hpp>
#include <sstream>

#include "doctor/doctor.hpp"
#include "doctor/report_format.hpp"
#include "fixture_tree.hpp"

TEST_CASE("Text: one line per check, fixes under failures, a summary naming them",
          "[doctor][format]") {
  const auto r = doctor::run_checks(doctor::Fs(doctor_test::fixture("no-acs")));
  const std::string text = doctor::format_text(r, false);
  std::istringstream in(text);
  size_t status_lines = 0, fix_lines = 0;
  std::string line, last;
  while (std::getline(in, line)) {
    if (line.starts_with("PASS ") || line.starts_with("WARN ") || line.starts_with("FAIL "))
      ++status_lines;
    if (line.starts_with("     fix: ")) ++fix_lines;
    last = line;
  }
  CHECK(status_lines == r.checks.size());
  CHECK(fix_lines == 2);
  CHECK_THAT(text, Catch::Contains("FAIL acs[0000:01:00.0]: "));
  CHECK(last == "not ready: 2 failed (acs[0000:01:00.0], vf_isolation[0000:01:00.0]), 10 passed");
}

TEST_CASE("Text with evidence shows what each check read", "[doctor][format]") {
  const auto r = doctor::run_checks(doctor::Fs(doctor_test::fixture("ready")));
  const std::string text = doctor::format_text(r, true);
  CHECK_THAT(text, Catch::Contains("     | /proc/cmdline: BOOT_IMAGE="));
  CHECK_THAT(text, Catch::Contains("ACS at 0x148: implements SV TB RR CR UF, enabled SV RR CR UF"));
  CHECK_THAT(text, Catch::EndsWith("ready: 12 passed\n"));
}

TEST_CASE("JSON: every check with name, subject, status, finding, evidence and fix",
          "[doctor][format]") {
  const auto r = doctor::run_checks(doctor::Fs(doctor_test::fixture("sriov-off")));
  const nlohmann::json j = nlohmann::json::parse(doctor::to_json(r).dump());
  CHECK(j["verdict"] == "not ready");
  CHECK(j["exit_status"] == 2);
  CHECK(j["counts"]["fail"] == 1);
  REQUIRE(j["checks"].size() == r.checks.size());
  for (const auto& c : j["checks"]) {
    CHECK(c["name"].is_string());
    CHECK(c["subject"].is_string());
    CHECK(c["evidence"].is_array());
    CHECK(c["finding"].is_string());
    if (c["status"] == "PASS") {
      CHECK(c["fix"].is_null());
    } else {
      CHECK(c["fix"].is_string());
    }
  }
  const auto& failed = *std::find_if(j["checks"].begin(), j["checks"].end(),
                                     [](const nlohmann::json& c) { return c["status"] == "FAIL"; });
  CHECK(failed["name"] == "sriov_capability");
  CHECK(failed["subject"] == "0000:01:00.0");
}
