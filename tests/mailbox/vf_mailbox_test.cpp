// VfMailbox against the simulated 82599: handshake, shadow of read-to-clear bits, lock
// contention, sticky timeout, device removal and the trace hook.

#include <catch2/catch.hpp>

#include "hal/ixgbe/regs_vf.hpp"
#include "hal/sim/reg_trace.hpp"
#include "mailbox/codec.hpp"
#include "mailbox/pf_mailbox.hpp"
#include "mailbox/vf_mailbox.hpp"
#include "tests/mailbox/sim_fixture.hpp"

using namespace mbx;
using mbx::test::SimFixture;
using mbx::test::vec;
using W = std::vector<uint32_t>;
namespace vfmb = hal::ixgbe::vf::vfmailbox;

namespace {

constexpr auto kDelay = std::chrono::microseconds(500);

// Short timeouts keep the tests quick; the behaviour does not depend on the count.
VfMailboxParams params(unsigned tries) { return {.timeout_tries = tries, .delay = kDelay}; }

// The values the VF function wrote to VFMAILBOX, in order.
struct VfMailboxWrites {
  W values;
  void attach(sim::Device82599& dev, unsigned vf) {
    dev.set_trace([this, vf](const sim::RegAccess& a) {
      if (a.function == static_cast<int>(vf) && a.space == sim::Space::kBar0 && a.write &&
          a.offset == hal::ixgbe::vf::VFMAILBOX.offset) {
        values.push_back(a.value);
      }
    });
  }
};

}  // namespace

TEST_CASE("After PFRSTD a VF sees RSTD once and RSTI clear", "[mailbox][vf]") {
  SimFixture f(4);
  VfMailbox vf(f.vf_bar(2), f.clock, f.waiter);
  CHECK_FALSE(vf.pf_in_reset());     // this read folds RSTD into the shadow
  CHECK(vf.check_for_rst());         // RSTD from the shadow, consumed
  CHECK_FALSE(vf.check_for_rst());
}

TEST_CASE("Before PFRSTD a VF sees RSTI on every read", "[mailbox][vf]") {
  SimFixture f(4, /*pf_ready=*/false);
  VfMailbox vf(f.vf_bar(0), f.clock, f.waiter);
  CHECK(vf.pf_in_reset());
  CHECK(vf.check_for_rst());
  CHECK(vf.check_for_rst());  // a level, not an event
}

TEST_CASE("A VF message reaches the PF and the PF's reply reaches the VF", "[mailbox][vf][pf]") {
  SimFixture f(8);
  VfMailbox vf(f.vf_bar(5), f.clock, f.waiter);
  PfMailbox pf(f.pf_bar());
  const hal::VfId id{5};

  const Message req = SetVlanReq{.add = true, .vid = 42}.encode();
  REQUIRE(vf.write(req.words()).has_value());
  CHECK(vf.counters().sent == 1);

  REQUIRE(pf.check_for_msg(id));
  auto got = pf.read(id);
  REQUIRE(got.has_value());
  CHECK(got->size == 16);
  CHECK(vec(got->words().first(2)) == vec(req.words()));
  CHECK(vf.check_for_ack());  // the PF's ACK raised PFACK

  const Message reply = Message::from(std::array{reply_word0(req.w[0], true, true), 42u});
  REQUIRE(pf.write(id, reply.words()).has_value());
  REQUIRE(vf.check_for_msg());
  auto back = vf.read(2);
  REQUIRE(back.has_value());
  CHECK(vec(back->words()) == W{0xA0010004, 42});
  CHECK(vf.counters().received == 1);
  CHECK(pf.check_for_ack(id));  // the VF's ACK raised VFACK
}

TEST_CASE("VF write raises REQ alone and read raises ACK alone, each after taking VFU",
          "[mailbox][vf]") {
  SimFixture f(2);
  VfMailbox vf(f.vf_bar(1), f.clock, f.waiter);
  PfMailbox pf(f.pf_bar());
  VfMailboxWrites writes;
  writes.attach(*f.dev, 1);

  REQUIRE(vf.write(std::array<uint32_t, 1>{0x1}).has_value());
  CHECK(writes.values == W{vfmb::kVfu, vfmb::kReq});

  writes.values.clear();
  REQUIRE(pf.write(hal::VfId{1}, std::array<uint32_t, 1>{0x100}).has_value());
  REQUIRE(vf.check_for_msg());
  REQUIRE(vf.read(1).has_value());
  CHECK(writes.values == W{vfmb::kVfu, vfmb::kAck});
  f.dev->set_trace(nullptr);
}

TEST_CASE("VFMAILBOX PFSTS cleared by a raw read is still seen once through the shadow",
          "[mailbox][vf]") {
  SimFixture f(1);
  VfMailbox vf(f.vf_bar(0), f.clock, f.waiter);
  PfMailbox pf(f.pf_bar());
  vf.check_for_rst();  // drop the RSTD from bring-up

  REQUIRE(pf.write(hal::VfId{0}, PfControlMsg{.cts = true}.encode().words()).has_value());
  const uint32_t live = vf.read_mailbox();
  CHECK((live & vfmb::kPfsts) != 0);
  CHECK((vf.read_mailbox() & vfmb::kPfsts) == 0);  // the hardware cleared it on the first read
  CHECK_FALSE(vf.check_for_ack());                  // PFSTS is not PFACK
  CHECK(vf.check_for_msg());                        // seen through the shadow
  CHECK_FALSE(vf.check_for_msg());                  // exactly once
}

TEST_CASE("VFMAILBOX PFACK cleared by a raw read is still seen once through the shadow",
          "[mailbox][vf]") {
  SimFixture f(1);
  VfMailbox vf(f.vf_bar(0), f.clock, f.waiter);
  PfMailbox pf(f.pf_bar());
  vf.check_for_rst();

  REQUIRE(vf.write(ResetReq{}.encode().words()).has_value());
  REQUIRE(pf.read(hal::VfId{0}).has_value());
  CHECK((vf.read_mailbox() & vfmb::kPfack) != 0);
  CHECK_FALSE(vf.check_for_msg());
  CHECK(vf.check_for_ack());
  CHECK_FALSE(vf.check_for_ack());
}

TEST_CASE("VF write discards a stale PFSTS and PFACK", "[mailbox][vf]") {
  SimFixture f(1);
  VfMailbox vf(f.vf_bar(0), f.clock, f.waiter);
  PfMailbox pf(f.pf_bar());
  vf.check_for_rst();

  REQUIRE(vf.write(ResetReq{}.encode().words()).has_value());
  REQUIRE(pf.read(hal::VfId{0}).has_value());                // PFACK
  REQUIRE(pf.write(hal::VfId{0}, std::array<uint32_t, 1>{0x100}).has_value());  // PFSTS
  vf.read_mailbox();                                           // both now only in the shadow
  REQUIRE(vf.write(GetQueuesReq{}.encode().words()).has_value());
  CHECK_FALSE(vf.check_for_msg());
  CHECK_FALSE(vf.check_for_ack());
}

TEST_CASE("request() waits through the waiter while the PF answers", "[mailbox][vf]") {
  SimFixture f(4);
  VfMailbox vf(f.vf_bar(3), f.clock, f.waiter, params(10));
  PfMailbox pf(f.pf_bar());
  const hal::VfId id{3};
  vf.check_for_rst();

  f.step = [&] {
    if (!pf.check_for_msg(id)) return;
    auto m = pf.read(id);
    REQUIRE(m.has_value());
    const GetQueuesReply r{.tx_queues = 2, .rx_queues = 2, .trans_vlan = 0, .default_queue = 0};
    REQUIRE(pf.write(id, r.encode(true, true).words()).has_value());
  };
  auto reply = vf.request(GetQueuesReq{}.encode().words(), get_queues::kWords);
  REQUIRE(reply.has_value());
  CHECK(vec(reply->words()) == W{0xA0000009, 2, 2, 0, 0});
  CHECK(f.pauses == 1);
  CHECK(f.clock.now() == kDelay);
  CHECK_FALSE(vf.disabled());
}

TEST_CASE("read_posted timeout is sticky until reset_done", "[mailbox][vf]") {
  SimFixture f(1);
  VfMailbox vf(f.vf_bar(0), f.clock, f.waiter, params(4));
  PfMailbox pf(f.pf_bar());
  vf.check_for_rst();

  auto r = vf.read_posted(1);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == Error::kTimeout);
  CHECK(vf.disabled());
  CHECK(vf.counters().timeouts == 1);
  CHECK(f.clock.now() == 4 * kDelay);
  CHECK(f.pauses == 4);

  // The PF answers late: posted calls still fail at once, without waiting.
  REQUIRE(pf.write(hal::VfId{0}, std::array<uint32_t, 1>{0x80000001}).has_value());
  const unsigned pauses = f.pauses;
  CHECK(vf.read_posted(1).error() == Error::kDisabled);
  CHECK(vf.write_posted(ResetReq{}.encode().words()).error() == Error::kDisabled);
  CHECK(vf.request(ResetReq{}.encode().words(), 4).error() == Error::kDisabled);
  CHECK(f.pauses == pauses);
  CHECK(vf.counters().timeouts == 1);

  vf.reset_done();
  CHECK_FALSE(vf.disabled());
  REQUIRE(pf.write(hal::VfId{0}, std::array<uint32_t, 1>{0x80000001}).has_value());
  auto m = vf.read_posted(1);
  REQUIRE(m.has_value());
  CHECK(m->w[0] == 0x80000001);
}

TEST_CASE("poll_message reads a pending ping and reports kNoMessage otherwise", "[mailbox][vf]") {
  SimFixture f(1);
  VfMailbox vf(f.vf_bar(0), f.clock, f.waiter);
  PfMailbox pf(f.pf_bar());
  vf.check_for_rst();
  CHECK(vf.poll_message(1).error() == Error::kNoMessage);
  REQUIRE(pf.write(hal::VfId{0}, PfControlMsg{.cts = false}.encode().words()).has_value());
  auto m = vf.poll_message(1);
  REQUIRE(m.has_value());
  CHECK(m->w[0] == 0x00000100);
  CHECK(vf.poll_message(1).error() == Error::kNoMessage);
  CHECK(f.pauses == 0);
}

TEST_CASE("VF try_lock fails while the PF holds PFU", "[mailbox][vf][pf]") {
  SimFixture f(2);
  VfMailbox vf(f.vf_bar(1), f.clock, f.waiter, params(3));
  PfMailbox pf(f.pf_bar());
  REQUIRE(pf.try_lock(hal::VfId{1}).has_value());

  CHECK(vf.try_lock().error() == Error::kLockTimeout);
  CHECK((vf.read_mailbox() & vfmb::kPfu) != 0);
  auto w = vf.write(ResetReq{}.encode().words());
  REQUIRE_FALSE(w.has_value());
  CHECK(w.error() == Error::kLockTimeout);
  CHECK(f.pauses == 3);
  CHECK(vf.counters().lock_failures == 1);
  CHECK(vf.counters().sent == 0);
  CHECK_FALSE(pf.check_for_msg(hal::VfId{1}));  // nothing was sent
  CHECK_FALSE(vf.disabled());                   // a lock failure is not sticky

  REQUIRE(pf.clear(hal::VfId{1}).has_value());  // releases PFU
  CHECK(vf.try_lock().has_value());
}

TEST_CASE("VF write takes the lock on a retry once the PF lets go", "[mailbox][vf][pf]") {
  SimFixture f(1);
  VfMailbox vf(f.vf_bar(0), f.clock, f.waiter, params(10));
  PfMailbox pf(f.pf_bar());
  REQUIRE(pf.try_lock(hal::VfId{0}).has_value());
  f.step = [&] { REQUIRE(pf.clear(hal::VfId{0}).has_value()); };
  REQUIRE(vf.write(ResetReq{}.encode().words()).has_value());
  CHECK(f.pauses == 1);
  CHECK(vf.counters().lock_failures == 0);
  CHECK(pf.check_for_msg(hal::VfId{0}));
}

TEST_CASE("More than 16 words is kTooLong on the VF side", "[mailbox][vf]") {
  SimFixture f(1);
  VfMailbox vf(f.vf_bar(0), f.clock, f.waiter);
  const std::array<uint32_t, 17> big{};
  CHECK(vf.write(big).error() == Error::kTooLong);
  CHECK(vf.read(17).error() == Error::kTooLong);
  CHECK(vf.read_posted(17).error() == Error::kTooLong);
  CHECK(vf.poll_message(17).error() == Error::kTooLong);
  CHECK_FALSE(vf.disabled());
}

TEST_CASE("A VF whose function is gone gets kNoDevice, not a timeout", "[mailbox][vf]") {
  SimFixture f(2);
  VfMailbox vf(f.vf_bar(1), f.clock, f.waiter, params(4));
  vf.check_for_rst();
  f.set_vfs(0, 0);  // VF Enable off: the VF BAR reads all-ones

  CHECK(vf.read_mailbox() == hal::kDeviceGone);
  CHECK(vf.device_gone());
  CHECK_FALSE(vf.check_for_msg());
  CHECK_FALSE(vf.check_for_ack());
  CHECK_FALSE(vf.check_for_rst());
  CHECK(vf.try_lock().error() == Error::kNoDevice);
  CHECK(vf.write(ResetReq{}.encode().words()).error() == Error::kNoDevice);
  CHECK(vf.read_posted(4).error() == Error::kNoDevice);
  CHECK(vf.poll_message(1).error() == Error::kNoDevice);
  CHECK(f.pauses == 0);
  CHECK_FALSE(vf.disabled());
  CHECK(vf.counters().timeouts == 0);
}

TEST_CASE("VF trace hook sees exactly the words written and read", "[mailbox][vf][trace]") {
  SimFixture f(8);
  VfMailbox vf(f.vf_bar(7), f.clock, f.waiter);
  PfMailbox pf(f.pf_bar());
  std::vector<std::string> lines;
  vf.set_trace([&](hal::VfId id, Direction d, std::span<const uint32_t> w) {
    lines.push_back(format_trace(id, d, w));
  }, hal::VfId{7});

  REQUIRE(vf.write(ApiNegotiateReq{.api = Api::k12}.encode().words()).has_value());
  REQUIRE(pf.write(hal::VfId{7}, std::array<uint32_t, 3>{0xA0000008, 3, 0}).has_value());
  REQUIRE(vf.check_for_msg());
  REQUIRE(vf.read(3).has_value());
  CHECK(lines == std::vector<std::string>{"mbx vf=7 vf->pf 00000008 00000003 00000000",
                                          "mbx vf=7 pf->vf a0000008 00000003 00000000"});
}

TEST_CASE("RSTI during read_posted ends the wait with kReset at once, without disabling",
          "[mailbox][vf][reset]") {
  namespace pfr = hal::ixgbe::pf;
  SimFixture f(1);
  VfMailbox vf(f.vf_bar(0), f.clock, f.waiter);  // the full 2000 x 500 us
  vf.check_for_rst();
  REQUIRE(vf.write_posted(GetQueuesReq{}.encode().words()).has_value());
  // The PF resets instead of answering (CTRL.RST: RSTI in every VFMAILBOX).
  f.step = [&] {
    if (f.pauses == 2) f.pf_bar().write(pfr::CTRL, pfr::ctrl::kRst);
  };
  auto r = vf.read_posted(get_queues::kWords);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == Error::kReset);
  CHECK(f.pauses == 2);
  CHECK(f.clock.now() == 2 * kDelay);
  CHECK_FALSE(vf.disabled());  // a reset is not a timeout
  CHECK(vf.counters().timeouts == 0);
  CHECK(vf.counters().resets == 1);

  // While RSTI stays up, posted calls refuse at once and write nothing.
  f.step = nullptr;
  const unsigned pauses = f.pauses;
  CHECK(vf.request(GetQueuesReq{}.encode().words(), get_queues::kWords).error() ==
        Error::kReset);
  CHECK(vf.counters().sent == 1);
  CHECK(f.pauses == pauses);
  CHECK(vf.check_for_rst());

  // PFRSTD: RSTI clears, RSTD is set. Posted calls still refuse until someone handles it...
  f.pf_bar().set_bits(pfr::CTRL_EXT, pfr::ctrl_ext::kPfrstd);
  CHECK(vf.read_posted(1).error() == Error::kReset);
  CHECK(f.pauses == pauses);
  // ...and the RSTD they saw is still there for check_for_rst, once.
  CHECK(vf.check_for_rst());
  CHECK_FALSE(vf.check_for_rst());
  PfMailbox pf(f.pf_bar());
  REQUIRE(vf.write_posted(ResetReq{}.encode().words()).has_value());
  CHECK(pf.check_for_msg(hal::VfId{0}));
}

TEST_CASE("A PF reset finished between two polls (RSTD only) ends read_posted with kReset",
          "[mailbox][vf][reset]") {
  namespace pfr = hal::ixgbe::pf;
  SimFixture f(1);
  VfMailbox vf(f.vf_bar(0), f.clock, f.waiter);
  vf.check_for_rst();
  REQUIRE(vf.write_posted(ResetReq{}.encode().words()).has_value());
  f.step = [&] {
    if (f.pauses != 1) return;
    f.pf_bar().write(pfr::CTRL, pfr::ctrl::kRst);
    f.pf_bar().set_bits(pfr::CTRL_EXT, pfr::ctrl_ext::kPfrstd);  // RSTI never seen
  };
  auto r = vf.read_posted(4);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == Error::kReset);
  CHECK(f.pauses == 1);
  CHECK_FALSE(vf.disabled());
  CHECK_FALSE(vf.pf_in_reset());
  CHECK(vf.check_for_rst());  // the RSTD the wait saw, kept for the owner
  CHECK_FALSE(vf.check_for_rst());
}

TEST_CASE("A PF reset while write_posted waits for the lock ends it with kReset, nothing sent",
          "[mailbox][vf][reset]") {
  namespace pfr = hal::ixgbe::pf;
  SimFixture f(1);
  VfMailbox vf(f.vf_bar(0), f.clock, f.waiter);
  PfMailbox pf(f.pf_bar());
  vf.check_for_rst();
  REQUIRE(pf.try_lock(hal::VfId{0}).has_value());
  // The reset also drops PFU: without the reset check the next try would take the lock.
  f.step = [&] {
    if (f.pauses == 3) f.pf_bar().write(pfr::CTRL, pfr::ctrl::kRst);
  };
  auto w = vf.write_posted(ResetReq{}.encode().words());
  REQUIRE_FALSE(w.has_value());
  CHECK(w.error() == Error::kReset);
  CHECK(f.pauses == 3);
  CHECK(vf.counters().sent == 0);
  CHECK(vf.counters().lock_failures == 0);
  CHECK_FALSE(vf.disabled());
  CHECK((vf.read_mailbox() & vfmb::kVfu) == 0);  // the lock was never taken
}
