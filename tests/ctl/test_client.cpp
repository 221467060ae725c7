// ctl::request() and ctl::capture() against a scripted peer: what goes out, which answers end
// an exchange, and how a peer breaking the protocol is reported.

#include <linux/rtnetlink.h>

#include <climits>
#include <cstdint>

#include "../netlink/fake_transport.hpp"
#include "ctl/client.hpp"
#include "ctl_rig.hpp"
#include "netlink/exchange.hpp"
#include "netlink/getlink_request.hpp"

using ctltest::Bytes;
using ctltest::json;
using nltest::FakeTransport;
using rtnl::ErrorCode;

namespace {

Bytes reply_text(const nlmsghdr& req, std::string_view text) {
  return ctltest::message(req, ctl::kMsgReply, 0, std::as_bytes(std::span(text)));
}

Bytes joined(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace

TEST_CASE("request sends one kMsgRequest: REQUEST|ACK, the JSON with op, exact length",
          "[ctl][client]") {
  FakeTransport t([](const nlmsghdr& req) {
    return std::vector<Bytes>{ctltest::json_reply(req, json::object())};
  });
  REQUIRE(ctl::request(t, "vf_show", {{"vf", 2}}).has_value());
  REQUIRE(t.requests.size() == 1);
  const auto* h = reinterpret_cast<const nlmsghdr*>(t.requests[0].data());
  CHECK(h->nlmsg_type == ctl::kMsgRequest);
  CHECK(h->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
  CHECK(h->nlmsg_seq == 1);
  const std::string body(reinterpret_cast<const char*>(t.requests[0].data()) + NLMSG_HDRLEN,
                         h->nlmsg_len - NLMSG_HDRLEN);
  CHECK(json::parse(body) == json{{"op", "vf_show"}, {"vf", 2}});
  CHECK(t.requests[0].size() == NLMSG_ALIGN(h->nlmsg_len));
}

TEST_CASE("request skips NLMSG_NOOP and answers to other sequence numbers", "[ctl][client]") {
  FakeTransport t([](const nlmsghdr& req) {
    nlmsghdr old = req;
    old.nlmsg_seq = req.nlmsg_seq + 7;
    return std::vector<Bytes>{joined({ctltest::json_reply(old, {{"stale", true}}),
                                      ctltest::message(req, NLMSG_NOOP, 0, {})}),
                              ctltest::json_reply(req, {{"fresh", true}})};
  });
  auto r = ctl::request(t, "info");
  REQUIRE(r.has_value());
  CHECK(*r == json{{"fresh", true}});
}

TEST_CASE("A reply whose length counts NUL padding still parses", "[ctl][client]") {
  FakeTransport t([](const nlmsghdr& req) {
    return std::vector<Bytes>{reply_text(req, std::string_view("{\"a\":1}\0\0\0", 10))};
  });
  auto r = ctl::request(t, "info");
  REQUIRE(r.has_value());
  CHECK(*r == json{{"a", 1}});
}

TEST_CASE("A reply that is not JSON, or not an object, is an error naming the request",
          "[ctl][client]") {
  std::string text = "{not json";
  FakeTransport t([&](const nlmsghdr& req) { return std::vector<Bytes>{reply_text(req, text)}; });
  auto bad = ctl::request(t, "info");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == ErrorCode::kMalformed);
  CHECK(bad.error().detail == "request 'info': the reply is not JSON");
  text = "[1,2]";
  auto array = ctl::request(t, "info");
  REQUIRE_FALSE(array.has_value());
  CHECK(array.error().code == ErrorCode::kProtocol);
  CHECK(array.error().detail == "request 'info': the reply is a JSON array, not an object");
}

TEST_CASE("An answer of another message type is a protocol error", "[ctl][client]") {
  FakeTransport t([](const nlmsghdr& req) {
    return std::vector<Bytes>{ctltest::message(req, RTM_NEWLINK, 0, {})};
  });
  auto r = ctl::request(t, "info");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kProtocol);
  CHECK(r.error().detail == "request 'info': the daemon sent message type 0x10 instead of a reply");
}

TEST_CASE("A message overrunning its datagram is malformed", "[ctl][client]") {
  FakeTransport t([](const nlmsghdr& req) {
    Bytes d = ctltest::json_reply(req, json::object());
    reinterpret_cast<nlmsghdr*>(d.data())->nlmsg_len = 4096;
    return std::vector<Bytes>{d};
  });
  auto r = ctl::request(t, "info");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kMalformed);
}

TEST_CASE("A capture refused at the start never calls back", "[ctl][client]") {
  FakeTransport t([](const nlmsghdr& req) {
    return std::vector<Bytes>{ctltest::bytes_of(*rtnl::build_ack(req, -EINVAL, "no VF 9"))};
  });
  bool called = false;
  auto r = ctl::capture(
      t, {{"target", "vf"}, {"vf", 9}}, [&](const json&) { called = true; },
      [&](const ctl::CapturedFrame&) { return called = true; });
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kRefused);
  CHECK(r.error().errnum == EINVAL);
  CHECK(r.error().peer_message == "no VF 9");
  CHECK_FALSE(called);
}

TEST_CASE("A capture frame shorter than its record is malformed", "[ctl][client]") {
  FakeTransport t([](const nlmsghdr& req) {
    const Bytes short_payload(8, std::byte{0});
    return std::vector<Bytes>{ctltest::json_reply(req, json::object()),
                              ctltest::message(req, ctl::kMsgFrame, NLM_F_MULTI, short_payload)};
  });
  auto r = ctl::capture(
      t, json::object(), [](const json&) {}, [](const ctl::CapturedFrame&) { return true; });
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kMalformed);
  CHECK(r.error().detail == "capture frame of 8 bytes, below its 16-byte record");
}

TEST_CASE("A capture ended by NLMSG_DONE with an error is refused", "[ctl][client]") {
  FakeTransport t([](const nlmsghdr& req) {
    return std::vector<Bytes>{ctltest::json_reply(req, json::object()),
                              ctltest::bytes_of(*rtnl::build_done(req, -ENODEV, "VF gone"))};
  });
  auto r = ctl::capture(
      t, json::object(), [](const json&) {}, [](const ctl::CapturedFrame&) { return true; });
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kRefused);
  CHECK(r.error().errnum == ENODEV);
  CHECK(r.error().peer_message == "VF gone");
}

namespace {

// An NLMSG_ERROR answering `req` with `error` as is, built by hand: build_ack would not make
// the values a broken peer can send.
Bytes raw_error(const nlmsghdr& req, int32_t error) {
  Bytes payload(sizeof(nlmsgerr));
  nlmsgerr e{};
  e.error = error;
  e.msg = req;
  e.msg.nlmsg_len = NLMSG_HDRLEN;  // capped: the request's header only
  std::memcpy(payload.data(), &e, sizeof(e));
  return ctltest::message(req, NLMSG_ERROR, NLM_F_CAPPED, payload);
}

}  // namespace

TEST_CASE("An error outside -4095..-1 is a protocol error, INT_MIN included", "[ctl][client]") {
  for (const int32_t bad : {INT32_MIN, -4096, 1, INT32_MAX}) {
    INFO("error " << bad);
    FakeTransport t([bad](const nlmsghdr& req) { return std::vector<Bytes>{raw_error(req, bad)}; });
    auto r = ctl::request(t, "info");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::kProtocol);
    CHECK(r.error().errnum == 0);
    CHECK(r.error().detail ==
          fmt::format("request 'info': the daemon answered with error {}, not a negative errno",
                      bad));
  }
  // The bounds themselves are errnos.
  for (const int32_t ok : {-1, -4095}) {
    FakeTransport t([ok](const nlmsghdr& req) { return std::vector<Bytes>{raw_error(req, ok)}; });
    auto r = ctl::request(t, "info");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::kRefused);
    CHECK(r.error().errnum == -ok);
  }
}

TEST_CASE("rtnl::exchange takes an error outside -4095..-1 as a protocol error", "[ctl][client]") {
  for (const int32_t bad : {INT32_MIN, -4096, 7}) {
    INFO("error " << bad);
    FakeTransport t([bad](const nlmsghdr& req) { return std::vector<Bytes>{raw_error(req, bad)}; });
    auto req = rtnl::build_getlink(std::string("eth9"));
    REQUIRE(req.has_value());
    auto r = rtnl::exchange(t, *req);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::kProtocol);
    CHECK(r.error().errnum == 0);
    CHECK_THAT(r.error().detail,
               Catch::Contains(fmt::format("error {}, not a negative errno", bad)));
  }
  FakeTransport t([](const nlmsghdr& req) { return std::vector<Bytes>{raw_error(req, -ENODEV)}; });
  auto req = rtnl::build_getlink(std::string("eth9"));
  REQUIRE(req.has_value());
  auto r = rtnl::exchange(t, *req);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == ErrorCode::kRefused);
  CHECK(r.error().errnum == ENODEV);
}

TEST_CASE("A reply nested deeper than kMaxReplyDepth is refused before anyone walks it",
          "[ctl][client]") {
  // Printing a 100000-deep reply recursed once per level and overflowed the stack.
  const auto nested = [](size_t depth) {
    return std::string(depth - 1, '[') + "{\"a\":1}" + std::string(depth - 1, ']');
  };
  std::string text;
  FakeTransport t([&](const nlmsghdr& req) { return std::vector<Bytes>{reply_text(req, text)}; });
  for (const size_t depth : {ctl::kMaxReplyDepth + 1, size_t{100000}}) {
    INFO("depth " << depth);
    text = "{\"a\":" + nested(depth - 1) + "}";
    auto r = ctl::request(t, "vf_show");
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::kProtocol);
    CHECK(r.error().detail ==
          fmt::format("request 'vf_show': the reply nests deeper than {} levels",
                      ctl::kMaxReplyDepth));
  }
  // At the bound it is taken; brackets inside strings are text, not nesting.
  text = "{\"a\":" + nested(ctl::kMaxReplyDepth - 1) + ",\"s\":\"" + std::string(200, '[') +
         "\\\"{{\"}";
  auto r = ctl::request(t, "vf_show");
  REQUIRE(r.has_value());
  CHECK((*r)["s"] == std::string(200, '[') + "\"{{");
}
