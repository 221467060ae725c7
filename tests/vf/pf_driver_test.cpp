// The VF driver against sriovkit's PF driver on the simulated 82599: bring-up of 1, 8 and 40
// VFs, API negotiation, recovery after VF FLR, PF reset and trust change, and the PF's policy
// (admin MAC, xcast downgrade, port VLAN, admin link state) as the VF sees it.

#include <catch2/catch.hpp>

#include "link_settle.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <set>
#include <vector>

#include "hal/pci_regs.hpp"
#include "pf_rig.hpp"
#include "vf_driver/random_mac.hpp"

using namespace vftest;
using mbx::Api;
using mbx::XcastMode;
using vf::ErrorCode;
using vf::State;
using vf::VfDriver;

namespace {

const hal::MacAddr kMc1({0x01, 0x00, 0x5E, 0x00, 0x00, 0x01});
const hal::MacAddr kMc2({0x01, 0x00, 0x5E, 0x7F, 0x00, 0x02});
const hal::MacAddr kAdmin({0x02, 0xAD, 0x00, 0x00, 0x00, 0x01});
const hal::MacAddr kMine({0x02, 0xBE, 0xEF, 0x00, 0x00, 0x01});

// Drivers for VFs 0..n-1, each with its own MAC seed.
std::deque<VfDriver> make_vfs(PfRig& rig, unsigned n, Api max_api = Api::k14) {
  std::deque<VfDriver> out;
  for (unsigned i = 0; i < n; ++i) {
    out.emplace_back(rig.fn(i), rig.clock, rig.vf_waiter, vf_options(i, max_api));
  }
  return out;
}

void configure(VfDriver& drv) {
  const std::array mcs{kMc1, kMc2};
  REQUIRE(drv.set_multicast(mcs).has_value());
  REQUIRE(drv.add_vlan(100).has_value());
  REQUIRE(drv.set_mtu(9000).has_value());
  REQUIRE(drv.set_xcast(XcastMode::kMulti).has_value());
}

void check_configured(PfRig& rig, const VfDriver& drv, unsigned vf) {
  const pf::VfInfo info = rig.info(vf);
  CHECK(info.clear_to_send);
  CHECK(info.api == Api::k14);
  CHECK(info.mac == drv.mac());
  CHECK(rig.has_mac_filter(drv.mac(), vf));
  CHECK(info.num_mc_hashes == 2);
  CHECK(rig.vlan_has(100, vf));
  CHECK(info.max_frame == 9018);
  CHECK(info.xcast == XcastMode::kMulti);
}

}  // namespace

TEST_CASE("probe of one VF: random LAA MAC installed by the PF, API 1.4, 4 queues",
          "[vf][pf][probe]") {
  PfRig rig;
  rig.up(1);
  VfDriver drv(rig.fn(0), rig.clock, rig.vf_waiter, vf_options(0));
  auto r = drv.probe();
  INFO((r ? std::string() : vf::to_string(r.error())));
  REQUIRE(r.has_value());
  CHECK(drv.state() == State::kUp);
  CHECK(drv.mac() == vf::random_laa_mac(1000));
  CHECK(drv.mac().is_locally_administered());
  CHECK_FALSE(drv.mac_from_pf());
  CHECK(drv.api() == Api::k14);
  CHECK(drv.tx_queues() == 4);
  CHECK(drv.rx_queues() == 4);
  CHECK(drv.default_queue() == 0);
  CHECK(drv.trans_vlan() == 0);
  CHECK_FALSE(drv.link_up());  // settling: 5 reads 100 us apart
  CHECK(vftest::settle_link(drv, rig.clock));
  CHECK(drv.link_up());
  const pf::VfInfo info = rig.info(0);
  CHECK(info.clear_to_send);
  CHECK(info.api == Api::k14);
  CHECK(info.mac == drv.mac());
  CHECK_FALSE(info.admin_mac);
  CHECK(rig.has_mac_filter(drv.mac(), 0));
}

TEST_CASE("probe of 8 VFs: distinct MACs, the admin MAC where one is set, 4 queues each",
          "[vf][pf][probe]") {
  PfRig rig;
  rig.up(8);
  REQUIRE(rig.pf.set_vf_mac(hal::VfId{3}, kAdmin).has_value());
  auto vfs = make_vfs(rig, 8);
  std::set<hal::MacAddr> macs;
  for (unsigned i = 0; i < 8; ++i) {
    auto r = vfs[i].probe();
    INFO("VF " << i << ": " << (r ? std::string() : vf::to_string(r.error())));
    REQUIRE(r.has_value());
  }
  for (unsigned i = 0; i < 8; ++i) {
    INFO("VF " << i);
    CHECK(vfs[i].api() == Api::k14);
    CHECK(vfs[i].tx_queues() == 4);
    CHECK(rig.info(i).mac == vfs[i].mac());
    CHECK(rig.has_mac_filter(vfs[i].mac(), i));
    CHECK(vfs[i].mac_from_pf() == (i == 3));
    macs.insert(vfs[i].mac());
  }
  CHECK(vfs[3].mac() == kAdmin);
  CHECK(macs.size() == 8);
}

TEST_CASE("probe of 40 VFs: 64-pool mode gives each VF 2 queues", "[vf][pf][probe]") {
  PfRig rig;
  rig.up(40);
  auto vfs = make_vfs(rig, 40);
  for (unsigned i = 0; i < 40; ++i) {
    REQUIRE(vfs[i].probe().has_value());
    CHECK(vfs[i].tx_queues() == 2);
    CHECK(vfs[i].rx_queues() == 2);
  }
  CHECK(rig.info(39).mac == vfs[39].mac());
}

TEST_CASE("a max_api of 1.1 negotiates 1.1 with the PF driver", "[vf][pf][api]") {
  PfRig rig;
  rig.up(2);
  VfDriver drv(rig.fn(1), rig.clock, rig.vf_waiter, vf_options(1, Api::k11));
  REQUIRE(drv.probe().has_value());
  CHECK(drv.api() == Api::k11);
  CHECK(rig.info(1).api == Api::k11);
  CHECK(drv.tx_queues() == 4);
  CHECK(drv.get_link_state().error().code == ErrorCode::kNotSupported);
}

TEST_CASE("on a jumbo PF, probe sends SET_LPE so the VF's receive (VFRE) is on",
          "[vf][pf][probe][lpe]") {
  PfRig rig(pf_options(9000));  // VF_RESET leaves VFRE off until SET_LPE (spec 7)
  rig.up(34);                   // 64 pools: VF 33 sits in VFRE(1)
  Api api = Api::k14;
  SECTION("API 1.4") { api = Api::k14; }
  SECTION("API 1.1") { api = Api::k11; }
  const unsigned vf = 33;
  VfDriver drv(rig.fn(vf), rig.clock, rig.vf_waiter, vf_options(vf, api));
  std::vector<std::vector<uint32_t>> sent;
  drv.mailbox().set_trace(
      [&](hal::VfId, mbx::Direction d, std::span<const uint32_t> w) {
        if (d == mbx::Direction::kVfToPf) sent.emplace_back(w.begin(), w.end());
      },
      hal::VfId{vf});
  REQUIRE(drv.probe().has_value());
  CHECK(drv.api() == api);
  namespace reg = hal::ixgbe::pf;
  CHECK(((rig.bar().read(reg::VFRE(vf / 32)) >> (vf % 32)) & 1u) == 1u);
  CHECK(rig.info(vf).max_frame == 1518);
  const auto lpe = std::find_if(sent.begin(), sent.end(), [](const std::vector<uint32_t>& w) {
    return mbx::word0::id(w[0]) == static_cast<uint16_t>(mbx::MsgId::kSetLpe);
  });
  REQUIRE(lpe != sent.end());
  REQUIRE(lpe->size() >= 2);
  CHECK((*lpe)[1] == vf::kStdMtu + vf::kFrameOverhead);  // no user MTU: 1518
  CHECK(drv.counters().nacks == 0);
  CHECK(vftest::settle_link(drv, rig.clock));
}

TEST_CASE("user configuration is restored after a VF FLR", "[vf][pf][recovery][flr]") {
  PfRig rig(pf_options(9000));  // a jumbo PF, so an API 1.4 VF may ask for 9000
  rig.up(2);
  VfDriver drv(rig.fn(1), rig.clock, rig.vf_waiter, vf_options(1));
  REQUIRE(drv.probe().has_value());
  configure(drv);
  check_configured(rig, drv, 1);

  hal::ConfigSpace& cfg = rig.fn(1).config();
  const uint8_t exp = cfg.find_capability(hal::pci::kCapIdExp);
  REQUIRE(exp != 0);
  const uint16_t devctl = static_cast<uint16_t>(exp + hal::pci::kExpDevCtl);
  cfg.write16(devctl, static_cast<uint16_t>(cfg.read16(devctl) | hal::pci::kExpDevCtlBcrFlr));
  rig.pf.service_once();  // the PF cleans the VF up
  CHECK_FALSE(rig.info(1).clear_to_send);
  CHECK(rig.info(1).num_mc_hashes == 0);
  CHECK_FALSE(rig.vlan_has(100, 1));

  CHECK(drv.service() >= 1);
  CHECK(drv.state() == State::kUp);
  CHECK(drv.counters().recoveries == 1);
  check_configured(rig, drv, 1);
  CHECK(rig.info(1).counters.flrs == 1);
}

TEST_CASE("user configuration is restored after a PF reset", "[vf][pf][recovery]") {
  PfRig rig(pf_options(9000));
  rig.up(4);
  auto vfs = make_vfs(rig, 4);
  for (auto& d : vfs) REQUIRE(d.probe().has_value());
  configure(vfs[2]);
  const hal::MacAddr before = vfs[2].mac();

  REQUIRE(rig.pf.reset().has_value());
  CHECK_FALSE(rig.info(2).clear_to_send);
  for (auto& d : vfs) CHECK(d.service() >= 1);  // the ping and RSTD: one bring-up each
  for (auto& d : vfs) CHECK(d.service() == 0);  // then quiet: no reset loop
  for (unsigned i = 0; i < 4; ++i) {
    INFO("VF " << i);
    CHECK(vfs[i].state() == State::kUp);
    CHECK(vfs[i].counters().recoveries == 1);
    CHECK(rig.info(i).clear_to_send);
  }
  CHECK(vfs[2].mac() == before);
  check_configured(rig, vfs[2], 2);
}

TEST_CASE("a trust change pings the VF, which resets and comes back", "[vf][pf][recovery]") {
  PfRig rig;
  rig.up(2);
  VfDriver drv(rig.fn(0), rig.clock, rig.vf_waiter, vf_options(0));
  REQUIRE(drv.probe().has_value());
  REQUIRE(drv.add_vlan(55).has_value());
  REQUIRE(rig.pf.set_vf_trust(hal::VfId{0}, true).has_value());
  CHECK_FALSE(rig.info(0).clear_to_send);
  CHECK(drv.service() == 2);  // the ping, then the bring-up
  CHECK(drv.counters().pings == 1);
  CHECK(drv.counters().recoveries == 1);
  CHECK(drv.state() == State::kUp);
  CHECK(rig.info(0).clear_to_send);
  CHECK(rig.info(0).trusted);
  CHECK(rig.vlan_has(55, 0));
  CHECK(drv.service() == 0);  // and then it is quiet
}

TEST_CASE("xcast ALLMULTI is downgraded to MULTI for an untrusted VF, granted when trusted",
          "[vf][pf][xcast]") {
  PfRig rig;
  rig.up(1);
  VfDriver drv(rig.fn(0), rig.clock, rig.vf_waiter, vf_options(0));
  REQUIRE(drv.probe().has_value());
  auto applied = drv.set_xcast(XcastMode::kAllMulti);
  REQUIRE(applied.has_value());
  CHECK(*applied == XcastMode::kMulti);
  CHECK(drv.xcast() == XcastMode::kMulti);
  CHECK(rig.info(0).xcast == XcastMode::kMulti);

  REQUIRE(rig.pf.set_vf_trust(hal::VfId{0}, true).has_value());
  drv.service();
  REQUIRE(drv.state() == State::kUp);
  // The recovery asked again for what the user wanted, and a trusted VF gets it.
  CHECK(drv.xcast() == XcastMode::kAllMulti);
  CHECK(rig.info(0).xcast == XcastMode::kAllMulti);
}

TEST_CASE("set_mac is refused under an admin MAC for an untrusted VF", "[vf][pf][mac]") {
  PfRig rig;
  rig.up(1);
  REQUIRE(rig.pf.set_vf_mac(hal::VfId{0}, kAdmin).has_value());
  VfDriver drv(rig.fn(0), rig.clock, rig.vf_waiter, vf_options(0));
  REQUIRE(drv.probe().has_value());
  CHECK(drv.mac() == kAdmin);
  CHECK(drv.mac_from_pf());
  auto r = drv.set_mac(kMine);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kRefused);
  CHECK(drv.counters().nacks == 1);
  CHECK(drv.mac() == kAdmin);
  CHECK_FALSE(drv.user_config().mac.has_value());
  CHECK(rig.info(0).mac == kAdmin);
  CHECK(drv.state() == State::kUp);

  // Trusted, the VF may override the admin MAC.
  REQUIRE(rig.pf.set_vf_trust(hal::VfId{0}, true).has_value());
  drv.service();
  REQUIRE(drv.set_mac(kMine).has_value());
  CHECK(drv.mac() == kMine);
  CHECK_FALSE(drv.mac_from_pf());
  CHECK(rig.has_mac_filter(kMine, 0));
}

TEST_CASE("a PF that never answers: probe times out, the mailbox stays disabled until reset",
          "[vf][pf][timeout]") {
  PfRig rig;
  rig.up(1);
  rig.pf_alive = false;  // VF waits only advance the clock
  VfDriver drv(rig.fn(0), rig.clock, rig.vf_waiter, vf_options(0));
  auto r = drv.probe();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kTimeout);
  CHECK(r.error().step == vf::Step::kVfReset);
  CHECK(drv.state() == State::kFailed);
  CHECK(drv.mailbox().disabled());
  const std::array<uint32_t, 1> words{mbx::word0::make(static_cast<uint16_t>(mbx::MsgId::kReset))};
  auto direct = drv.mailbox().request(words, 4);
  REQUIRE_FALSE(direct.has_value());
  CHECK(direct.error() == mbx::Error::kDisabled);
  CHECK(drv.set_mac(kMine).error().code == ErrorCode::kNotUp);

  rig.pf_alive = true;
  drv.service();
  CHECK(drv.state() == State::kUp);
  CHECK_FALSE(drv.mailbox().disabled());
  CHECK(drv.mac() == kMine);  // kept while down, used by the bring-up
  CHECK(rig.info(0).mac == kMine);
}

TEST_CASE("admin link disable: the VF resets and reports the link down", "[vf][pf][link]") {
  PfRig rig;
  rig.up(1);
  VfDriver drv(rig.fn(0), rig.clock, rig.vf_waiter, vf_options(0));
  REQUIRE(drv.probe().has_value());
  REQUIRE(vftest::settle_link(drv, rig.clock));
  REQUIRE(rig.pf.set_vf_link_state(hal::VfId{0}, pf::LinkState::kDisable).has_value());
  drv.service();
  CHECK(drv.state() == State::kUp);
  CHECK_FALSE(drv.link_up());
  CHECK_FALSE(drv.check_link());
  CHECK(drv.get_link_state() == false);
  REQUIRE(rig.pf.set_vf_link_state(hal::VfId{0}, pf::LinkState::kAuto).has_value());
  drv.service();
  CHECK(vftest::settle_link(drv, rig.clock));
}

TEST_CASE("a port VLAN: GET_QUEUES reports it and the VF's own VLANs are refused",
          "[vf][pf][vlan]") {
  PfRig rig;
  rig.up(1);
  REQUIRE(rig.pf.set_vf_vlan(hal::VfId{0}, 10, 0).has_value());
  VfDriver drv(rig.fn(0), rig.clock, rig.vf_waiter, vf_options(0));
  REQUIRE(drv.probe().has_value());
  CHECK(drv.trans_vlan() == 1);
  auto r = drv.add_vlan(20);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kRefused);
  CHECK_FALSE(drv.user_config().vlans.test(20));
}

TEST_CASE("VFs started from the same MAC seed move along the seed's stream on a refusal",
          "[vf][pf][mac]") {
  PfRig rig;
  rig.up(3);
  std::deque<VfDriver> vfs;
  for (unsigned i = 0; i < 3; ++i) vfs.emplace_back(rig.fn(i), rig.clock, rig.vf_waiter);
  for (auto& d : vfs) REQUIRE(d.probe().has_value());
  for (unsigned i = 0; i < 3; ++i) {
    INFO("VF " << i);
    CHECK(vfs[i].mac() == vf::random_laa_mac(0, i));
    CHECK(rig.has_mac_filter(vfs[i].mac(), i));
  }
  CHECK(vfs[2].counters().nacks == 2);
  // A recovery keeps the MAC it ended up with.
  REQUIRE(rig.pf.set_vf_trust(hal::VfId{2}, true).has_value());
  vfs[2].service();
  CHECK(vfs[2].mac() == vf::random_laa_mac(0, 2));
}
