// The policy hook, the bounded event log, the event listener and the mailbox trace.
#include <vector>

#include "pf_rig.hpp"

using namespace pftest;
using mbx::MsgId;
using pf::EventCode;

TEST_CASE("a policy hook refusing SET_MAC_ADDR gets it NACKed and logged", "[pf][policy]") {
  Rig r;
  r.up(1);
  std::vector<uint16_t> seen;
  r.pf.set_policy_hook([&](hal::VfId, const mbx::Message& m, std::string& reason) {
    seen.push_back(m.id());
    if (m.id() != static_cast<uint16_t>(MsgId::kSetMacAddr)) return pf::PolicyVerdict::kProceed;
    reason = "MAC changes are frozen";
    return pf::PolicyVerdict::kRefuse;
  });
  Vf vf(r, 0);
  vf.ready();
  CHECK(vf.send(mbx::SetMacAddrReq{.mac = mac(3)}.encode()).w[0] == nack_cts(MsgId::kSetMacAddr));
  CHECK_FALSE(r.rar_valid(127));
  const pf::Event* e = r.pf.events().find_last(EventCode::kPolicyRefused, vf.id());
  REQUIRE(e != nullptr);
  CHECK(e->reason.contains("MAC changes are frozen"));
  // Other requests pass; VF_RESET never reaches the hook.
  CHECK(vf.send(mbx::SetVlanReq{.add = true, .vid = 7}.encode()).w[0] ==
        (ack_cts(MsgId::kSetVlan) | 1u << mbx::word0::kMsgInfoShift));
  CHECK(seen == std::vector<uint16_t>{0x08, 0x02, 0x04});
  SECTION("a refused VF that is not clear to send gets the 1-word NACK") {
    vf.flr();
    r.pf.service_once();
    CHECK(vf.send(mbx::SetMacAddrReq{.mac = mac(3)}.encode(), 1).w[0] ==
          nack_no_cts(MsgId::kSetMacAddr));
  }
  SECTION("removing the hook lets the request through") {
    r.pf.set_policy_hook({});
    CHECK(vf.send(mbx::SetMacAddrReq{.mac = mac(3)}.encode()).w[0] == ack_cts(MsgId::kSetMacAddr));
  }
}

TEST_CASE("the event log is bounded and keeps the newest events", "[pf][events]") {
  Rig r(options(1500, 8));
  std::vector<uint64_t> heard;
  r.pf.set_event_listener([&](const pf::Event& e) { heard.push_back(e.seq); });
  r.up(1);
  Vf vf(r, 0);
  vf.ready(mbx::Api::k10);
  for (int i = 0; i < 20; ++i) {
    REQUIRE(vf.send(mbx::GetQueuesReq{}.encode(), 5).w[0] == nack_cts(MsgId::kGetQueues));
  }
  const pf::EventLog& log = r.pf.events();
  CHECK(log.capacity() == 8);
  CHECK(log.size() == 8);
  CHECK(log.total() > 20);
  CHECK(log.dropped() == log.total() - 8);
  CHECK(log[0].seq == log.total() - 8);
  CHECK(log.latest()->seq == log.total() - 1);
  CHECK(log.latest()->code == EventCode::kApiTooOld);
  CHECK(log.latest()->vf == vf.id());
  CHECK(log.count(EventCode::kPfInit) == 0);  // overwritten long ago
  CHECK(heard.size() == log.total());
  for (size_t i = 0; i < heard.size(); ++i) CHECK(heard[i] == i);
}

TEST_CASE("EventLog wraps, finds and truncates long reasons", "[pf][events]") {
  pf::EventLog log(3);
  CHECK(log.empty());
  CHECK(log.latest() == nullptr);
  for (unsigned i = 0; i < 5; ++i) {
    log.record(hal::Nanos(i), hal::VfId(i % 2), EventCode::kVfReset, "reset {}", i);
  }
  REQUIRE(log.size() == 3);
  CHECK(log[0].reason == "reset 2");
  CHECK(log[2].reason == "reset 4");
  CHECK(log[2].time == hal::Nanos(4));
  CHECK(log.count(EventCode::kVfReset, hal::VfId(1)) == 1);
  CHECK(log.find_last(EventCode::kVfReset, hal::VfId(1))->reason == "reset 3");
  CHECK(log.find_last(EventCode::kVfFlr) == nullptr);
  const std::string big(500, 'x');
  log.record_text(hal::Nanos(9), std::nullopt, EventCode::kPfReset, big);
  CHECK(log.latest()->reason.view().size() == pf::ReasonText::kCapacity);
  CHECK_FALSE(log.latest()->vf.has_value());
  CHECK(pf::to_string(EventCode::kXcastDowngraded) == "xcast-downgraded");
  CHECK(static_cast<int>(EventCode::kRateLimitsCleared) == 26);  // numbers are stable
}

TEST_CASE("the mailbox trace sees both directions of an exchange", "[pf][events]") {
  Rig r;
  r.up(1);
  std::vector<std::pair<mbx::Direction, uint32_t>> trace;
  r.pf.set_mailbox_trace([&](hal::VfId, mbx::Direction d, std::span<const uint32_t> w) {
    trace.emplace_back(d, w[0]);
  });
  Vf vf(r, 0);
  vf.reset();
  REQUIRE(trace.size() == 2);
  CHECK(trace[0] == std::make_pair(mbx::Direction::kVfToPf, uint32_t{0x01}));
  CHECK(trace[1] == std::make_pair(mbx::Direction::kPfToVf, nack_no_cts(MsgId::kReset)));
}
