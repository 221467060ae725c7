// VfDriver::service() against a scripted PF: what makes the VF reset, and that a recovery puts
// back everything the user asked for.

#include <catch2/catch.hpp>

#include "link_settle.hpp"

#include <algorithm>

#include "hal/ixgbe/regs_vf.hpp"
#include "scripted_rig.hpp"
#include "vf_driver/random_mac.hpp"

using namespace vftest;
using mbx::MsgId;
using vf::ErrorCode;
using vf::State;
using vf::Step;
using vf::VfDriver;
using vf::VfOptions;

namespace {

const hal::MacAddr kRestoreMc1({0x01, 0x00, 0x5E, 0x00, 0x00, 0x01});
const hal::MacAddr kRestoreMc2({0x33, 0x33, 0x00, 0x00, 0x00, 0x10});

// Requests since `from` whose id is `id`.
std::vector<mbx::Message> sent(const ScriptedPf& pf, size_t from, MsgId id) {
  std::vector<mbx::Message> out;
  for (size_t i = from; i < pf.received.size(); ++i) {
    if (pf.received[i].id() == static_cast<uint16_t>(id)) out.push_back(pf.received[i]);
  }
  return out;
}

void configure_restorable(VfDriver& drv) {
  const std::array mcs{kRestoreMc1, kRestoreMc2};
  REQUIRE(drv.set_multicast(mcs).has_value());
  REQUIRE(drv.add_vlan(100).has_value());
  REQUIRE(drv.add_vlan(200).has_value());
  REQUIRE(drv.set_mtu(9000).has_value());
  REQUIRE(drv.set_xcast(mbx::XcastMode::kAllMulti).has_value());
}

// The configuration from configure_restorable() was sent again since `from`.
void check_restored(const ScriptedPf& pf, size_t from, uint32_t mc_filter_type = 0) {
  auto mc = sent(pf, from, MsgId::kSetMulticast);
  REQUIRE(mc.size() == 1);
  CHECK(mc[0].msginfo() == 2);
  CHECK((mc[0].w[1] & 0xFFFF) == mbx::mta_hash(kRestoreMc1, mc_filter_type));
  CHECK((mc[0].w[1] >> 16) == mbx::mta_hash(kRestoreMc2, mc_filter_type));
  auto vlans = sent(pf, from, MsgId::kSetVlan);
  REQUIRE(vlans.size() == 2);
  CHECK(vlans[0].w[1] == 100);
  CHECK(vlans[1].w[1] == 200);
  CHECK(vlans[0].msginfo() == 1);
  auto lpe = sent(pf, from, MsgId::kSetLpe);
  REQUIRE(lpe.size() == 1);
  CHECK(lpe[0].w[1] == 9018);
  auto xcast = sent(pf, from, MsgId::kUpdateXcastMode);
  REQUIRE(xcast.size() == 1);
  CHECK(xcast[0].w[1] == static_cast<uint32_t>(mbx::XcastMode::kAllMulti));
}

}  // namespace

TEST_CASE("service is quiet when nothing happens", "[vf][service]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  CHECK(drv.service() == 0);  // never probed: nothing to do
  REQUIRE(drv.probe().has_value());
  const size_t before = rig.pf.received.size();
  CHECK(drv.service() == 0);
  CHECK(drv.service() == 0);
  CHECK(rig.pf.received.size() == before);
  CHECK(drv.counters().resets == 1);
}

TEST_CASE("a ping without CTS makes service reset and replay the user configuration",
          "[vf][service][recovery]") {
  ScriptedRig rig;
  VfOptions o;
  o.mac_seed = 3;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter, o);
  REQUIRE(drv.probe().has_value());
  configure_restorable(drv);
  const size_t mark = rig.pf.received.size();
  rig.pf.ping(hal::VfId{0}, /*with_cts=*/false);
  CHECK(drv.service() == 2);  // the ping, then the bring-up
  CHECK(drv.state() == State::kUp);
  CHECK(drv.counters().pings == 1);
  CHECK(drv.counters().recoveries == 1);
  CHECK(drv.counters().resets == 2);
  CHECK(ids_since(rig.pf, mark).front() == MsgId::kReset);
  check_restored(rig.pf, mark);
  // The same random MAC as before the reset (made once), told to the PF again.
  CHECK(drv.mac() == vf::random_laa_mac(3));
  REQUIRE(sent(rig.pf, mark, MsgId::kSetMacAddr).size() == 1);
  CHECK(mbx::get_mac(sent(rig.pf, mark, MsgId::kSetMacAddr)[0].words(), 1) == drv.mac());
}

TEST_CASE("a ping with CTS is only a link notice", "[vf][service]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  rig.pf.ping(hal::VfId{0}, /*with_cts=*/true);
  CHECK(drv.service() == 1);
  CHECK(drv.counters().pings == 1);
  CHECK(drv.counters().resets == 1);
  CHECK(vftest::settle_link(drv, rig.clock));
}

TEST_CASE("a request answered without CTS schedules a reset and the setting survives it",
          "[vf][service][recovery]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  rig.pf.cts[0] = false;  // the PF forgot the VF without telling it
  auto r = drv.add_vlan(42);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kNotClearToSend);
  CHECK(drv.reset_pending());
  CHECK_FALSE(drv.check_link());
  CHECK(drv.add_vlan(43).error().code == ErrorCode::kNotUp);  // no more traffic until the reset
  const size_t mark = rig.pf.received.size();
  drv.service();
  CHECK(drv.state() == State::kUp);
  auto vlans = sent(rig.pf, mark, MsgId::kSetVlan);
  REQUIRE(vlans.size() == 2);
  CHECK(vlans[0].w[1] == 42);
  CHECK(vlans[1].w[1] == 43);
}

TEST_CASE("an unsolicited NACK without CTS schedules a reset", "[vf][service][recovery]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  mbx::PfMailbox pfm(rig.pf_bar());
  const std::array<uint32_t, 1> nack{mbx::word0::kNack};
  REQUIRE(pfm.write(hal::VfId{0}, nack).has_value());
  drv.service();
  CHECK(drv.counters().recoveries == 1);
  CHECK(drv.state() == State::kUp);
}

TEST_CASE("a reply for another request is a protocol error and schedules a reset",
          "[vf][service][protocol]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  rig.pf.handler = [&](hal::VfId vf, const mbx::Message& req) -> std::optional<mbx::Message> {
    if (req.id() != static_cast<uint16_t>(MsgId::kSetVlan)) return rig.pf.default_reply(vf, req);
    mbx::Message wrong = req;
    wrong.w[0] = mbx::reply_word0(mbx::word0::make(static_cast<uint16_t>(MsgId::kSetLpe)), true,
                                  true);
    return wrong;
  };
  auto r = drv.add_vlan(7);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kProtocol);
  CHECK(drv.reset_pending());
  rig.pf.handler = nullptr;
  drv.service();
  CHECK(drv.counters().recoveries == 1);
  CHECK(drv.user_config().vlans.test(7));  // not refused: kept and replayed
}

TEST_CASE("a ping with CTS ahead of a reply is read past", "[vf][protocol]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  bool pinged = false;
  rig.pf.handler = [&](hal::VfId vf, const mbx::Message& req) -> std::optional<mbx::Message> {
    if (!pinged) {
      pinged = true;
      rig.pf.ping(vf, /*with_cts=*/true);
      return std::nullopt;  // the real reply follows from `extra`, once the VF read the ping
    }
    return rig.pf.default_reply(vf, req);
  };
  rig.extra = [&] {
    if (pinged && rig.pf.handler) {
      rig.pf.handler = nullptr;
      mbx::PfMailbox pfm(rig.pf_bar());
      auto reply = rig.pf.default_reply(hal::VfId{0}, rig.pf.received.back());
      (void)pfm.write(hal::VfId{0}, reply->words());
    }
  };
  REQUIRE(drv.add_vlan(9).has_value());
  CHECK(drv.counters().pings == 1);
  CHECK_FALSE(drv.reset_pending());
}

TEST_CASE("a NACK with CTS is refused, counted and not remembered", "[vf][requests]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  rig.pf.handler = [&](hal::VfId vf, const mbx::Message& req) -> std::optional<mbx::Message> {
    if (req.id() != static_cast<uint16_t>(MsgId::kSetVlan)) return rig.pf.default_reply(vf, req);
    mbx::Message nack = req;
    nack.w[0] = mbx::reply_word0(req.w[0], false, true);
    return nack;
  };
  auto r = drv.add_vlan(300);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kRefused);
  CHECK(drv.counters().nacks == 1);
  CHECK_FALSE(drv.user_config().vlans.test(300));
  CHECK_FALSE(drv.reset_pending());
  CHECK(drv.state() == State::kUp);
}

TEST_CASE("a PF device reset: service waits in kResetting, then recovers and restores",
          "[vf][service][recovery]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  configure_restorable(drv);
  rig.pf_bar().write(pfr::CTRL, pfr::ctrl::kRst);  // RSTI in every VFMAILBOX
  rig.pf.cts.fill(false);
  CHECK(drv.service() >= 1);
  CHECK(drv.state() == State::kResetting);
  CHECK(drv.service() == 1);
  CHECK(drv.state() == State::kResetting);
  // The PF comes back: 64-pool mode, mailbox interrupts, PFRSTD.
  rig.pf_bar().write(pfr::GCR_EXT, pfr::gcr_ext::kVtMode64);
  for (unsigned i = 0; i < 4; ++i) rig.pf_bar().write(pfr::MBVFIMR(i), 0xFFFFFFFFu);
  rig.pf_bar().write(pfr::CTRL_EXT, pfr::ctrl_ext::kPfrstd);
  const size_t mark = rig.pf.received.size();
  drv.service();
  CHECK(drv.state() == State::kUp);
  CHECK(drv.counters().recoveries == 1);
  check_restored(rig.pf, mark);
}

TEST_CASE("an FLR nobody reported is noticed by service through the lost bus master",
          "[vf][service][flr]") {
  ScriptedRig rig;
  hal::PciFunction& fn = rig.fn(0);
  VfDriver drv(fn, rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  REQUIRE((fn.config().read16(hal::pci::kCommand) & hal::pci::kCommandMaster) != 0);
  configure_restorable(drv);
  const uint8_t exp = fn.config().find_capability(hal::pci::kCapIdExp);
  REQUIRE(exp != 0);
  const uint16_t devctl = static_cast<uint16_t>(exp + hal::pci::kExpDevCtl);
  fn.config().write16(devctl, fn.config().read16(devctl) | hal::pci::kExpDevCtlBcrFlr);
  rig.pf.step();  // the PF handles VFLRE
  const size_t mark = rig.pf.received.size();
  drv.service();
  CHECK(drv.state() == State::kUp);
  CHECK(drv.counters().recoveries == 1);
  CHECK((fn.config().read16(hal::pci::kCommand) & hal::pci::kCommandMaster) != 0);
  check_restored(rig.pf, mark);
}

TEST_CASE("check_link follows VFLINKS and settles after the link comes back", "[vf][link]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  CHECK(vftest::settle_link(drv, rig.clock));
  rig.dev->set_link(false);
  CHECK_FALSE(drv.check_link());
  CHECK_FALSE(drv.link_up());
  rig.dev->set_link(true);
  const uint64_t steps = rig.steps;
  // Up reads closer than 100 us apart do not count toward the 5 the 82599 needs.
  for (int i = 0; i < 20; ++i) CHECK_FALSE(drv.check_link());
  for (int i = 0; i < 4; ++i) {
    rig.clock.advance(std::chrono::microseconds(100));
    CHECK(drv.check_link() == (i == 3));  // the 5th spaced read settles it
  }
  CHECK(rig.steps == steps);  // sampled, never waited for
  CHECK(drv.check_link());    // stable: stays up
  // A down read in the middle restarts the count.
  rig.dev->set_link(false);
  CHECK_FALSE(drv.check_link());
  rig.dev->set_link(true);
  CHECK_FALSE(drv.check_link());
  rig.clock.advance(std::chrono::microseconds(100));
  CHECK_FALSE(drv.check_link());
  rig.dev->set_link(false);
  CHECK_FALSE(drv.check_link());
  rig.dev->set_link(true);
  CHECK_FALSE(drv.check_link());  // up read 1 of a fresh count
  for (int i = 0; i < 3; ++i) {
    rig.clock.advance(std::chrono::microseconds(100));
    CHECK_FALSE(drv.check_link());  // reads 2..4: the two reads before the drop did not count
  }
  rig.clock.advance(std::chrono::microseconds(100));
  CHECK(drv.check_link());
}

TEST_CASE("a mailbox timeout drops the link and service recovers", "[vf][service][timeout]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  rig.pf.answering = false;
  auto r = drv.set_mtu(1500);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kTimeout);
  CHECK(drv.mailbox().disabled());
  CHECK_FALSE(drv.check_link());
  CHECK(drv.set_mtu(1400).error().code == ErrorCode::kNotUp);
  rig.pf.answering = true;
  const size_t mark = rig.pf.received.size();
  drv.service();
  CHECK(drv.state() == State::kUp);
  CHECK(vftest::settle_link(drv, rig.clock));
  auto lpe = sent(rig.pf, mark, MsgId::kSetLpe);
  REQUIRE(lpe.size() == 1);
  CHECK(lpe[0].w[1] == 1418);
}

TEST_CASE("a PF reset during a request: kPfReset at once, mailbox enabled, service restores",
          "[vf][service][recovery][reset]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  // The PF comes back: 64-pool mode, mailbox interrupts, PFRSTD (RSTI clears, RSTD is set).
  auto pf_back = [&] {
    rig.pf_bar().write(pfr::GCR_EXT, pfr::gcr_ext::kVtMode64);
    for (unsigned i = 0; i < 4; ++i) rig.pf_bar().write(pfr::MBVFIMR(i), 0xFFFFFFFFu);
    rig.pf_bar().write(pfr::CTRL_EXT, pfr::ctrl_ext::kPfrstd);
  };
  bool back_at_once = false;
  SECTION("the VF sees RSTI") { back_at_once = false; }
  SECTION("the PF is back before the VF looks: only RSTD") { back_at_once = true; }
  // The PF reads SET_VLAN, then resets instead of answering.
  rig.pf.handler = [&](hal::VfId vf, const mbx::Message& req) -> std::optional<mbx::Message> {
    if (req.id() != static_cast<uint16_t>(MsgId::kSetVlan)) return rig.pf.default_reply(vf, req);
    rig.pf_bar().write(pfr::CTRL, pfr::ctrl::kRst);
    rig.pf.cts.fill(false);
    if (back_at_once) pf_back();
    return std::nullopt;
  };
  const auto start = rig.clock.now();
  auto r = drv.add_vlan(42);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kPfReset);
  CHECK(r.error().step == Step::kRequest);
  CHECK(rig.clock.now() - start <= std::chrono::milliseconds(2));  // not the 1 s timeout
  CHECK_FALSE(drv.mailbox().disabled());  // a reset is not a timeout
  CHECK(drv.counters().timeouts == 0);
  CHECK(drv.mailbox().counters().resets == 1);
  CHECK(drv.reset_pending());
  CHECK_FALSE(drv.check_link());
  CHECK(drv.user_config().vlans.test(42));  // not refused: kept for the recovery

  rig.pf.handler = nullptr;
  if (!back_at_once) pf_back();
  const size_t mark = rig.pf.received.size();
  CHECK(drv.service() >= 1);
  CHECK(drv.state() == State::kUp);
  CHECK(drv.counters().recoveries == 1);
  CHECK_FALSE(drv.reset_pending());
  auto vlans = sent(rig.pf, mark, MsgId::kSetVlan);
  REQUIRE(vlans.size() == 1);
  CHECK(vlans[0].w[1] == 42);
}
