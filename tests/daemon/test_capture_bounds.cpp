// A capture's bounds: its queue in bytes, its NLMSG_DONE when the client is slow, one capture
// per connection.
#include <cerrno>

#include "daemon/capture.hpp"
#include "daemon_rig.hpp"

using namespace dtest;
using json = nlohmann::json;

namespace {

size_t count_type(const FakeConnection& c, uint16_t type) {
  size_t n = 0;
  for (const Datagram& d : c.sent) {
    for (const auto& m : messages(d)) n += hdr(m)->nlmsg_type == type ? 1 : 0;
  }
  return n;
}


}  // namespace

TEST_CASE("A capture queue holds at most 4 MiB: big frames past it are dropped") {
  simd::CaptureSet set;
  FakeConnection c(1);
  nlmsghdr req{};
  req.nlmsg_seq = 5;
  REQUIRE(set.start(c, req, {{simd::CaptureTarget::Kind::kWire, 0}, 0, 65535}));
  const std::vector<std::byte> frame(65535, std::byte{0x5a});
  for (int i = 0; i < 100; ++i) set.on_frame({sim::TapPoint::kWireTx, 0, frame});
  std::vector<simd::CaptureSummary> ended;
  // 1024 frames of 64 KiB were allowed before: 64 MiB for one client.
  const size_t fit = simd::CaptureSet::kMaxQueuedBytes / (65535 + sizeof(ctl::FrameRecord));
  CHECK(set.flush(ended) == fit);
  const auto summaries = set.stop_all();
  REQUIRE(summaries.size() == 1);
  CHECK(summaries[0].frames == fit);
  CHECK(summaries[0].dropped == 100 - fit);
}

TEST_CASE("A capture's NLMSG_DONE the client could not take is sent once it reads again") {
  auto d = make_daemon(1, "capture-done", chatty());
  FakeConnection c(8);
  REQUIRE(ask(*d, c, {{"op", "capture"}, {"target", "vf"}, {"vf", 0}, {"count", 2}}).is_reply);
  c.refuse = true;  // a full queue: frames and the DONE are refused
  const uint16_t ended = static_cast<uint16_t>(simd::DaemonEvent::kCaptureEnded);
  REQUIRE(poll_until(*d, [&] { return d->journal().find_last(ended) != nullptr; }));
  CHECK(c.sent.empty());
  c.refuse = false;
  REQUIRE(poll_until(*d, [&] { return count_type(c, NLMSG_DONE) == 1; }));
  CHECK(count_type(c, ctl::kMsgFrame) == 0);  // nothing after the capture ended
  auto done = rtnl::parse_done(hdr(messages(c.sent.back()).at(0)));
  REQUIRE(done.has_value());
  CHECK(done->message == "dropped 2");
  // The session is gone: the connection may capture again.
  CHECK(ask(*d, c, {{"op", "capture"}, {"target", "wire"}, {"count", 1}}).is_reply);
}

TEST_CASE("A DONE that is never taken is given up after a bounded number of tries") {
  simd::CaptureSet set;
  FakeConnection c(2);
  nlmsghdr req{};
  REQUIRE(set.start(c, req, {{simd::CaptureTarget::Kind::kVf, 0}, 0, 64}));
  c.refuse = true;
  CHECK(set.stop_vf_sessions().size() == 1);
  CHECK(set.busy());
  CHECK_FALSE(set.active());  // no more frames for it: the tap may go
  std::vector<simd::CaptureSummary> ended;
  for (unsigned i = 0; i < simd::CaptureSet::kDoneRetries && set.busy(); ++i) set.flush(ended);
  CHECK_FALSE(set.busy());
  CHECK(ended.empty());  // summed up once, when it ended
}

TEST_CASE("A second capture on one connection is EBUSY, the first goes on") {
  auto d = make_daemon(1, "capture-twice", chatty());
  FakeConnection c(9);
  REQUIRE(ask(*d, c, {{"op", "capture"}, {"target", "wire"}, {"count", 0}}).is_reply);
  const Answer again = ask(*d, c, {{"op", "capture"}, {"target", "vf"}, {"vf", 0}, {"count", 0}});
  REQUIRE_FALSE(again.is_reply);
  CHECK(again.ack.error == -EBUSY);
  CHECK(again.ack.message.find("this connection has a capture running") != std::string::npos);
  c.sent.clear();
  REQUIRE(poll_until(*d, [&] { return count_type(c, ctl::kMsgFrame) > 0; }));
  d->on_close(c);
}
