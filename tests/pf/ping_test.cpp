// When the PF may write a ping into a VF's mailbox (spec 3a, 3b, 4d): never over a request the
// PF has not read, nor over a message the VF has not read; an owed ping is retried every pass.
// And FLR frees a lock the dead VF driver held (RVFU).
#include "hal/ixgbe/regs_vf.hpp"
#include "pf_driver/outbox.hpp"
#include "pf_rig.hpp"

using namespace pftest;
namespace reg = hal::ixgbe::pf;
namespace vfreg = hal::ixgbe::vf;
using mbx::MsgId;
using pf::EventCode;

namespace {
constexpr uint32_t kPing = static_cast<uint32_t>(MsgId::kPfControlMsg);
constexpr uint32_t kPingCts = kPing | mbx::word0::kCts;
}  // namespace

TEST_CASE("a link change does not overwrite a request waiting in the mailbox: reply, then ping",
          "[pf][ping]") {
  Rig r;
  r.up(2);
  Vf a(r, 0);
  Vf b(r, 1);
  a.ready(mbx::Api::k13);
  // A posts GET_QUEUES; before the PF reads it, the link goes down.
  REQUIRE(a.mbx().write(mbx::GetQueuesReq{}.encode().words()).has_value());
  r.dev->set_link(false);
  CHECK(r.pf.service_once() >= 2);  // the link change and A's request
  CHECK(r.count(EventCode::kLinkChange) == 1);
  // The reply is what A finds, not a ping written over its request.
  auto reply = a.mbx().poll_message(5);
  REQUIRE(reply.has_value());
  CHECK(reply->w[0] == ack_cts(MsgId::kGetQueues));
  CHECK(reply->w[1] == 4);
  // The ping waited for A to read the reply; A's ack lets the next pass send it.
  CHECK(r.pf.vf_info(a.id()).ping_pending);
  auto ping = a.poll(1);
  REQUIRE(ping.has_value());
  CHECK(ping->w[0] == kPingCts);
  CHECK_FALSE(r.pf.vf_info(a.id()).ping_pending);
  CHECK(r.pf.vf_info(a.id()).counters.pings == 1);
  // B had nothing waiting: pinged in the first pass (without CTS: it never reset).
  auto pb = b.mbx().poll_message(1);
  REQUIRE(pb.has_value());
  CHECK(pb->w[0] == kPing);
  CHECK(r.count(EventCode::kMailboxError) == 0);
}

TEST_CASE("a ping waits until the VF has read the PF's last message, at most the VF's timeout",
          "[pf][ping]") {
  Rig r;
  r.up(1);
  Vf vf(r, 0);
  vf.ready(mbx::Api::k13);
  // A reply the VF has not read yet.
  REQUIRE(vf.mbx().write(mbx::GetQueuesReq{}.encode().words()).has_value());
  REQUIRE(r.pf.service_once() == 1);
  REQUIRE(r.pf.set_vf_trust(vf.id(), true).has_value());
  CHECK(r.pf.vf_info(vf.id()).ping_pending);
  r.pf.service_once();
  CHECK(r.pf.vf_info(vf.id()).ping_pending);
  auto reply = vf.mbx().poll_message(5);
  REQUIRE(reply.has_value());
  CHECK(reply->w[0] == ack_cts(MsgId::kGetQueues));
  auto ping = vf.poll(1);
  REQUIRE(ping.has_value());
  CHECK(ping->w[0] == kPing);  // trust changed: not clear to send any more

  // A VF that never reads its message has given up on it after kVfReadTimeout: the ping
  // may then replace it.
  REQUIRE(vf.mbx().write(mbx::GetQueuesReq{}.encode().words()).has_value());
  REQUIRE(r.pf.service_once() == 1);  // 1-word NACK without CTS
  REQUIRE(r.pf.set_vf_trust(vf.id(), false).has_value());
  r.clock.advance(pf::kVfReadTimeout - std::chrono::nanoseconds(1));
  r.pf.service_once();
  CHECK(r.pf.vf_info(vf.id()).ping_pending);
  r.clock.advance(std::chrono::nanoseconds(1));
  r.pf.service_once();
  CHECK_FALSE(r.pf.vf_info(vf.id()).ping_pending);
  auto late = vf.mbx().poll_message(1);
  REQUIRE(late.has_value());
  CHECK(late->w[0] == kPing);
  CHECK(r.pf.vf_info(vf.id()).counters.pings == 2);
}

TEST_CASE("a ping that finds the VF holding its lock is owed, logged once and retried each pass",
          "[pf][ping]") {
  Rig r;
  r.up(1);
  Vf vf(r, 0);
  vf.ready();
  hal::RegisterIo& vbar = vf.fn().bar0();
  vbar.write(vfreg::VFMAILBOX, vfreg::vfmailbox::kVfu);  // the VF is in the middle of a write
  REQUIRE((r.rd(reg::PFMAILBOX(0)) & reg::pfmailbox::kVfu) != 0);
  REQUIRE(r.pf.set_vf_trust(vf.id(), true).has_value());
  CHECK(r.pf.vf_info(vf.id()).ping_pending);
  for (int i = 0; i < 3; ++i) r.pf.service_once();
  CHECK(r.pf.vf_info(vf.id()).ping_pending);
  CHECK(r.count(EventCode::kMailboxError) == 1);
  const pf::Event* e = r.pf.events().find_last(EventCode::kMailboxError, vf.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("deferred"));
  // The VF lets go of the buffer: the next pass delivers the ping.
  vbar.write(vfreg::VFMAILBOX, 0);
  auto ping = vf.poll(1);
  REQUIRE(ping.has_value());
  CHECK(ping->w[0] == kPing);
  CHECK_FALSE(r.pf.vf_info(vf.id()).ping_pending);
  CHECK(r.pf.vf_info(vf.id()).counters.pings == 1);
  CHECK(r.count(EventCode::kMailboxError) == 1);
}

TEST_CASE("FLR frees a mailbox lock the VF's dead driver held (RVFU)", "[pf][flr][ping]") {
  Rig r;
  r.up(2);
  Vf vf(r, 1);
  vf.ready();
  CHECK_FALSE(vf.poll().has_value());  // the PF takes the VF's last ack: nothing stale is left
  vf.flr();
  // The VF's next driver took VFU and died before the PF handled the FLR.
  vf.fn().bar0().write(vfreg::VFMAILBOX, vfreg::vfmailbox::kVfu);
  REQUIRE((r.rd(reg::PFMAILBOX(1)) & reg::pfmailbox::kVfu) != 0);
  CHECK(r.pf.service_once() >= 1);
  CHECK(r.pf.vf_info(vf.id()).counters.flrs == 1);
  CHECK((r.rd(reg::PFMAILBOX(1)) & reg::pfmailbox::kVfu) == 0);
  // The PF reaches the VF's mailbox again: a ping goes out at once.
  REQUIRE(r.pf.set_vf_trust(vf.id(), true).has_value());
  CHECK_FALSE(r.pf.vf_info(vf.id()).ping_pending);
  auto ping = vf.mbx().poll_message(1);
  REQUIRE(ping.has_value());
  CHECK(ping->w[0] == kPing);
  CHECK(r.count(EventCode::kMailboxError) == 0);
  // And the VF's VF_RESET is answered.
  CHECK_FALSE(vf.reset().ack);
  CHECK(r.pf.vf_info(vf.id()).clear_to_send);
}
