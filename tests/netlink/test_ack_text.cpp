// Extended-ACK text as build_ack/build_done write it: never more than parse_ack believes, and
// never an attribute whose 16-bit length wraps.
#include <catch2/catch.hpp>
#include <string>

#include "netlink/ack.hpp"

using namespace rtnl;

namespace {

const std::string kEllipsis = "\xE2\x80\xA6";

nlmsghdr request() {
  nlmsghdr h{};
  h.nlmsg_len = NLMSG_HDRLEN;
  h.nlmsg_type = 0x1000;
  h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  h.nlmsg_seq = 42;
  return h;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

TEST_CASE("An ACK's text past 4096 bytes is cut to what parse_ack takes, with an ellipsis") {
  // 5000 bytes: parse_ack refused it; 70000: nla_len wrapped and the message was malformed.
  for (size_t n : {size_t{4096}, size_t{5000}, size_t{70000}}) {
    INFO(n);
    const std::string text(n, 'x');
    auto m = build_ack(request(), -22, text);
    REQUIRE(m.has_value());
    auto a = parse_ack(m->header());
    INFO((a ? std::string() : a.error().detail));
    REQUIRE(a.has_value());
    CHECK(a->error == -22);
    CHECK(a->message.size() <= 4096);
    if (n <= 4096) {
      CHECK(a->message == text);
    } else {
      CHECK(ends_with(a->message, kEllipsis));
      CHECK(a->message.size() > 4000);
    }
  }
}

TEST_CASE("A cut ACK text never splits a UTF-8 character") {
  const std::string e_acute = "\xC3\xA9";
  std::string text;
  text.reserve(6001);
  text += 'a';  // an odd start, so the cut would fall inside a character
  for (int i = 0; i < 3000; ++i) text += e_acute;
  auto m = build_ack(request(), -22, text);
  REQUIRE(m.has_value());
  auto a = parse_ack(m->header());
  REQUIRE(a.has_value());
  REQUIRE(ends_with(a->message, kEllipsis));
  const std::string body = a->message.substr(0, a->message.size() - kEllipsis.size());
  CHECK(body.size() % 2 == 1);  // 'a' and whole two-byte characters
  CHECK(ends_with(body, e_acute));
}

TEST_CASE("NLMSG_DONE's text is cut the same way") {
  auto m = build_done(request(), 0, std::string(70000, 'y'));
  REQUIRE(m.has_value());
  auto a = parse_done(m->header());
  INFO((a ? std::string() : a.error().detail));
  REQUIRE(a.has_value());
  CHECK(a->message.size() <= 4096);
  CHECK(ends_with(a->message, kEllipsis));
}
