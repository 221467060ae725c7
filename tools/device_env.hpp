#pragma once
// What a tool's real-device path (--device vfio:...) takes from the host around it: the
// root of /sys and /dev, the OS calls, the clock, the EAL, where its lines go. The tools pass
// the defaults (the real host); tests pass the fake kernel's, so the same code paths run in
// CI against the simulated 82599 served as VFIO devices (tests/harness/sim_vfio_kernel.hpp,
// tests/harness/test_hw_tool_*.cpp).

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string_view>

#include "hal/clock.hpp"
#include "hal/vfio/sys_ops.hpp"
#include "harness/hw/hw_host.hpp"
#include "harness/hw/pf_serve.hpp"

namespace tools {

struct DeviceEnv {
  /// As harness::HwHostOptions' fields of the same names (defaults: the real host).
  std::filesystem::path root = "/";
  hal::vfio::SysOps* ops = nullptr;
  hal::Clock* clock = nullptr;
  std::function<void()> on_wait;
  std::function<size_t()> engine;
  std::function<void(std::string_view)> log;
  /// PF mode: the PF's MAC; zero, the one the EEPROM loaded into RAR 0 (a real card's). The
  /// simulated 82599's EEPROM holds none, so tests give one.
  hal::MacAddr pf_mac{};
  /// False: the tool starts the EAL itself (dp::Eal::init). True: one runs already (a test's
  /// dp::shared_eal(); an EAL comes once per process).
  bool eal_running = false;
  /// Where the tool's report and its error lines go.
  std::FILE* out = stdout;
  std::FILE* err = stderr;
  /// sriov-sim --serve: what the loop sleeps on. Empty: poll(2) on the PF's "other" vector
  /// and a signalfd for SIGINT/SIGTERM (tools/stop_signals.hpp).
  std::function<std::unique_ptr<harness::ServeWait>(harness::HwHost&)> serve_wait;

  /// Copies root, ops, clock, on_wait, engine, log and pf_mac into `o`.
  void apply(harness::HwHostOptions& o) const;
};

}  // namespace tools
