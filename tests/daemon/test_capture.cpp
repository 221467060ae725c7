// Captures through the device's frame tap, and DMA faults in the event journal.
#include <cerrno>

#include "daemon_rig.hpp"
#include "harness/apps/inet.hpp"
#include "netlink/link_ops.hpp"

using namespace dtest;
using json = nlohmann::json;
namespace inet = harness::apps::inet;

namespace {

struct Frame {
  ctl::FrameDirection dir;
  uint32_t orig_len;
  std::vector<uint8_t> bytes;
};

/// The frames in what `c` received, and whether a NLMSG_DONE ended them (its text in `done`).
std::vector<Frame> frames_of(const FakeConnection& c, std::optional<std::string>* done) {
  std::vector<Frame> out;
  for (const Datagram& d : c.sent) {
    for (const auto& m : messages(d)) {
      const nlmsghdr* h = hdr(m);
      if (h->nlmsg_type == NLMSG_DONE) {
        auto a = rtnl::parse_done(h);
        REQUIRE(a.has_value());
        *done = a->message;
        continue;
      }
      if (h->nlmsg_type != ctl::kMsgFrame) continue;
      CHECK((h->nlmsg_flags & NLM_F_MULTI) != 0);
      ctl::FrameRecord rec;
      const auto* p = reinterpret_cast<const uint8_t*>(NLMSG_DATA(h));
      std::memcpy(&rec, p, sizeof rec);
      const size_t n = h->nlmsg_len - NLMSG_HDRLEN - sizeof rec;
      out.push_back({static_cast<ctl::FrameDirection>(rec.direction), rec.orig_len,
                     std::vector<uint8_t>(p + sizeof rec, p + sizeof rec + n)});
    }
  }
  return out;
}

hal::MacAddr src_of(const Frame& f) {
  std::array<uint8_t, 6> b{};
  std::memcpy(b.data(), f.bytes.data() + inet::eth::kSrc, 6);
  return hal::MacAddr(b);
}


}  // namespace

TEST_CASE("A capture on the wire shows a port-VLAN VF's frames tagged, on the VF untagged") {
  auto d = make_daemon(2, "capture-vlan", chatty());
  FakeConnection ctl_conn(1);
  DaemonLoop t(*d, ctl_conn);
  rtnl::VfChange ch = vf_change(0);
  ch.vlan = rtnl::VfVlan{100, 0};
  REQUIRE(rtnl::set_vf(t, rtnl::LinkRef{std::string("sim0")}, std::span(&ch, 1)).has_value());
  const hal::MacAddr mac0 = d->host().guest(0).driver().mac();

  FakeConnection wire(2), vf(3);
  const Answer w = ask(*d, wire, {{"op", "capture"}, {"target", "wire"}, {"count", 20}});
  REQUIRE(w.is_reply);
  CHECK(w.body["interface"] == "wire");
  CHECK(w.body["linktype"] == 1);
  const Answer v =
      ask(*d, vf, {{"op", "capture"}, {"target", "vf"}, {"vf", 0}, {"count", 5}, {"snaplen", 32}});
  REQUIRE(v.is_reply);

  std::optional<std::string> wire_done, vf_done;
  REQUIRE(poll_until(*d, [&] {
    frames_of(wire, &wire_done);
    frames_of(vf, &vf_done);
    return wire_done && vf_done;
  }));
  CHECK(*wire_done == "dropped 0");
  CHECK(*vf_done == "dropped 0");

  const auto on_wire = frames_of(wire, &wire_done);
  CHECK(on_wire.size() == 20);
  size_t from_vf0 = 0;
  for (const Frame& f : on_wire) {
    CHECK(f.dir == ctl::FrameDirection::kOutbound);
    if (src_of(f) != mac0) continue;
    ++from_vf0;
    REQUIRE(f.bytes.size() >= 18);
    CHECK(inet::load16(f.bytes.data() + inet::eth::kType) == inet::kEtherTypeVlan);
    CHECK((inet::load16(f.bytes.data() + 14) & 0x0FFF) == 100);
    CHECK(inet::load16(f.bytes.data() + 16) == inet::kEtherTypeArp);
  }
  CHECK(from_vf0 > 0);

  const auto on_vf = frames_of(vf, &vf_done);
  REQUIRE(on_vf.size() == 5);
  for (const Frame& f : on_vf) {
    CHECK(f.dir == ctl::FrameDirection::kOutbound);
    CHECK(src_of(f) == mac0);
    CHECK(f.bytes.size() == 32);  // snaplen
    CHECK(f.orig_len == 60);
    CHECK(inet::load16(f.bytes.data() + inet::eth::kType) == inet::kEtherTypeArp);
  }
  CHECK(d->journal().find_last(static_cast<uint16_t>(simd::DaemonEvent::kCaptureEnded)) != nullptr);
}

TEST_CASE("A capture the client cannot take counts its frames as dropped") {
  auto d = make_daemon(1, "capture-drop", chatty());
  FakeConnection c(5);
  REQUIRE(ask(*d, c, {{"op", "capture"}, {"target", "vf"}, {"vf", 0}, {"count", 3}}).is_reply);
  c.refuse = true;
  const uint16_t ended = static_cast<uint16_t>(simd::DaemonEvent::kCaptureEnded);
  REQUIRE(poll_until(*d, [&] { return d->journal().find_last(ended) != nullptr; }));
  CHECK(d->journal().find_last(ended)->reason.find("0 frames sent, 3 dropped") !=
        std::string::npos);
}

TEST_CASE("Closing the connection ends its capture, and bad capture requests are EINVAL") {
  auto d = make_daemon(1, "capture-close", chatty());
  FakeConnection c(6);
  REQUIRE(ask(*d, c, {{"op", "capture"}, {"target", "wire"}, {"count", 0}}).is_reply);
  for (int i = 0; i < 5; ++i) d->poll();
  d->on_close(c);
  const auto* e = d->journal().find_last(static_cast<uint16_t>(simd::DaemonEvent::kCaptureEnded));
  REQUIRE(e != nullptr);
  CHECK(e->reason.find("for client 6 ended") != std::string::npos);

  FakeConnection b(7);
  CHECK(ask(*d, b, {{"op", "capture"}, {"target", "pf"}, {"count", 1}}).ack.error == -EINVAL);
  CHECK(ask(*d, b, {{"op", "capture"}, {"target", "vf"}, {"vf", 3}, {"count", 1}}).ack.error ==
        -EINVAL);
  CHECK(ask(*d, b, {{"op", "capture"}, {"target", "wire"}}).ack.error == -EINVAL);
}

TEST_CASE("A guest queue's DMA fault is an event naming the VF and queue") {
  auto d = make_daemon(2, "dma-fault", chatty());
  REQUIRE(poll_until(*d, [&] {
    return d->guest_path(1)->port() != nullptr && d->guest_path(1)->announced() > 0;
  }));
  // The guest's buffers leave its VF's DMA domain: the next announcement's TX buffer faults.
  d->guest_path(1)->port()->mapping.reset();
  const uint16_t code = static_cast<uint16_t>(simd::DaemonEvent::kDmaFault);
  REQUIRE(poll_until(*d, [&] { return d->journal().find_last(code) != nullptr; }));
  const simd::JournalEntry* e = d->journal().find_last(code);
  CHECK(e->vf == 1u);
  CHECK(e->name == "dma-fault");
  CHECK(e->reason.find("VF 1 queue") != std::string::npos);
  CHECK(e->reason.find("outside its DMA domain") != std::string::npos);
}
