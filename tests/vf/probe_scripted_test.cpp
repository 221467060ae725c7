// VfDriver::probe() against a scripted PF: message order, MAC choice, API negotiation,
// GET_QUEUES handling, waiting for a PF that is not ready, a PF that never answers.

#include <catch2/catch.hpp>

#include "link_settle.hpp"

#include <algorithm>

#include "hal/ixgbe/regs_vf.hpp"
#include "scripted_rig.hpp"
#include "vf_driver/random_mac.hpp"

using namespace vftest;
using mbx::Api;
using mbx::MsgId;
using vf::ErrorCode;
using vf::State;
using vf::Step;
using vf::VfDriver;
using vf::VfOptions;

TEST_CASE("probe sends VF_RESET, SET_MAC_ADDR, API_NEGOTIATE, GET_QUEUES, SET_LPE, "
          "GET_LINK_STATE in order",
          "[vf][probe]") {
  ScriptedRig rig;
  VfOptions o;
  o.mac_seed = 7;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter, o);
  REQUIRE(drv.state() == State::kDown);
  REQUIRE(drv.probe().has_value());
  CHECK(drv.state() == State::kUp);
  CHECK(ids(rig.pf.received) == std::vector{MsgId::kReset, MsgId::kSetMacAddr,
                                            MsgId::kApiNegotiate, MsgId::kGetQueues,
                                            MsgId::kSetLpe, MsgId::kGetLinkState});
  // No MTU set: SET_LPE with the standard frame, 1500 + 18.
  CHECK(rig.pf.received[4].w[1] == vf::kStdMtu + vf::kFrameOverhead);
  // NACKed VF_RESET: the random locally administered MAC from the seed, told to the PF.
  CHECK(drv.mac() == vf::random_laa_mac(7));
  CHECK_FALSE(drv.mac_from_pf());
  CHECK(mbx::get_mac(rig.pf.received[1].words(), 1) == vf::random_laa_mac(7));
  CHECK(drv.api() == Api::k14);
  CHECK(rig.pf.received[2].w[1] == static_cast<uint32_t>(Api::k14));
  CHECK(drv.tx_queues() == 2);
  CHECK(drv.rx_queues() == 2);
  CHECK(vftest::settle_link(drv, rig.clock));
  CHECK(drv.counters().resets == 1);
  CHECK(drv.counters().nacks == 0);
}

TEST_CASE("VF_RESET ACK with an admin MAC: the VF takes it and sends no SET_MAC_ADDR",
          "[vf][probe]") {
  ScriptedRig rig;
  const hal::MacAddr admin({0x02, 0x11, 0x22, 0x33, 0x44, 0x55});
  rig.pf.admin_mac[0] = admin;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  CHECK(drv.mac() == admin);
  CHECK(drv.mac_from_pf());
  CHECK(ids(rig.pf.received)[1] == MsgId::kApiNegotiate);
}

TEST_CASE("API negotiation walks down from max_api and keeps the first ACK", "[vf][probe][api]") {
  ScriptedRig rig;
  auto offered = [&] {
    std::vector<Api> out;
    for (const mbx::Message& m : rig.pf.received) {
      if (m.id() == static_cast<uint16_t>(MsgId::kApiNegotiate)) out.push_back(Api(m.w[1]));
    }
    return out;
  };
  SECTION("a 1.2 PF: 1.4 and 1.3 refused, never 1.7, 1.6, 1.5 or 2.0") {
    rig.pf.max_api = Api::k12;
    VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
    REQUIRE(drv.probe().has_value());
    CHECK(offered() == std::vector{Api::k14, Api::k13, Api::k12});
    CHECK(drv.api() == Api::k12);
    CHECK(drv.counters().nacks == 2);
  }
  SECTION("a max_api above 1.4 is clamped to 1.4, even with a PF that would take 1.7") {
    rig.pf.max_api = Api::k17;  // this scripted PF ACKs any version up to 1.7 but 2.0
    Api asked = Api::k17;
    SECTION("1.7") { asked = Api::k17; }
    SECTION("1.6") { asked = Api::k16; }
    SECTION("1.5") { asked = Api::k15; }
    SECTION("an unknown version") { asked = Api::kUnknown; }
    VfOptions o;
    o.max_api = asked;
    VfDriver drv(rig.fn(0), rig.clock, rig.waiter, o);
    CHECK(drv.options().max_api == vf::kMaxApi);
    REQUIRE(drv.probe().has_value());
    CHECK(offered() == std::vector{Api::k14});
    CHECK(drv.api() == Api::k14);
  }
  SECTION("max_api 1.1 offers 1.1 only") {
    VfOptions o;
    o.max_api = Api::k11;
    VfDriver drv(rig.fn(0), rig.clock, rig.waiter, o);
    REQUIRE(drv.probe().has_value());
    CHECK(offered() == std::vector{Api::k11});
    CHECK(drv.api() == Api::k11);
    // 1.1 has GET_QUEUES but not GET_LINK_STATE.
    CHECK(ids(rig.pf.received) == std::vector{MsgId::kReset, MsgId::kSetMacAddr,
                                              MsgId::kApiNegotiate, MsgId::kGetQueues,
                                              MsgId::kSetLpe});
  }
  SECTION("a 1.0-only PF: no GET_QUEUES, one queue pair") {
    rig.pf.max_api = Api::k10;
    VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
    REQUIRE(drv.probe().has_value());
    CHECK(drv.api() == Api::k10);
    CHECK(drv.tx_queues() == 1);
    CHECK(drv.rx_queues() == 1);
    const auto sent = ids(rig.pf.received);
    CHECK(std::count(sent.begin(), sent.end(), MsgId::kGetQueues) == 0);
    CHECK(sent.back() == MsgId::kSetLpe);  // SET_LPE is 1.0: every bring-up sends it
  }
}

TEST_CASE("GET_QUEUES answers are clamped to what an 82599 pool can be", "[vf][probe][queues]") {
  ScriptedRig rig;
  uint32_t answer = 0;
  uint32_t expect = 0;
  SECTION("0 queues -> 1") { answer = 0; expect = 1; }
  SECTION("9 queues -> 8") { answer = 9; expect = 8; }
  SECTION("4 queues stay 4") { answer = 4; expect = 4; }
  rig.pf.queues = answer;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  CHECK(drv.tx_queues() == expect);
  CHECK(drv.rx_queues() == expect);
}

TEST_CASE("a default queue at or beyond the TX queue count becomes 0", "[vf][probe][queues]") {
  ScriptedRig rig;
  rig.pf.queues = 4;
  SECTION("absolute queue as DPDK's PF reports it") {
    rig.pf.default_queue = 4;
    VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
    REQUIRE(drv.probe().has_value());
    CHECK(drv.default_queue() == 0);
  }
  SECTION("a queue inside the pool is kept") {
    rig.pf.default_queue = 3;
    VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
    REQUIRE(drv.probe().has_value());
    CHECK(drv.default_queue() == 3);
  }
}

TEST_CASE("probe waits while RSTI says the PF is not ready, then completes", "[vf][probe][reset]") {
  ScriptedRig rig(1, /*pf_ready=*/false);
  rig.extra = [&] {
    if (rig.steps == 100) rig.pf_bar().write(pfr::CTRL_EXT, pfr::ctrl_ext::kPfrstd);
  };
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  CHECK(drv.state() == State::kUp);
  CHECK(rig.steps > 100);
  // Nothing was sent before the PF was ready.
  CHECK(ids(rig.pf.received).front() == MsgId::kReset);
}

TEST_CASE("a PF that stays in reset: probe fails kPfNotReady, service finishes once it is ready",
          "[vf][probe][reset]") {
  ScriptedRig rig(1, /*pf_ready=*/false);
  VfOptions o;
  o.pf_ready_timeout = std::chrono::milliseconds(5);
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter, o);
  auto r = drv.probe();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kPfNotReady);
  CHECK(r.error().step == Step::kPfReady);
  CHECK(drv.state() == State::kResetting);
  CHECK(rig.pf.received.empty());
  CHECK(drv.add_vlan(10).error().code == ErrorCode::kNotUp);

  // Still not ready: service gives up quickly and stays kResetting.
  const auto before = rig.clock.now();
  CHECK(drv.service() == 1);
  CHECK(drv.state() == State::kResetting);
  CHECK(rig.clock.now() - before <= o.reset_timeout + std::chrono::microseconds(200));

  rig.pf_bar().write(pfr::CTRL_EXT, pfr::ctrl_ext::kPfrstd);
  drv.service();
  CHECK(drv.state() == State::kUp);
  CHECK(drv.counters().recoveries == 1);
  CHECK(drv.counters().resets == 1);  // resumed the wait: no second VFCTRL.RST
  CHECK(drv.user_config().vlans.test(10));
  CHECK(ids(rig.pf.received).back() == MsgId::kGetLinkState);
  const auto sent = ids(rig.pf.received);
  CHECK(std::count(sent.begin(), sent.end(), MsgId::kReset) == 1);
}

TEST_CASE("a PF that never answers: probe times out and the mailbox stays disabled until reset",
          "[vf][probe][timeout]") {
  ScriptedRig rig;
  rig.pf.answering = false;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  const auto start = rig.clock.now();
  auto r = drv.probe();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kTimeout);
  CHECK(r.error().step == Step::kVfReset);
  CHECK(drv.state() == State::kFailed);
  CHECK(drv.mailbox().disabled());
  CHECK(drv.counters().timeouts == 1);
  // Bounded by the mailbox's 2000 x 500 us, not forever.
  CHECK(rig.clock.now() - start >= std::chrono::milliseconds(999));
  CHECK(rig.clock.now() - start <= std::chrono::milliseconds(1100));

  rig.pf.answering = true;
  CHECK(drv.service() >= 1);
  CHECK(drv.state() == State::kUp);
  CHECK_FALSE(drv.mailbox().disabled());
  CHECK(drv.counters().recoveries == 1);
}

TEST_CASE("a disabled VF: probe says kNoDevice and service leaves it alone", "[vf][probe]") {
  ScriptedRig rig;
  hal::PciFunction& fn = rig.fn(0);
  VfDriver drv(fn, rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  hal::ConfigSpace& cfg = rig.dev->pf().config();
  const uint16_t cap = cfg.find_ext_capability(hal::pci::kExtCapIdSriov);
  cfg.write16(cap + hal::pci::sriov::kCtrl, hal::pci::sriov::kCtrlAri);  // VF Enable off
  auto r = drv.probe();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kNoDevice);
  CHECK(drv.state() == State::kFailed);
  const auto resets = drv.counters().resets;
  CHECK(drv.service() == 0);
  CHECK(drv.counters().resets == resets);
}

TEST_CASE("probe leaves interrupts masked in polling mode", "[vf][probe][irq]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  CHECK(rig.fn(0).bar0().read(hal::ixgbe::vf::VFEIMS) == 0);
}

TEST_CASE("use_interrupts maps the other cause to vector 2 and a PF message signals it",
          "[vf][probe][irq]") {
  namespace regs = hal::ixgbe::vf;
  ScriptedRig rig;
  VfOptions o;
  o.use_interrupts = true;
  hal::PciFunction& fn = rig.fn(0);
  VfDriver drv(fn, rig.clock, rig.waiter, o);
  REQUIRE(drv.probe().has_value());
  const uint32_t bit = 1u << vf::kMiscVector;
  CHECK(fn.bar0().read(regs::VFIVAR_MISC) == (regs::vfivar::kValid | vf::kMiscVector));
  CHECK(fn.bar0().read(regs::VFEIAC) == bit);
  CHECK(fn.bar0().read(regs::VFEIAM) == 0);  // no auto-mask
  CHECK((fn.bar0().read(regs::VFEIMS) & bit) != 0);
  (void)fn.vector(vf::kMiscVector).drain();
  rig.pf.ping(hal::VfId{0}, /*with_cts=*/true);
  CHECK(fn.vector(vf::kMiscVector).drain() == 1);
  CHECK((fn.bar0().read(regs::VFEIMS) & bit) != 0);  // still unmasked: the next one fires too
  CHECK(drv.service() == 1);
  CHECK(drv.counters().pings == 1);
  CHECK(drv.state() == State::kUp);
}

namespace {

// A stepping waiter that first notes whether the mailbox vector was signalled since the last
// pause (what a hal::EventWaiter would find), then passes time and steps the PF. A pause with
// no signal after the PF replied is one an interrupt-driven VF would sleep through whole.
class SignalRecordingWaiter final : public hal::Waiter {
 public:
  SignalRecordingWaiter(ScriptedRig& rig, const hal::EventFd& vector)
      : rig_(rig), vector_(vector) {}
  void pause(hal::Nanos hint) override {
    const bool signalled = vector_.drain() > 0;
    if (replied && !signalled) ++missed;
    replied = false;
    rig_.clock.advance(hint);
    rig_.step();
  }

  bool replied = false;  ///< the PF wrote a reply since the last pause
  unsigned missed = 0;   ///< pauses after a reply with no signal pending

 private:
  ScriptedRig& rig_;
  const hal::EventFd& vector_;
};

}  // namespace

TEST_CASE("use_interrupts: every reply signals the vector, also after the PF's read ack did",
          "[vf][irq]") {
  ScriptedRig rig;
  hal::PciFunction& fn = rig.fn(0);
  const hal::EventFd& vector = fn.vector(vf::kMiscVector);
  SignalRecordingWaiter waiter(rig, vector);
  // The PF reads a request (PFACK, a first interrupt) in one step and writes its reply (PFSTS)
  // in the next, so the VF's wait wakes on the ack before the reply exists.
  std::optional<mbx::Message> pending;
  unsigned replies = 0;
  rig.pf.handler = [&](hal::VfId id, const mbx::Message& req) -> std::optional<mbx::Message> {
    pending = rig.pf.default_reply(id, req);
    return std::nullopt;
  };
  rig.extra = [&] {
    if (!pending) return;
    mbx::PfMailbox pfm(rig.pf_bar());
    REQUIRE(pfm.write(hal::VfId{0}, pending->words()).has_value());
    pending.reset();
    waiter.replied = true;
    ++replies;
  };
  VfOptions o;
  o.use_interrupts = true;
  VfDriver drv(fn, rig.clock, waiter, o);
  REQUIRE(drv.probe().has_value());
  REQUIRE(drv.add_vlan(10).has_value());
  REQUIRE(drv.set_mtu(9000).has_value());
  REQUIRE(drv.get_link_state().has_value());
  // The last reply has no pause after it: look for its signal here.
  if (waiter.replied && vector.drain() == 0) ++waiter.missed;
  CHECK(replies == rig.pf.received.size());
  CHECK(replies == 9);  // 6 exchanges of the bring-up, 3 requests
  CHECK(waiter.missed == 0);
}

TEST_CASE("VFs disabled while up: service notices the lost function and stops", "[vf][service]") {
  ScriptedRig rig;
  VfDriver drv(rig.fn(0), rig.clock, rig.waiter);
  REQUIRE(drv.probe().has_value());
  hal::ConfigSpace& cfg = rig.dev->pf().config();
  const uint16_t cap = cfg.find_ext_capability(hal::pci::kExtCapIdSriov);
  cfg.write16(cap + hal::pci::sriov::kCtrl, hal::pci::sriov::kCtrlAri);
  drv.service();
  CHECK(drv.state() == State::kFailed);
  REQUIRE(drv.last_error().has_value());
  CHECK(drv.last_error()->code == ErrorCode::kNoDevice);
  CHECK_FALSE(drv.check_link());
  const auto resets = drv.counters().resets;
  CHECK(drv.service() == 0);
  CHECK(drv.counters().resets == resets);
}
