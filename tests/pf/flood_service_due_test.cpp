// What the flood guard holds is still served, and still answered the right way: a caller that
// sleeps until the PF's interrupt or next_service_due() serves a held request (it raises no new
// interrupt); an ACK from a VF that is not clear to send does not overwrite a held request;
// disabling the VFs logs the guard's pending reports instead of dropping them.
#include "flood_rig.hpp"
#include "hal/ixgbe/regs_pf.hpp"

using namespace pftest;
namespace reg = hal::ixgbe::pf;
using mbx::MsgId;
using pf::EventCode;

namespace {

/// One turn of a PF owner that never polls: it serves after an interrupt, else sleeps until
/// next_service_due() (the clock jumps there) and serves then. False: it would sleep until the
/// next interrupt, whenever that comes.
bool interrupt_driven_turn(Rig& r) {
  if (r.pf.interrupt().wait(hal::Nanos::zero())) {
    r.pf.service_once();
    return true;
  }
  const std::optional<hal::Nanos> due = r.pf.next_service_due();
  if (!due) return false;
  if (*due > r.clock.now()) r.clock.advance(*due - r.clock.now());
  r.pf.service_once();
  return true;
}

/// Posts `req` and lets an interrupt-driven owner run until the VF has an answer (or the
/// owner would sleep for good). Returns the answer.
std::optional<mbx::Message> exchange_interrupt_driven(Rig& r, Vf& vf, const mbx::Message& req,
                                                      size_t reply_words) {
  REQUIRE(vf.mbx().write(req.words()).has_value());
  for (int turn = 0; turn < 8; ++turn) {
    if (!interrupt_driven_turn(r)) break;
    if (auto m = vf.mbx().poll_message(reply_words)) {
      interrupt_driven_turn(r);  // the VF's ACK
      return *m;
    }
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("a held request is served by an owner that waits only for interrupts and "
          "next_service_due()",
          "[pf][flood][due]") {
  Rig r;  // the default policy: 1000/s, burst 128; VF_RESET 4 at once, then 1 per 200 ms
  r.up(2);
  Vf vf(r, 0);
  vf.ready(mbx::Api::k13);
  CHECK_FALSE(r.pf.next_service_due().has_value());  // nothing held: interrupts bring all work
  (void)r.pf.interrupt().drain();

  SECTION("a VF_RESET over its reset budget, at the time its reset token comes") {
    for (int i = 0; i < 3; ++i) REQUIRE(exchange_interrupt_driven(r, vf, kReset, 4).has_value());
    // The fifth: held. Its post raised the interrupt; the pass that holds it raises none.
    REQUIRE(vf.mbx().write(kReset.words()).has_value());
    REQUIRE(interrupt_driven_turn(r));
    REQUIRE(request_pending(r, vf.id()));
    CHECK_FALSE(r.pf.interrupt().wait(hal::Nanos::zero()));
    const std::optional<hal::Nanos> due = r.pf.next_service_due();
    REQUIRE(due.has_value());
    CHECK(*due > r.clock.now());
    CHECK(*due - r.clock.now() <= 200ms);
    // Due means due: one turn at that time serves it (not a request token's time too early).
    REQUIRE(interrupt_driven_turn(r));
    CHECK_FALSE(request_pending(r, vf.id()));
    auto m = vf.mbx().poll_message(4);
    REQUIRE(m.has_value());
    CHECK(m->id() == static_cast<uint16_t>(MsgId::kReset));
    CHECK(m->is_ack() != m->is_nack());
  }
  SECTION("a request over the rate, and then the report of the window it opened") {
    pf::PfOptions o = flood_options(1000, 1);
    Rig q(o);
    q.up(1);
    Vf f(q, 0);
    f.ready(mbx::Api::k13);
    q.clock.advance(1s);
    (void)q.pf.interrupt().drain();
    REQUIRE(exchange_interrupt_driven(q, f, kGetQueues, 5).has_value());
    // (ready()'s requests, back to back, were reported by now.)
    const size_t reports = q.pf.events().count(EventCode::kMailboxRateLimited);
    // No time passes: the bucket (burst 1) is empty, the next one is held for ~1 ms.
    auto m = exchange_interrupt_driven(q, f, kGetQueues, 5);
    REQUIRE(m.has_value());
    CHECK(m->w[0] == ack_cts(MsgId::kGetQueues));
    CHECK(q.pf.events().count(EventCode::kMailboxRateLimited) == reports);
    // The window's report is due once its interval has run: no interrupt announces it either.
    const std::optional<hal::Nanos> due = q.pf.next_service_due();
    REQUIRE(due.has_value());
    CHECK(*due - q.clock.now() <= 1s);
    REQUIRE(interrupt_driven_turn(q));
    CHECK(q.pf.events().count(EventCode::kMailboxRateLimited) == reports + 1);
    CHECK_FALSE(q.pf.next_service_due().has_value());
  }
}

TEST_CASE("an ACK from a VF that is not clear to send leaves its held request in place",
          "[pf][flood][due]") {
  Rig r(flood_options(1000, 1));  // burst 1: a request right after another is held ~1 ms
  r.up(1);
  Vf vf(r, 0);
  vf.ready(mbx::Api::k13);
  r.clock.advance(1s);
  (void)r.pf.interrupt().drain();
  REQUIRE(exchange_interrupt_driven(r, vf, kGetQueues, 5).has_value());  // the bucket spent
  // A trust change forces a reset: clear-to-send dropped, the VF pinged.
  REQUIRE(r.pf.set_vf_trust(vf.id(), true).has_value());
  REQUIRE_FALSE(r.pf.vf_info(vf.id()).clear_to_send);
  // The VF reads the ping (its ACK is latched) and posts a request over its rate: the PF's
  // next pass holds the request and sees the ACK of a VF that is not clear to send. (Not a
  // VF_RESET: the one the PF demanded is never held, mailbox_guard.hpp reset_charged().)
  REQUIRE(vf.mbx().poll_message(1).has_value());
  REQUIRE(vf.mbx().write(kGetQueues.words()).has_value());
  const uint64_t nacks = r.pf.vf_info(vf.id()).counters.nacks;
  r.pf.service_once();
  REQUIRE(request_pending(r, vf.id()));
  // No bare NACK over it: the buffer still holds the request.
  CHECK(r.pf.vf_info(vf.id()).counters.nacks == nacks);
  CHECK(r.rd(reg::PFMBMEM(0, 0)) == kGetQueues.w[0]);
  // Once its token is there the request is served, and its answer is its own NACK without
  // CTS (spec 4d): the VF must reset first.
  r.clock.advance(1ms);
  r.pf.service_once();
  CHECK_FALSE(request_pending(r, vf.id()));
  auto m = vf.mbx().poll_message(1);
  REQUIRE(m.has_value());
  CHECK(m->id() == static_cast<uint16_t>(MsgId::kGetQueues));
  CHECK(m->is_nack());
  CHECK_FALSE(m->has_cts());
  CHECK(r.pf.vf_info(vf.id()).counters.nacks == nacks + 1);
  // The VF_RESET that follows answers the PF's demand: served at once, no reset token needed.
  REQUIRE(vf.mbx().write(kReset.words()).has_value());
  r.clock.advance(1ms);  // a request token
  r.pf.service_once();
  CHECK_FALSE(request_pending(r, vf.id()));
  CHECK(r.pf.vf_info(vf.id()).clear_to_send);
}

TEST_CASE("disabling the VFs logs what the flood guard still owed the log", "[pf][flood][due]") {
  SECTION("requests held in a report window not yet closed") {
    Rig r(flood_options(1000, 4));
    r.up(2);
    Vf vf(r, 0);
    vf.ready(mbx::Api::k13);
    flood(r, vf, 100ms);
    REQUIRE(r.count(EventCode::kMailboxRateLimited) == 0);  // its window runs for 1 s
    REQUIRE(r.pf.set_num_vfs(0).has_value());
    REQUIRE(r.count(EventCode::kMailboxRateLimited) == 1);
    const pf::Event* e = r.pf.events().find_last(EventCode::kMailboxRateLimited);
    CHECK(e->vf == vf.id());
    CHECK(e->reason.contains("held until a token"));
  }
  SECTION("events left out of the log over the VF's budget") {
    pf::PfOptions o = flood_options(0, 1);
    o.mailbox_flood.event_rate_per_s = 20;
    o.mailbox_flood.event_burst = 4;
    Rig r(o);
    r.up(2);
    Vf vf(r, 0);
    vf.ready(mbx::Api::k13);
    r.clock.advance(1s);
    for (int i = 0; i < 20; ++i) {
      REQUIRE(try_exchange(r, vf, mbx::Message::from(std::array<uint32_t, 1>{0x0077}), 1).has_value());
    }
    const uint64_t left_out = r.pf.events().left_out();
    REQUIRE(left_out > 0);
    REQUIRE(r.count(EventCode::kVfEventsLeftOut) == 0);
    REQUIRE(r.pf.set_num_vfs(0).has_value());
    REQUIRE(r.count(EventCode::kVfEventsLeftOut) == 1);
    CHECK(r.pf.events().find_last(EventCode::kVfEventsLeftOut)->reason.contains(
        fmt::format("{} event(s)", left_out)));
  }
}

TEST_CASE("a flood policy that would count a burst as a flood is refused by init()",
          "[pf][flood][due]") {
  pf::MailboxFloodPolicy p;
  CHECK(p.validate().empty());
  CHECK(pf::MailboxFloodPolicy::off().validate().empty());
  SECTION("a report interval under 100 ms") { p.report_interval = 99ms; }
  SECTION("disable_after under two report intervals") { p.disable_after = 1999ms; }
  SECTION("a negative disable_after") { p.disable_after = -1s; }
  SECTION("a negative reset period") { p.reset_period = -1ms; }
  const std::string why = p.validate();
  REQUIRE_FALSE(why.empty());
  pf::PfOptions o = options();
  o.mailbox_flood = p;
  Rig r(o);
  auto init = r.pf.init();
  REQUIRE_FALSE(init.has_value());
  CHECK(init.error().code == pf::ErrorCode::kInvalidArgument);
  CHECK(init.error().reason == why);
  p.disable_after = hal::Nanos::zero();
  p.report_interval = 100ms;
  p.reset_period = 200ms;
  CHECK(p.validate().empty());  // 0: never disabled, whatever the interval
}
