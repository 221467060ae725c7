#include <catch2/catch.hpp>

#include <set>

#include "hal/vfio/vf_token.hpp"

using hal::vfio::VfToken;

TEST_CASE("VF token parses the canonical form and prints it lower-case", "[vfio][token]") {
  const auto t = VfToken::parse("BD8D9D2B-5A5F-4F5A-A211-F591514BA1F3");
  REQUIRE(t);
  CHECK(t->str() == "bd8d9d2b-5a5f-4f5a-a211-f591514ba1f3");
  // uuid_t order: the text's hex pairs left to right.
  CHECK(t->bytes()[0] == 0xbd);
  CHECK(t->bytes()[3] == 0x2b);
  CHECK(t->bytes()[4] == 0x5a);
  CHECK(t->bytes()[15] == 0xf3);
  CHECK(VfToken::parse(t->str()) == t);
}

TEST_CASE("VF token refuses anything but 8-4-4-4-12 hex", "[vfio][token]") {
  CHECK_FALSE(VfToken::parse(""));
  CHECK_FALSE(VfToken::parse("bd8d9d2b5a5f4f5aa211f591514ba1f3"));            // no dashes
  CHECK_FALSE(VfToken::parse("bd8d9d2b-5a5f-4f5a-a211-f591514ba1f"));         // short
  CHECK_FALSE(VfToken::parse("bd8d9d2b-5a5f-4f5a-a211-f591514ba1f34"));       // long
  CHECK_FALSE(VfToken::parse("bd8d9d2b-5a5f-4f5a-a211-f591514ba1g3"));        // not hex
  CHECK_FALSE(VfToken::parse("bd8d9d2b-5a5f4-f5a-a211-f591514ba1f3"));        // dash moved
  CHECK_FALSE(VfToken::parse("{d8d9d2b-5a5f-4f5a-a211-f591514ba1f3"));
}

TEST_CASE("random VF tokens are version 4, variant 1, and differ", "[vfio][token]") {
  std::set<std::string> seen;
  for (int i = 0; i < 32; ++i) {
    const VfToken t = VfToken::random();
    const std::string s = t.str();
    CHECK(s[14] == '4');
    CHECK((t.bytes()[8] & 0xC0) == 0x80);
    CHECK(VfToken::parse(s) == t);
    seen.insert(s);
  }
  CHECK(seen.size() == 32);
}
