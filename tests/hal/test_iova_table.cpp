#include <catch2/catch.hpp>

#include <array>

#include "hal/iova_table.hpp"
#include "hal/types.hpp"

TEST_CASE("IOVA table translates inside a mapping and faults outside", "[hal][dma]") {
  hal::IovaTable t;
  std::array<std::byte, 4096> mem{};
  REQUIRE(t.map(hal::Iova{0x10000}, mem.data(), mem.size()).has_value());
  CHECK(t.translate(hal::Iova{0x10000}, 4096).value() == mem.data());
  CHECK(t.translate(hal::Iova{0x10010}, 16).value() == mem.data() + 16);
  CHECK(t.translate(hal::Iova{0x10FF0}, 32).error() == hal::Error::kDmaFault);  // crosses the end
  CHECK(t.translate(hal::Iova{0xFFFF}, 1).error() == hal::Error::kDmaFault);
  CHECK(t.translate(hal::Iova{~0ull}, 2).error() == hal::Error::kDmaFault);     // wraps
  CHECK(t.map(hal::Iova{0x10800}, mem.data(), 16).error() == hal::Error::kOverlap);
  CHECK(t.map(hal::Iova{0xFFF0}, mem.data(), 32).error() == hal::Error::kOverlap);
  CHECK(t.map(hal::Iova{0x20000}, mem.data(), 0).error() == hal::Error::kInvalidArgument);
  REQUIRE(t.unmap(hal::Iova{0x10000}).has_value());
  CHECK(t.translate(hal::Iova{0x10000}, 1).error() == hal::Error::kDmaFault);
  CHECK(t.unmap(hal::Iova{0x10000}).error() == hal::Error::kOutOfRange);
}

TEST_CASE("MacAddr parses and classifies", "[hal][types]") {
  auto m = hal::MacAddr::parse("02:AB:cd:00:11:ff");
  REQUIRE(m.has_value());
  CHECK(m->to_string() == "02:ab:cd:00:11:ff");
  CHECK(m->is_valid_unicast());
  CHECK(m->is_locally_administered());
  CHECK_FALSE(hal::MacAddr::parse("02:ab:cd:00:11").has_value());
  CHECK_FALSE(hal::MacAddr::parse("02-ab-cd-00-11-ff").has_value());
  CHECK_FALSE(hal::MacAddr::parse("0g:ab:cd:00:11:ff").has_value());
  CHECK(hal::MacAddr::parse("01:00:5e:00:00:01")->is_multicast());
  CHECK_FALSE(hal::MacAddr{}.is_valid_unicast());
  CHECK(hal::MacAddr::parse("ff:ff:ff:ff:ff:ff")->is_broadcast());
}
