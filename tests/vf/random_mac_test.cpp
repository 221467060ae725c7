#include <catch2/catch.hpp>

#include "vf_driver/random_mac.hpp"

TEST_CASE("random_laa_mac is a locally administered unicast MAC, fixed per seed",
          "[vf][mac]") {
  for (uint64_t seed : {0ull, 1ull, 2ull, 0xFFFFFFFFFFFFFFFFull}) {
    const hal::MacAddr m = vf::random_laa_mac(seed);
    CHECK(m.is_valid_unicast());
    CHECK(m.is_locally_administered());
    CHECK(vf::random_laa_mac(seed) == m);
  }
  CHECK(vf::random_laa_mac(1) != vf::random_laa_mac(2));
  CHECK(vf::random_laa_mac(0) != vf::random_laa_mac(1));
}

TEST_CASE("random_laa_mac indexes give a stream of distinct MACs per seed", "[vf][mac]") {
  CHECK(vf::random_laa_mac(5) == vf::random_laa_mac(5, 0));
  for (unsigned i = 1; i < 64; ++i) {
    CHECK(vf::random_laa_mac(5, i) != vf::random_laa_mac(5, i - 1));
    CHECK(vf::random_laa_mac(5, i).is_locally_administered());
    CHECK(vf::random_laa_mac(5, i).is_valid_unicast());
  }
}
