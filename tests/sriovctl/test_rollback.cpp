// Telling which setting a kernel PF refused, and what to put back, from the VFs read before
// and after.

#include <catch2/catch.hpp>

#include "sample_pf.hpp"
#include "sriovctl/rollback.hpp"

using namespace sriovctl;

namespace {

rtnl::VfChange change(unsigned vf) {
  rtnl::VfChange c;
  c.vf = rtnl::VfIndex(vf);
  return c;
}

}  // namespace

TEST_CASE("Settings are listed in the kernel's order of application", "[sriovctl][rollback]") {
  rtnl::VfChange c = change(0);
  c.trust = true;
  c.mac = hal::MacAddr({2, 0, 0, 0, 0, 1});
  c.query_rss = true;
  c.min_tx_rate = 5;
  c.link_state = rtnl::VfLinkState::kAuto;
  c.vlan = rtnl::VfVlan{};
  c.spoofchk = false;
  CHECK(settings_of(c) == std::vector<Setting>{Setting::kMac, Setting::kVlan, Setting::kRate,
                                               Setting::kSpoofchk, Setting::kLinkState,
                                               Setting::kQueryRss, Setting::kTrust});
  CHECK(setting_name(Setting::kRate, c) == "min_tx_rate");
  c.max_tx_rate = 9;
  CHECK(setting_name(Setting::kRate, c) == "max_tx_rate");
}

TEST_CASE("A no-op setting right before the mismatch leaves the refusal unknown",
          "[sriovctl][rollback]") {
  const rtnl::LinkInfo before = sctest::sample_pf("pf0", 1, 2);
  rtnl::VfChange c = change(0);
  c.spoofchk = true;  // VF 0 has it on already
  c.trust = false;    // VF 0 has trust on: a real change
  // After the refusal nothing changed: the PF may have refused spoofchk or trust.
  CHECK_FALSE(refused_setting(std::vector{c}, before, before, true).has_value());
  c.spoofchk.reset();
  c.mac = hal::MacAddr({2, 9, 9, 9, 9, 9});
  CHECK(refused_setting(std::vector{c}, before, before, true) ==
        SettingRef{rtnl::VfIndex(0), Setting::kMac});
}

TEST_CASE("A setting the PF does not report cannot be judged or restored", "[sriovctl][rollback]") {
  const rtnl::LinkInfo before = sctest::sample_pf("pf0", 1, 5);  // VF 4 reports no trust
  rtnl::LinkInfo after = before;
  rtnl::VfChange c = change(4);
  c.trust = true;
  c.link_state = rtnl::VfLinkState::kDisable;
  c.spoofchk = true;  // comes first in the kernel's order, and is not reported
  CHECK_FALSE(refused_setting(std::vector{c}, before, after, true).has_value());
  c.spoofchk.reset();
  c.link_state.reset();
  c.mac = hal::MacAddr({2, 9, 9, 9, 9, 9});
  after.vfs[4].mac = *c.mac;
  const auto undo = restore_changes(std::vector{c}, before, after);
  REQUIRE(undo.size() == 1);
  CHECK(undo[0].mac == before.vfs[4].mac);
  CHECK_FALSE(undo[0].trust.has_value());
}

TEST_CASE("Without in-order application only a single setting is named", "[sriovctl][rollback]") {
  const rtnl::LinkInfo l = sctest::sample_pf("pf0", 1, 2);
  rtnl::VfChange c = change(1);
  c.trust = true;
  CHECK(refused_setting(std::vector{c}, l, l, false) ==
        SettingRef{rtnl::VfIndex(1), Setting::kTrust});
  c.spoofchk = true;
  CHECK_FALSE(refused_setting(std::vector{c}, l, l, false).has_value());
}

TEST_CASE("A removed VLAN is restored to the VLAN it had", "[sriovctl][rollback]") {
  const rtnl::LinkInfo before = sctest::sample_pf("pf0", 1, 2);
  rtnl::LinkInfo after = before;
  after.vfs[1].vlans = {rtnl::VfVlan{}};
  rtnl::VfChange c = change(1);
  c.vlan = rtnl::VfVlan{};
  const auto undo = restore_changes(std::vector{c}, before, after);
  REQUIRE(undo.size() == 1);
  CHECK(undo[0].vlan == before.vfs[1].vlans[0]);
}
