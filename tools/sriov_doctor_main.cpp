// sriov-doctor: checks a Linux host's SR-IOV readiness from /sys and /proc and explains each
// failure with its fix (docs/doctor.md). --root reads a fixture tree instead of /.
// Exit: 0 ready; 1 ready with warnings; 2 not ready, or bad arguments (one line on stderr).

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <string>

#include "doctor/doctor.hpp"
#include "doctor/report_format.hpp"

int main(int argc, char** argv) {
  std::string root = "/";
  bool json = false;
  bool evidence = false;
  CLI::App app{"Checks a Linux host's SR-IOV readiness and explains each failure with its fix"};
  app.add_option("--root", root, "read DIR as / instead of the running host (a fixture tree)")
      ->check(CLI::ExistingDirectory);
  app.add_flag("--json", json, "print one JSON object with every check");
  app.add_flag("-v,--evidence", evidence, "text output: show what each check read");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "sriov-doctor: {}\n", e.what());
    return 2;
  }

  const doctor::Report report = doctor::run_checks(doctor::Fs(root));
  if (json) {
    fmt::print("{}\n", doctor::to_json(report).dump(2));
  } else {
    fmt::print("{}", doctor::format_text(report, evidence));
  }
  return static_cast<int>(report.verdict());
}
