// Capability list walks over configuration space that may be malformed or cut short: each must
// end, with the capability or a reason, never hang or read out of bounds.

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <vector>

#include "doctor/pci_caps.hpp"
#include "doctor/pci_config.hpp"

using doctor::CapListError;
using doctor::PciConfig;

namespace {

void put16(std::vector<uint8_t>& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v);
  b[at + 1] = static_cast<uint8_t>(v >> 8);
}

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  put16(b, at, static_cast<uint16_t>(v));
  put16(b, at + 2, static_cast<uint16_t>(v >> 16));
}

// An extended capability header: id, version 1, next pointer.
void ext_header(std::vector<uint8_t>& b, size_t at, uint16_t id, uint16_t next) {
  put32(b, at, static_cast<uint32_t>(next) << 20 | 1u << 16 | id);
}

std::vector<uint8_t> blank(size_t size = 4096) { return std::vector<uint8_t>(size, 0); }

// AER at 0x100 -> ACS at 0x148 -> ARI at 0x150 -> SR-IOV at 0x160.
std::vector<uint8_t> well_formed() {
  auto b = blank();
  ext_header(b, 0x100, 0x0001, 0x148);
  ext_header(b, 0x148, 0x000D, 0x150);
  ext_header(b, 0x150, 0x000E, 0x160);
  ext_header(b, 0x160, 0x0010, 0x000);
  put16(b, 0x160 + 0x0E, 64);  // TotalVFs
  put16(b, 0x160 + 0x10, 8);   // NumVFs
  return b;
}

}  // namespace

TEST_CASE("Extended capability walk finds ACS, ARI and SR-IOV in a well-formed list",
          "[doctor][config]") {
  const PciConfig cfg(well_formed());
  CHECK(cfg.find_ext_capability(0x000D).value() == 0x148);
  CHECK(cfg.find_ext_capability(0x000E).value() == 0x150);
  CHECK(cfg.find_ext_capability(0x0010).value() == 0x160);
  CHECK_FALSE(cfg.find_ext_capability(0x0002).value().has_value());
  const auto sriov = doctor::read_sriov_cap(cfg);
  REQUIRE(sriov.has_value());
  REQUIRE(sriov->has_value());
  CHECK((*sriov)->total_vfs == 64);
  CHECK((*sriov)->num_vfs == 8);
}

TEST_CASE("Extended capability walk reports a list that loops back", "[doctor][config]") {
  auto b = well_formed();
  ext_header(b, 0x160, 0x0010, 0x148);  // SR-IOV points back at ACS
  const PciConfig cfg(b);
  const auto r = cfg.find_ext_capability(0x0019);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == CapListError::kLoop);
  // What comes before the loop is still found.
  CHECK(cfg.find_ext_capability(0x0010).value() == 0x160);
}

TEST_CASE("Extended capability walk reports a capability pointing at itself", "[doctor][config]") {
  auto b = blank();
  ext_header(b, 0x100, 0x0001, 0x100);
  const auto r = PciConfig(b).find_ext_capability(0x0010);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == CapListError::kLoop);
}

TEST_CASE("Extended capability walk rejects a pointer into the first 256 bytes",
          "[doctor][config]") {
  auto b = blank();
  ext_header(b, 0x100, 0x0001, 0x040);
  const auto r = PciConfig(b).find_ext_capability(0x0010);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == CapListError::kBadPointer);
}

TEST_CASE("Extended capability walk reports a list running past the bytes read",
          "[doctor][config]") {
  SECTION("256-byte config space (conventional PCI)") {
    const auto r = PciConfig(blank(256)).find_ext_capability(0x0010);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == CapListError::kTruncated);
  }
  SECTION("a pointer beyond a short read") {
    auto b = blank(0x180);
    ext_header(b, 0x100, 0x0001, 0x200);
    const auto r = PciConfig(b).find_ext_capability(0x0010);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == CapListError::kTruncated);
  }
  SECTION("a header cut in half at the end of the read") {
    auto b = blank(0x102);
    const auto r = PciConfig(b).find_ext_capability(0x0010);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == CapListError::kTruncated);
  }
}

TEST_CASE("Extended capability walk finds nothing behind an all-zero or all-ones first header",
          "[doctor][config]") {
  auto zeros = blank();
  CHECK_FALSE(PciConfig(zeros).find_ext_capability(0x0000).value().has_value());
  auto ones = blank();
  put32(ones, 0x100, 0xFFFFFFFFu);
  CHECK_FALSE(PciConfig(ones).find_ext_capability(0xFFFF).value().has_value());
}

TEST_CASE("Extended capability walk ends on the longest possible list", "[doctor][config]") {
  // Every dword from 0x100 to 0xFFC is a capability pointing at the next: 960 hops, no loop.
  auto b = blank();
  for (uint32_t at = 0x100; at < 0x1000; at += 4) {
    ext_header(b, at, 0x0001, static_cast<uint16_t>(at + 4 < 0x1000 ? at + 4 : 0));
  }
  ext_header(b, 0xFFC, 0x0010, 0);
  CHECK(PciConfig(b).find_ext_capability(0x0010).value() == 0xFFC);
  CHECK_FALSE(PciConfig(b).find_ext_capability(0x000D).value().has_value());
}

TEST_CASE("Capability walks over random bytes end with an in-range offset or an error",
          "[doctor][config]") {
  std::mt19937 rng(20240604);
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint8_t> b(round % 2 ? 4096 : 64 + rng() % 4096);
    for (auto& x : b) x = static_cast<uint8_t>(rng());
    const PciConfig cfg(b);
    const uint16_t ext_id = static_cast<uint16_t>(rng() % 0x20);
    if (const auto r = cfg.find_ext_capability(ext_id); r && *r) {
      CHECK(**r >= 0x100);
      CHECK(static_cast<size_t>(**r) + 4 <= b.size());
      CHECK(**r % 4 == 0);
    }
    if (const auto r = cfg.find_capability(static_cast<uint8_t>(rng() % 0x20)); r && *r) {
      CHECK(**r >= 0x40);
      CHECK(**r % 4 == 0);
    }
  }
}

TEST_CASE("Classic capability walk follows the list from the capability pointer",
          "[doctor][config]") {
  auto b = blank(256);
  put16(b, 0x06, 0x0010);  // Status: Capabilities List
  b[0x34] = 0x40;
  b[0x40] = 0x01, b[0x41] = 0x70;  // PM -> 0x70
  b[0x70] = 0x10, b[0x71] = 0x00;  // PCI Express, end
  const PciConfig cfg(b);
  CHECK(cfg.find_capability(0x10).value() == 0x70);
  CHECK_FALSE(cfg.find_capability(0x11).value().has_value());
}

TEST_CASE("Classic capability walk reports loops, header pointers and short reads",
          "[doctor][config]") {
  auto b = blank(256);
  put16(b, 0x06, 0x0010);
  b[0x34] = 0x40;
  SECTION("a loop") {
    b[0x40] = 0x01, b[0x41] = 0x50;
    b[0x50] = 0x05, b[0x51] = 0x40;
    const auto r = PciConfig(b).find_capability(0x10);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == CapListError::kLoop);
  }
  SECTION("a pointer into the standard header") {
    b[0x40] = 0x01, b[0x41] = 0x10;
    const auto r = PciConfig(b).find_capability(0x10);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == CapListError::kBadPointer);
  }
  SECTION("64 bytes, as sysfs shows a non-root reader") {
    b.resize(64);
    const auto r = PciConfig(b).find_capability(0x10);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == CapListError::kTruncated);
  }
  SECTION("no list when the status bit is clear") {
    put16(b, 0x06, 0x0000);
    CHECK_FALSE(PciConfig(b).find_capability(0x10).value().has_value());
  }
}

TEST_CASE("Register reads past the bytes read give nothing", "[doctor][config]") {
  const PciConfig cfg(blank(6));
  CHECK(cfg.read32(0).has_value());
  CHECK(cfg.read16(4).has_value());
  CHECK_FALSE(cfg.read16(5).has_value());
  CHECK_FALSE(cfg.read32(3).has_value());
  CHECK_FALSE(cfg.read8(6).has_value());
  CHECK_FALSE(cfg.read32(SIZE_MAX - 1).has_value());
}
