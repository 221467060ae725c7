// sriov-doctor: checks a Linux host's SR-IOV readiness from /sys and /proc and explains each
// failure with its fix (docs/doctor.md). --root reads a fixture tree instead of /. --device
// vfio:BDF adds a "device" check per function: can our VFIO backend open it, and if not, why
// (the same discover() and preflight() the tools run before opening it).
// Exit: 0 ready; 1 ready with warnings; 2 not ready, or bad arguments (one line on stderr).

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "doctor/doctor.hpp"
#include "doctor/report_format.hpp"
#include "hal/vfio/device_spec.hpp"
#include "hal/vfio/preflight_report.hpp"

int main(int argc, char** argv) {
  std::string root = "/";
  std::string device = "sim";
  bool json = false;
  bool evidence = false;
  CLI::App app{"Checks a Linux host's SR-IOV readiness and explains each failure with its fix"};
  app.add_option("--root", root, "read DIR as / instead of the running host (a fixture tree)")
      ->check(CLI::ExistingDirectory);
  app.add_option("--device", device,
                 "also check that VFIO can open these functions: vfio:DDDD:BB:DD.F[,...]; "
                 "sim (the default) checks none")
      ->type_name("SPEC");
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
  const auto spec = hal::vfio::parse_device_spec(device);
  if (!spec) {
    fmt::print(stderr, "sriov-doctor: --device: {}\n", spec.error());
    return 2;
  }

  const doctor::Fs fs(root);
  doctor::Report report = doctor::run_checks(fs);
  std::vector<hal::vfio::DeviceReadiness> devices;
  for (const auto& bdf : spec->bdfs) {
    devices.push_back(hal::vfio::assess_device(fs, bdf));
    report.checks.push_back(devices.back().check());
  }
  if (json) {
    auto out = doctor::to_json(report);
    if (!spec->sim()) {
      auto list = nlohmann::ordered_json::array();
      for (const auto& d : devices) list.push_back(d.json());
      out["devices"] = std::move(list);
    }
    fmt::print("{}\n", out.dump(2));
  } else {
    fmt::print("{}", doctor::format_text(report, evidence));
  }
  return static_cast<int>(report.verdict());
}
