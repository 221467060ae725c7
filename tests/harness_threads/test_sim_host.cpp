#include <catch2/catch.hpp>

#include <set>

#include "tests/harness/trigger_flr.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/pci_regs.hpp"
#include "hal/sim/device_model.hpp"
#include "harness/sim_host.hpp"

namespace {

std::unique_ptr<harness::SimHost> up_host(unsigned vfs, harness::Mode mode = harness::Mode::kStepped) {
  harness::HostOptions o;
  o.num_vfs = vfs;
  o.mode = mode;
  auto host = harness::SimHost::create(o);
  auto rep = host->bring_up();
  REQUIRE(rep.has_value());
  INFO(fmt::format("{}", fmt::join(rep->failures, "; ")));
  REQUIRE(rep->all_up());
  return host;
}

using harness_test::trigger_flr;

/// True when a VLVF entry for `vid` is valid and includes `pool` in its VLVFB bitmap.
bool vlan_in_pool(harness::SimHost& host, uint16_t vid, unsigned pool) {
  namespace pfr = hal::ixgbe::pf;
  auto& bar = host.device().pf().bar0();
  for (unsigned i = 0; i < pfr::kNumVlvf; ++i) {
    const uint32_t vlvf = bar.read(pfr::VLVF(i));
    if (!(vlvf & pfr::vlvf::kVien) || (vlvf & pfr::vlvf::kVidMask) != vid) continue;
    return (bar.read(pfr::VLVFB(2 * i + pool / 32)) & (1u << (pool % 32))) != 0;
  }
  return false;
}

bool step_until_all_up(harness::SimHost& host, unsigned max_steps = 200) {
  for (unsigned s = 0; s < max_steps; ++s) {
    host.step();
    bool all = true;
    for (unsigned i = 0; i < host.num_guests(); ++i) all = all && host.guest(i).is_up();
    if (all) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("Bring-up of 1, 8 and 63 VFs in stepped mode", "[harness][bringup]") {
  const unsigned n = GENERATE(1u, 8u, 63u);
  auto host = up_host(n);
  REQUIRE(host->num_guests() == n);
  const unsigned queues = n + 1 > 32 ? 2 : 4;
  CHECK(host->pf().queues_per_pool() == queues);
  std::set<hal::MacAddr> macs;
  for (unsigned i = 0; i < n; ++i) {
    const vf::VfDriver& d = host->guest(i).driver();
    CHECK(d.api() == mbx::Api::k14);
    CHECK(d.tx_queues() == queues);
    CHECK(d.rx_queues() == queues);
    CHECK(d.mac().is_valid_unicast());
    CHECK(d.mac().is_locally_administered());
    macs.insert(d.mac());
    CHECK(host->pf().vf_info(hal::VfId{i}).clear_to_send);
  }
  CHECK(macs.size() == n);  // every guest picked its own MAC
}

TEST_CASE("Stepped bring-up is deterministic", "[harness][bringup]") {
  auto a = up_host(8);
  auto b = up_host(8);
  for (unsigned i = 0; i < 8; ++i) CHECK(a->guest(i).driver().mac() == b->guest(i).driver().mac());
  CHECK(a->clock().now() == b->clock().now());
}

TEST_CASE("Admin settings reach the guests at bring-up", "[harness][bringup]") {
  harness::HostOptions o;
  o.num_vfs = 4;
  const auto mac = *hal::MacAddr::parse("02:11:22:33:44:55");
  o.admin[2].mac = mac;
  o.admin[3].vlan = 100;
  o.admin[3].qos = 3;
  auto host = harness::SimHost::create(o);
  auto rep = host->bring_up();
  REQUIRE(rep.has_value());
  REQUIRE(rep->all_up());
  CHECK(host->guest(2).driver().mac() == mac);
  CHECK(host->guest(2).driver().mac_from_pf());
  CHECK(host->pf().vf_info(hal::VfId{2}).admin_mac);
  CHECK(host->guest(3).driver().trans_vlan() == 1);
  CHECK(host->pf().vf_info(hal::VfId{3}).vlan == 100);
}

TEST_CASE("A VF FLR mid-session: the PF cleans up, the guest recovers", "[harness][flr]") {
  auto host = up_host(8);
  vf::VfDriver& d = host->guest(5).driver();
  const hal::MacAddr mac = d.mac();
  const auto flrs = host->pf().vf_info(hal::VfId{5}).counters.flrs;
  trigger_flr(host->guest(5).function());
  host->step();  // PF sees VFLRE, the guest's watchdog sees its reset
  CHECK(host->pf().vf_info(hal::VfId{5}).counters.flrs == flrs + 1);
  REQUIRE(step_until_all_up(*host));
  CHECK(d.counters().recoveries >= 1);
  CHECK(d.mac() == mac);  // the random MAC is kept across resets, as Linux does
  CHECK(host->pf().vf_info(hal::VfId{5}).mac == mac);
  CHECK(host->pf().vf_info(hal::VfId{4}).counters.flrs == 0);
}

TEST_CASE("A PF reset with all VFs up: every VF recovers its configuration", "[harness][reset]") {
  auto host = up_host(16);
  vf::VfDriver& d3 = host->guest(3).driver();
  REQUIRE(d3.add_vlan(42).has_value());
  REQUIRE(d3.set_mtu(1400).has_value());
  REQUIRE(vlan_in_pool(*host, 42, 3));
  const auto resets_before = host->device().model().pf_reset_count();
  REQUIRE(host->pf().reset().has_value());
  CHECK(host->device().model().pf_reset_count() == resets_before + 1);
  REQUIRE(step_until_all_up(*host));
  for (unsigned i = 0; i < 16; ++i) {
    CHECK(host->guest(i).driver().counters().recoveries >= 1);
    CHECK(host->pf().vf_info(hal::VfId{i}).clear_to_send);
  }
  // What guest 3 had asked for is back in the re-initialised chip.
  CHECK(vlan_in_pool(*host, 42, 3));
  CHECK_FALSE(vlan_in_pool(*host, 42, 4));
  CHECK(host->pf().vf_info(hal::VfId{3}).max_frame == 1400 + 18);
}

TEST_CASE("Threaded mode brings 63 VFs up with the PF on its own thread", "[harness][threaded][threads]") {
  auto host = up_host(63, harness::Mode::kThreaded);
  for (unsigned i = 0; i < 63; ++i) CHECK(host->guest(i).driver().api() == mbx::Api::k14);
  // An admin change while the PF thread runs: the trust ping makes the VF reset and recover.
  REQUIRE(host->with_pf([](pf::PfDriver& p) { return p.set_vf_trust(hal::VfId{7}, true); }).has_value());
  bool recovered = false;
  // A generous real-time bound (the link settle alone needs 400 us), no timing assertion.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!recovered && std::chrono::steady_clock::now() < deadline) {
    host->step();
    recovered = host->guest(7).driver().counters().recoveries >= 1 && host->guest(7).is_up();
  }
  CHECK(recovered);
  host->stop();
}

TEST_CASE("Inline mode brings VFs up with the PF serviced by the guest loop", "[harness][inline]") {
  auto host = up_host(8, harness::Mode::kInline);
  CHECK(host->guest(7).driver().state() == vf::State::kUp);
}
