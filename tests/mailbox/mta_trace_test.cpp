// mta_hash() vectors and the --trace-mailbox line format.

#include <set>

#include <catch2/catch.hpp>

#include "mailbox/codec.hpp"
#include "mailbox/error.hpp"
#include "mailbox/trace.hpp"

using namespace mbx;

namespace {

// The address as a 48-bit number with byte 5 in bits 47:40, and a window of 12 bits from it:
// a second, independent statement of spec 4c.
uint16_t bits_from(const hal::MacAddr& mac, unsigned high_bit) {
  uint64_t a = 0;
  for (unsigned i = 0; i < 6; ++i) a |= uint64_t{mac[i]} << (8 * i);
  return static_cast<uint16_t>((a >> (high_bit - 11)) & 0xFFF);
}

}  // namespace

TEST_CASE("mta_hash type 0 takes address bits 47:36", "[codec][mta]") {
  const hal::MacAddr all_hosts({0x01, 0x00, 0x5E, 0x00, 0x00, 0x01});
  CHECK(mta_hash(all_hosts, 0) == 0x010);
  const hal::MacAddr ipv6_all_nodes({0x33, 0x33, 0x00, 0x00, 0x00, 0x01});
  CHECK(mta_hash(ipv6_all_nodes, 0) == 0x010);
  const hal::MacAddr m({0x01, 0x00, 0x5E, 0x7F, 0xFF, 0xFA});
  CHECK(mta_hash(m, 0) == 0xFAF);
}

TEST_CASE("mta_hash types 1, 2 and 3 slide the window to bits 46:35, 45:34, 43:32",
          "[codec][mta]") {
  const hal::MacAddr m({0x01, 0x00, 0x5E, 0x7F, 0xFF, 0xFA});
  CHECK(mta_hash(m, 1) == 0xF5F);
  CHECK(mta_hash(m, 2) == 0xEBF);
  CHECK(mta_hash(m, 3) == 0xAFF);
}

TEST_CASE("mta_hash agrees with bit extraction from the 48-bit address", "[codec][mta]") {
  const unsigned high_bit[4] = {47, 46, 45, 43};
  uint32_t seed = 12345;
  for (int n = 0; n < 200; ++n) {
    std::array<uint8_t, 6> b{};
    for (auto& x : b) {
      seed = seed * 1103515245u + 12345u;  // fixed LCG: deterministic
      x = static_cast<uint8_t>(seed >> 16);
    }
    const hal::MacAddr mac(b);
    for (uint32_t type = 0; type < 4; ++type) {
      INFO("mac " << mac.to_string() << " type " << type);
      CHECK(mta_hash(mac, type) == bits_from(mac, high_bit[type]));
    }
  }
}

TEST_CASE("mta_hash with an unknown filter type hashes as type 0", "[codec][mta]") {
  const hal::MacAddr m({0x01, 0x00, 0x5E, 0x7F, 0xFF, 0xFA});
  CHECK(mta_hash(m, 4) == mta_hash(m, 0));
}

TEST_CASE("format_trace prints vf, direction and 8-digit lowercase hex words", "[trace]") {
  const std::array<uint32_t, 3> w{0x00000001, 0x80AB00CD, 0xFFFFFFFF};
  CHECK(format_trace(hal::VfId{3}, Direction::kVfToPf, w) ==
        "mbx vf=3 vf->pf 00000001 80ab00cd ffffffff");
  CHECK(format_trace(hal::VfId{62}, Direction::kPfToVf, std::span(w).first(1)) ==
        "mbx vf=62 pf->vf 00000001");
  CHECK(format_trace(hal::VfId{0}, Direction::kPfToVf, {}) == "mbx vf=0 pf->vf");
}

TEST_CASE("Every mailbox Error has its own name", "[trace]") {
  const std::vector<Error> all{Error::kLockTimeout, Error::kTimeout,  Error::kDisabled,
                               Error::kNoMessage,   Error::kReset,    Error::kTooLong,
                               Error::kNoDevice};
  std::set<std::string_view> names;
  for (Error e : all) {
    CHECK(to_string(e) != "unknown mailbox error");
    names.insert(to_string(e));
  }
  CHECK(names.size() == all.size());
  CHECK(fmt::format("{}", Error::kTimeout) == to_string(Error::kTimeout));
}
