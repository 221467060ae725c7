// sriov-sim's real-device paths (tools/sim_hw.hpp, tools/sim_serve.hpp) run against the fake
// kernel serving the simulated 82599 as VFIO devices (tests/harness/sim_vfio_kernel.hpp),
// through the tools' test injection (tools/device_env.hpp): the report on a PF, refusals,
// failures half-way, traffic and its loss rule, and --serve's stop and surprise removal.
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "datapath/eal.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/vfio/open.hpp"
#include "harness/sim_host.hpp"
#include "tests/harness/hw_tool_env.hpp"
#include "tools/loss_rule.hpp"
#include "tools/sim_hw.hpp"
#include "tools/sim_serve.hpp"

namespace {

using hw_tool::ToolCapture;
using hw_tool::ToolEnv;

tools::HwSimArgs tool_args(const std::string& device, unsigned vfs) {
  tools::HwSimArgs a;
  a.device.device = device;
  REQUIRE(tools::check_device_args(a.device).empty());
  a.vfs = vfs;
  a.seed = 7;
  return a;
}

/// SDP3 drives the SFP+ module's TX_DISABLE: set, the laser is dark (what stop() leaves).
bool tool_laser_off(sim_vfio::SimVfioRig& r) {
  namespace reg = hal::ixgbe::pf;
  return (r.dev->pf().bar0().read(reg::ESDP) & reg::esdp::kSdp3) != 0;
}

bool tool_has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("sriov-sim --device vfio:PF prints a row per VF, every VF up, and tears down cleanly",
          "[hw]") {
  REQUIRE(dp::shared_eal());
  sim_vfio::SimVfioRig r;
  {
    ToolEnv t(r);
    tools::HwSimArgs a = tool_args("vfio:" + r.kernel.pf_bdf(), 2);
    a.events = true;
    const int rc = tools::run_on_device(a, t.env);
    const std::string out = t.out.text(), err = t.err.text();
    INFO(out << err);
    REQUIRE(rc == 0);
    CHECK(tool_has(out, "vfio:0000:03:00.0: 2 of 2 VFs up"));
    CHECK(tool_has(out, "(PF mode, real time); VT mode"));
    CHECK(tool_has(out, "\n0   0000:03:10.0 "));
    CHECK(tool_has(out, "\n1   0000:03:10.2 "));
    CHECK(std::count(out.begin(), out.end(), '\n') >= 4);
    CHECK(
        tool_has(out, "\nevent 1 pf vfs-enabled: 2 VFs enabled"));  // --events: the PF's event log
    CHECK(err.empty());
  }
  // The PF's stop(): VFs disabled through sysfs, everything released, the laser dark.
  CHECK(r.dev->num_vfs() == 0);
  INFO(fmt::format("{}", fmt::join(r.kernel.leaks(), "; ")));
  CHECK(r.kernel.leaks().empty());
  CHECK(tool_laser_off(r));
}

TEST_CASE("sriov-sim --device vfio:PF --json reports the mode, the VFs and their addresses",
          "[hw]") {
  REQUIRE(dp::shared_eal());
  sim_vfio::SimVfioRig r;
  ToolEnv t(r);
  tools::HwSimArgs a = tool_args("vfio:" + r.kernel.pf_bdf(), 3);
  a.json = true;
  a.admin[2].mac = hal::MacAddr{{0x02, 0x00, 0x00, 0x00, 0x02, 0x02}};
  REQUIRE(tools::run_on_device(a, t.env) == 0);
  const nlohmann::json j = nlohmann::json::parse(t.out.text());
  CHECK(j["device"] == "vfio:0000:03:00.0");
  CHECK(j["mode"] == "pf");
  CHECK(j["num_vfs"] == 3);
  CHECK(j["vfs_up"] == 3);
  REQUIRE(j["vfs"].size() == 3);
  CHECK(j["vfs"][1]["bdf"] == "0000:03:10.2");
  CHECK(j["vfs"][1]["state"] == "up");
  CHECK(j["vfs"][2]["mac"] == "02:00:00:00:02:02");
  CHECK(j["vfs"][2]["mac_admin_set"] == true);
  CHECK(j["vf_token"].get<std::string>().size() == 36);
}

TEST_CASE("One --seed gives the VFs the same random MACs on the simulation and through VFIO",
          "[hw]") {
  REQUIRE(dp::shared_eal());
  harness::HostOptions so;
  so.num_vfs = 2;
  so.mode = harness::Mode::kStepped;
  so.seed = 7;
  auto sim = harness::SimHost::create(so);
  REQUIRE(sim->bring_up());
  sim_vfio::SimVfioRig r;
  ToolEnv t(r);
  tools::HwSimArgs a = tool_args("vfio:" + r.kernel.pf_bdf(), 2);
  a.json = true;
  REQUIRE(tools::run_on_device(a, t.env) == 0);
  const nlohmann::json j = nlohmann::json::parse(t.out.text());
  for (unsigned i = 0; i < 2; ++i) {
    INFO("VF " << i);
    CHECK(j["vfs"][i]["mac"] == sim->guest(i).driver().mac().to_string());
  }
}

TEST_CASE(
    "sriov-sim in VF mode refuses --vfs, VF settings and --events after the sysfs checks, opening "
    "nothing",
    "[hw]") {
  sim_vfio::SimVfioRig r(sim_vfio::SimVfioConfig{.pf_driver = "ixgbe"});
  REQUIRE(r.kernel.configure_vfs(2) == 0);
  const std::string vfs = "vfio:" + r.kernel.vf_bdfs()[0] + "," + r.kernel.vf_bdfs()[1];
  struct Case {
    const char* what;
    void (*set)(tools::HwSimArgs&);
  };
  const Case cases[] = {
      {"--vfs", [](tools::HwSimArgs& a) { a.vfs_given = true; }},
      {"--vf-mac/--vf-vlan", [](tools::HwSimArgs& a) { a.admin[0].trust = true; }},
      {"--events", [](tools::HwSimArgs& a) { a.events = true; }},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    ToolEnv t(r);
    tools::HwSimArgs a = tool_args(vfs, 2);
    c.set(a);
    CHECK(tools::run_on_device(a, t.env) == 2);
    const std::string err = t.err.text();
    CHECK(tool_has(err, c.what));
    CHECK(std::count(err.begin(), err.end(), '\n') == 1);
    CHECK(r.kernel.open_fds() == 0);
  }
  REQUIRE(r.kernel.configure_vfs(0) == 0);
}

TEST_CASE(
    "sriov-sim --vfs 0 on a PF is a usage error right after the sysfs checks; a trace file is left "
    "alone",
    "[hw]") {
  sim_vfio::SimVfioRig r;
  char path[] = "/tmp/hw-tool-trace-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, "earlier\n", 8) == 8);
  ::close(fd);
  for (const bool serve : {false, true}) {
    INFO((serve ? "--serve" : "run"));
    ToolEnv t(r);
    tools::HwSimArgs a = tool_args("vfio:" + r.kernel.pf_bdf(), 0);
    a.vfs_given = true;
    a.trace_registers = true;
    a.trace_file = path;
    const int rc = serve ? tools::serve_on_device(a, t.env) : tools::run_on_device(a, t.env);
    CHECK(rc == 2);
    CHECK(tool_has(t.err.text(), "--vfs 0"));
    CHECK(r.kernel.open_fds() == 0);
    CHECK(r.dev->num_vfs() == 0);
    std::ifstream in(path);
    std::stringstream kept;
    kept << in.rdbuf();
    CHECK(kept.str() == "earlier\n");
  }
  ::unlink(path);
}

TEST_CASE(
    "sriov-sim PF mode with vfio-pci's enable_sriov off fails in the sysfs checks, naming the fix",
    "[hw]") {
  sim_vfio::SimVfioRig r(sim_vfio::SimVfioConfig{.enable_sriov = false});
  ToolEnv t(r);
  const int rc = tools::run_on_device(tool_args("vfio:" + r.kernel.pf_bdf(), 2), t.env);
  const std::string err = t.err.text();
  INFO(err);
  CHECK(rc == 1);
  CHECK(tool_has(err, "enable_sriov"));
  CHECK(tool_has(err, "Fix:"));
  CHECK(std::count(err.begin(), err.end(), '\n') == 1);
  // Refused before anything was opened, so before the EAL would have started.
  CHECK(r.kernel.open_fds() == 0);
  CHECK(r.dev->num_vfs() == 0);
}

TEST_CASE(
    "HwHost PF mode failing half-way (a VF it cannot open) undoes everything: no VFs, no leaks, "
    "laser off",
    "[hw]") {
  REQUIRE(dp::shared_eal());
  // The new VFs land on a host driver instead of vfio-pci: the PF is up and its VFs enabled
  // when the first VF's open fails.
  sim_vfio::SimVfioRig r(sim_vfio::SimVfioConfig{.vf_driver = "ixgbevf"});
  ToolEnv t(r);
  const int rc = tools::run_on_device(tool_args("vfio:" + r.kernel.pf_bdf(), 2), t.env);
  const std::string err = t.err.text();
  INFO(err);
  CHECK(rc == 1);
  CHECK(tool_has(err, "VF 0"));
  CHECK(tool_has(err, "ixgbevf"));
  CHECK(r.dev->num_vfs() == 0);
  INFO(fmt::format("{}", fmt::join(r.kernel.leaks(), "; ")));
  CHECK(r.kernel.leaks().empty());
  CHECK(tool_laser_off(r));
}

TEST_CASE("sriov-sim --traffic on the fake PF: a rate-limited run loses nothing and passes",
          "[hw]") {
  REQUIRE(dp::shared_eal());
  sim_vfio::SimVfioRig r;
  ToolEnv t(r);
  tools::HwSimArgs a = tool_args("vfio:" + r.kernel.pf_bdf(), 2);
  a.traffic = 0.05;
  a.topts.rate_pps = 20000;
  const int rc = tools::run_on_device(a, t.env);
  const std::string out = t.out.text();
  INFO(out << t.err.text());
  CHECK(rc == 0);
  CHECK(tool_has(out, "accounting: ok (real device: loss 0 of "));
  CHECK(tool_has(out, "bound 0% per VF pair"));
}

TEST_CASE("sriov-sim --traffic on the fake PF fails when a VF receives none of its sender's frames",
          "[hw]") {
  REQUIRE(dp::shared_eal());
  sim_vfio::SimVfioRig r;
  ToolEnv t(r);
  tools::HwSimArgs a = tool_args("vfio:" + r.kernel.pf_bdf(), 2);
  a.traffic = 0.02;
  // VF 1's port VLAN: VF 0's untagged frames never reach it, and VF 1's tagged ones are
  // not VF 0's VLAN. Unlimited rate: only the "none received" rule can fail the run.
  a.admin[1].vlan = 10;
  const int rc = tools::run_on_device(a, t.env);
  const std::string out = t.out.text(), err = t.err.text();
  INFO(out << err);
  CHECK(rc == 1);
  CHECK(tool_has(err, "sriov-sim: traffic: VF 0 received none of VF 1's "));
  CHECK(tool_has(err, "; VF 1 received none of VF 0's "));
  CHECK(tool_has(out, "accounting: FAILED VF 0 received none of VF 1's "));
}

TEST_CASE(
    "The loss rule: none received always fails, a bound fails what loses more, no bound reports "
    "only",
    "[hw]") {
  const std::vector<tools::PairLoss> pairs = {{"VF 0", "VF 1", 1000, 990},
                                              {"VF 2", "VF 3", 1000, 1000}};
  CHECK(tools::judge_loss(pairs, std::nullopt).empty());
  CHECK(tools::judge_loss(pairs, 1.0).empty());
  const std::vector<std::string> tight = tools::judge_loss(pairs, 0.5);
  REQUIRE(tight.size() == 1);
  CHECK(tight[0] == "VF 1 lost 10 of VF 0's 1000 frames (1.00%), more than --max-loss 0.5%");
  const std::vector<tools::PairLoss> dead = {{"VF 0", "VF 1", 64, 0}};
  const std::vector<std::string> none = tools::judge_loss(dead, std::nullopt);
  REQUIRE(none.size() == 1);
  CHECK(none[0] == "VF 1 received none of VF 0's 64 frames");
  CHECK(tools::default_max_loss(true) == 0.0);
  CHECK_FALSE(tools::default_max_loss(false));
  CHECK(tools::check_max_loss(100).empty());
  CHECK_FALSE(tools::check_max_loss(-0.1).empty());
}

TEST_CASE(
    "sriov-sim --serve: a stop request disables the VFs with the waiting told first, sleeps at "
    "most 100 ms",
    "[hw]") {
  sim_vfio::SimVfioRig r;
  {
    ToolEnv t(r);
    t.use_serve_wait(/*stop_after=*/4, /*remove_at=*/0);
    tools::HwSimArgs a = tool_args("vfio:" + r.kernel.pf_bdf(), 2);
    const int rc = tools::serve_on_device(a, t.env);
    const std::string out = t.out.text();
    INFO(out << t.err.text());
    CHECK(rc == 0);
    CHECK(tool_has(out, "serving 2 VFs for VMs"));
    const size_t disabling = out.find("disabling 2 VFs (waits for every VM to release its VF)\n");
    REQUIRE(disabling != std::string::npos);
    CHECK(out.find("stopped\n") > disabling);
    REQUIRE(t.asked.size() == 5);
    for (const hal::Nanos s : t.asked) CHECK(s <= std::chrono::milliseconds(100));
  }
  CHECK(r.dev->num_vfs() == 0);
  CHECK(r.kernel.leaks().empty());
}

TEST_CASE(
    "sriov-sim --serve ends with exit 1 when the PF is surprise-removed, after a bounded number of "
    "passes",
    "[hw]") {
  sim_vfio::SimVfioRig r;
  {
    ToolEnv t(r);
    t.use_serve_wait(/*stop_after=*/1000, /*remove_at=*/2);
    tools::HwSimArgs a = tool_args("vfio:" + r.kernel.pf_bdf(), 2);
    a.events = true;
    const int rc = tools::serve_on_device(a, t.env);
    const std::string out = t.out.text(), err = t.err.text();
    INFO(out << err);
    CHECK(rc == 1);
    CHECK(tool_has(err, "PF 0000:03:00.0 is gone (surprise removal?)"));
    // The wait that removed the card is the last: its pass found the device gone.
    CHECK(t.asked.size() == 2);
    // No event storm: not one FLR event after the removal.
    CHECK_FALSE(tool_has(out, "vf-flr"));
  }
  INFO(fmt::format("{}", fmt::join(r.kernel.leaks(), "; ")));
  CHECK(r.kernel.leaks().empty());
}

TEST_CASE("sriov-sim --serve stops when the kernel asks for the PF back (unbind)", "[hw]") {
  sim_vfio::SimVfioRig r;
  {
    ToolEnv t(r);
    t.use_serve_wait(/*stop_after=*/1000, /*remove_at=*/3, /*request_instead=*/true);
    tools::HwSimArgs a = tool_args("vfio:" + r.kernel.pf_bdf(), 2);
    const int rc = tools::serve_on_device(a, t.env);
    const std::string out = t.out.text(), err = t.err.text();
    INFO(out << err);
    CHECK(rc == 1);
    CHECK(tool_has(err, "the kernel asks for PF 0000:03:00.0 back"));
    // Served until the request, then no more waits: the loop did not keep the kernel waiting.
    CHECK(t.asked.size() == 3);
  }
  // The PF was stopped and released in full, as the kernel's unbind waits for.
  CHECK(r.dev->num_vfs() == 0);
  INFO(fmt::format("{}", fmt::join(r.kernel.leaks(), "; ")));
  CHECK(r.kernel.leaks().empty());
}

TEST_CASE(
    "HwHost PF mode whose sriov_numvfs write is refused after the checks ends on the refusal's fix "
    "and undoes everything",
    "[hw]") {
  REQUIRE(dp::shared_eal());
  // vfio-pci refuses sriov_numvfs (enable_sriov off in the kernel) although the parameter
  // read Y when the checks ran: the refusal comes after the PF's bring-up.
  sim_vfio::SimVfioRig r(sim_vfio::SimVfioConfig{.enable_sriov = false});
  r.tree.set_enable_sriov(true);
  ToolEnv t(r);
  const int rc = tools::run_on_device(tool_args("vfio:" + r.kernel.pf_bdf(), 2), t.env);
  const std::string err = t.err.text();
  INFO(err);
  CHECK(rc == 1);
  const std::string last = err.substr(err.rfind("sriov-sim: "));
  CHECK(tool_has(last, "enabling 2 VFs"));
  CHECK(tool_has(last, "Fix:"));
  CHECK_FALSE(tool_has(last, "did not take effect"));
  CHECK(r.dev->num_vfs() == 0);
  INFO(fmt::format("{}", fmt::join(r.kernel.leaks(), "; ")));
  CHECK(r.kernel.leaks().empty());
  CHECK(tool_laser_off(r));
}
