#pragma once
// Assertions on a whole report: which checks ran, in which order, with which verdicts.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "doctor/check.hpp"
#include "doctor/doctor.hpp"
#include "fixture_tree.hpp"

namespace doctor_test {

/// Every check run against the tree under `t`.
inline doctor::Report run_on(const ScratchTree& t) { return doctor::run_checks(doctor::Fs(t.root())); }

struct Expected {
  std::string name;
  std::string subject;
  doctor::Status status;
};

inline constexpr const char* kPf = "0000:01:00.0";

/// Requires exactly the checks in `want`, in that order, with those statuses. A WARN or FAIL
/// must carry a fix; a PASS none.
inline void require_checks(const doctor::Report& r, const std::vector<Expected>& want) {
  std::vector<std::string> got_names, want_names;
  for (const auto& c : r.checks) got_names.push_back(c.name + "[" + c.subject + "]");
  for (const auto& w : want) want_names.push_back(w.name + "[" + w.subject + "]");
  REQUIRE(got_names == want_names);
  for (size_t i = 0; i < want.size(); ++i) {
    INFO(want_names[i] << ": " << r.checks[i].finding);
    CHECK(r.checks[i].status == want[i].status);
    CHECK(r.checks[i].fix.empty() == (want[i].status == doctor::Status::kPass));
    CHECK_FALSE(r.checks[i].finding.empty());
    CHECK_FALSE(r.checks[i].evidence.empty());
  }
}

/// The status of one check; fails the test when it did not run.
inline doctor::Status status_of(const doctor::Report& r, const std::string& name,
                                const std::string& subject = "host") {
  const doctor::Check* c = r.find(name, subject);
  INFO(name << "[" << subject << "] ran");
  REQUIRE(c != nullptr);
  INFO(c->finding);
  return c->status;
}

}  // namespace doctor_test
