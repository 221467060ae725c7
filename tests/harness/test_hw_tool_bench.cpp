// sriov-bench's real-device path (bench::Rig on harness::HwHost, the loop, the verdict) against
// the fake kernel serving the simulated 82599 (tests/harness/sim_vfio_kernel.hpp): vf-to-vf
// through the VEB is accounted for, and a receiver that gets none of its sender's frames fails
// the run.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "datapath/eal.hpp"
#include "tests/harness/hw_tool_env.hpp"
#include "tools/bench_loop.hpp"
#include "tools/bench_options.hpp"
#include "tools/bench_rig.hpp"

namespace {

bench::Options bench_tool_options(std::vector<std::string> args) {
  args.insert(args.begin(), "sriov-bench");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  auto o = bench::parse_options(static_cast<int>(argv.size()), argv.data());
  REQUIRE(o);
  return *o;
}

harness::HwHostOptions bench_tool_host(const hw_tool::ToolEnv& t) {
  harness::HwHostOptions hw;
  t.env.apply(hw);
  return hw;
}

}  // namespace

TEST_CASE("sriov-bench vf-to-vf on the fake PF: every frame sent arrives and the run passes",
          "[hw]") {
  REQUIRE(dp::shared_eal());
  sim_vfio::SimVfioRig r;
  hw_tool::ToolEnv t(r);
  const bench::Options o = bench_tool_options(
      {"vf-to-vf", "--device", "vfio:" + r.kernel.pf_bdf(), "--packets", "2000", "--ring", "256"});
  REQUIRE(o.on_device());
  {
    auto rig = bench::Rig::create(o, bench_tool_host(t));
    INFO((rig ? std::string() : rig.error()));
    REQUIRE(rig);
    const bench::Totals tot =
        bench::run(**rig, o, std::chrono::steady_clock::now() + std::chrono::seconds(30));
    const bench::Verdict v = (*rig)->judge(tot, o.packets);
    INFO(fmt::format("{}", fmt::join(v.problems, "; ")));
    CHECK(v.ok());
    CHECK(tot.sent == 2000);
    CHECK(tot.received == 2000);
    REQUIRE((*rig)->senders().size() == 1);
    CHECK((*rig)->senders()[0].sent == 2000);
  }
  CHECK(r.dev->num_vfs() == 0);
  CHECK(r.kernel.leaks().empty());
}

TEST_CASE(
    "sriov-bench vf-to-vf on the fake PF fails when the receiver gets none of its sender's frames",
    "[hw]") {
  REQUIRE(dp::shared_eal());
  sim_vfio::SimVfioRig r;
  hw_tool::ToolEnv t(r);
  const bench::Options o =
      bench_tool_options({"vf-to-vf", "--device", "vfio:" + r.kernel.pf_bdf(), "--packets", "512"});
  harness::HwHostOptions hw = bench_tool_host(t);
  // VF 1's port VLAN: VF 0's untagged frames never reach it.
  hw.admin[1].vlan = 10;
  auto rig = bench::Rig::create(o, std::move(hw));
  INFO((rig ? std::string() : rig.error()));
  REQUIRE(rig);
  const bench::Totals tot =
      bench::run(**rig, o, std::chrono::steady_clock::now() + std::chrono::seconds(30));
  const bench::Verdict v = (*rig)->judge(tot, o.packets);
  CHECK(tot.sent == 512);
  CHECK(tot.received == 0);
  REQUIRE_FALSE(v.ok());
  CHECK(std::find(v.problems.begin(), v.problems.end(),
                  "VF 1 received none of VF 0's 512 frames") != v.problems.end());
}

TEST_CASE("sriov-bench --max-loss is refused without --device vfio and out of 0..100", "[hw]") {
  std::vector<std::string> sim = {"sriov-bench", "vf-to-vf", "--max-loss", "1"};
  std::vector<char*> argv;
  for (std::string& a : sim) argv.push_back(a.data());
  auto o = bench::parse_options(static_cast<int>(argv.size()), argv.data());
  REQUIRE_FALSE(o);
  CHECK(o.error() == 2);
  const bench::Options ok =
      bench_tool_options({"vf-to-vf", "--device", "vfio:0000:03:00.0", "--max-loss", "2.5"});
  REQUIRE(ok.max_loss);
  CHECK(*ok.max_loss == 2.5);
}

TEST_CASE("With hugepages the EAL runs --in-memory, so no hugepage file outlives the process",
          "[hw]") {
  dp::EalOptions eo;
  eo.huge_pages = true;
  const std::vector<std::string> huge = dp::eal_args(eo, "p");
  CHECK(std::count(huge.begin(), huge.end(), "--in-memory") == 1);
  CHECK(std::count(huge.begin(), huge.end(), "--no-huge") == 0);
  eo.huge_pages = false;
  const std::vector<std::string> anon = dp::eal_args(eo, "p");
  CHECK(std::count(anon.begin(), anon.end(), "--in-memory") == 0);
  CHECK(std::count(anon.begin(), anon.end(), "--no-huge") == 1);
  CHECK(std::count(anon.begin(), anon.end(), "--no-shconf") == 1);
}
