// VF statistics (spec 1c): free-running 32-bit packet and 36-bit octet counters turned into
// 64-bit totals, against a mock BAR and against the simulated 82599.

#include <catch2/catch.hpp>

#include <deque>
#include <map>

#include "hal/ixgbe/regs_vf.hpp"
#include "pf_rig.hpp"
#include "vf_driver/vf_stats.hpp"

namespace {

namespace vfr = hal::ixgbe::vf;
using vf::VfStatCounters;
using vf::VfStats;

/// A BAR of plain registers. A register with scripted values returns them one read at a time
/// (then its stored value), to stage what changes between two reads.
class MockBar final : public hal::RegisterIo {
 public:
  uint32_t read32(uint32_t offset) override {
    ++reads_[offset];
    auto s = script_.find(offset);
    if (s != script_.end() && !s->second.empty()) {
      const uint32_t v = s->second.front();
      s->second.pop_front();
      return v;
    }
    return regs_[offset];
  }
  void write32(uint32_t offset, uint32_t value) override { regs_[offset] = value; }
  void flush() override {}

  void set(hal::Reg32 r, uint32_t v) { regs_[r.offset] = v; }
  /// Sets a 36-bit octet counter: low 32 bits in `lsb`, bits 35:32 in `msb`.
  void set_octets(hal::Reg32 lsb, hal::Reg32 msb, uint64_t v) {
    regs_[lsb.offset] = static_cast<uint32_t>(v);
    regs_[msb.offset] = static_cast<uint32_t>(v >> 32) & 0xF;
  }
  void script(hal::Reg32 r, std::initializer_list<uint32_t> values) {
    script_[r.offset].insert(script_[r.offset].end(), values);
  }
  unsigned reads(hal::Reg32 r) const {
    auto it = reads_.find(r.offset);
    return it == reads_.end() ? 0 : it->second;
  }

 private:
  std::map<uint32_t, uint32_t> regs_;
  std::map<uint32_t, std::deque<uint32_t>> script_;
  std::map<uint32_t, unsigned> reads_;
};

void require_ok(const std::expected<void, vf::Error>& r) {
  INFO((r ? std::string() : vf::to_string(r.error())));
  REQUIRE(r.has_value());
}

}  // namespace

TEST_CASE("VF stats: a 32-bit packet counter wrap adds the distance modulo 2^32") {
  MockBar bar;
  bar.set(vfr::VFGPRC, 0xFFFFFFF0);
  bar.set(vfr::VFMPRC, 0xFFFFFFFF);
  bar.set(vfr::VFGPTC, 0x7FFFFFFF);
  VfStats s;
  require_ok(s.baseline(bar));

  bar.set(vfr::VFGPRC, 0x10);        // wrapped: 0x10 to the top, 0x10 after
  bar.set(vfr::VFMPRC, 0x0);         // wrapped by one
  bar.set(vfr::VFGPTC, 0x80000001);  // no wrap
  require_ok(s.update(bar));
  CHECK(s.totals().rx_packets == 0x20);
  CHECK(s.totals().rx_multicast == 1);
  CHECK(s.totals().tx_packets == 2);
  CHECK(s.totals().rx_octets == 0);
  CHECK(s.totals().tx_octets == 0);
}

TEST_CASE("VF stats: a 36-bit octet counter wrap (MSB 0xF to 0) adds the distance modulo 2^36") {
  MockBar bar;
  bar.set_octets(vfr::VFGORC_LSB, vfr::VFGORC_MSB, 0xF'FFFF'FF00);
  bar.set_octets(vfr::VFGOTC_LSB, vfr::VFGOTC_MSB, 0x0'FFFF'FFF0);
  VfStats s;
  require_ok(s.baseline(bar));

  bar.set_octets(vfr::VFGORC_LSB, vfr::VFGORC_MSB, 0x0'0000'0100);  // 36-bit wrap
  bar.set_octets(vfr::VFGOTC_LSB, vfr::VFGOTC_MSB, 0x1'0000'0010);  // carry into the MSB
  require_ok(s.update(bar));
  CHECK(s.totals().rx_octets == 0x200);
  CHECK(s.totals().tx_octets == 0x20);
  // A step that shows only in bits 35:32.
  bar.set_octets(vfr::VFGOTC_LSB, vfr::VFGOTC_MSB, 0x9'0000'0010);
  require_ok(s.update(bar));
  CHECK(s.totals().tx_octets == 0x20 + 0x8'0000'0000);
}

TEST_CASE("VF stats: totals are 64-bit and keep growing over many wraps") {
  MockBar bar;
  VfStats s;
  require_ok(s.baseline(bar));
  uint64_t octets = 0;
  uint32_t packets = 0;
  for (int i = 0; i < 40; ++i) {  // 40 steps of 0xC000'0000 packets and 0xA'0000'0000 octets
    packets += 0xC0000000u;
    octets += 0xA'0000'0000;
    bar.set(vfr::VFGPRC, packets);
    bar.set_octets(vfr::VFGORC_LSB, vfr::VFGORC_MSB, octets);
    require_ok(s.update(bar));
  }
  CHECK(s.totals().rx_packets == 40ull * 0xC0000000u);
  CHECK(s.totals().rx_octets == 40ull * 0xA'0000'0000);
}

TEST_CASE("VF stats: the first update without a baseline takes one and adds nothing") {
  MockBar bar;
  bar.set(vfr::VFGPRC, 1000);
  bar.set_octets(vfr::VFGORC_LSB, vfr::VFGORC_MSB, 0x3'0000'0000);
  VfStats s;
  CHECK_FALSE(s.has_baseline());
  require_ok(s.update(bar));
  CHECK(s.has_baseline());
  CHECK(s.totals() == VfStatCounters{});
  bar.set(vfr::VFGPRC, 1005);
  require_ok(s.update(bar));
  CHECK(s.totals().rx_packets == 5);
}

TEST_CASE("VF stats: a baseline after a reset that zeroed the counters counts no wrap") {
  MockBar bar;
  bar.set(vfr::VFGPTC, 500);
  bar.set_octets(vfr::VFGOTC_LSB, vfr::VFGOTC_MSB, 64'000);
  VfStats s;
  require_ok(s.baseline(bar));
  bar.set(vfr::VFGPTC, 600);
  bar.set_octets(vfr::VFGOTC_LSB, vfr::VFGOTC_MSB, 70'400);
  require_ok(s.update(bar));
  const VfStatCounters before = s.totals();
  CHECK(before.tx_packets == 100);
  CHECK(before.tx_octets == 6'400);

  // The counters restart from 0. Without a new baseline, 600 -> 0 would read as 2^32 - 600.
  bar.set(vfr::VFGPTC, 0);
  bar.set_octets(vfr::VFGOTC_LSB, vfr::VFGOTC_MSB, 0);
  require_ok(s.baseline(bar));
  CHECK(s.totals() == before);
  bar.set(vfr::VFGPTC, 7);
  bar.set_octets(vfr::VFGOTC_LSB, vfr::VFGOTC_MSB, 448);
  require_ok(s.update(bar));
  CHECK(s.totals().tx_packets == 107);
  CHECK(s.totals().tx_octets == 6'848);

  s.clear();
  CHECK(s.totals() == VfStatCounters{});
  bar.set(vfr::VFGPTC, 9);
  require_ok(s.update(bar));
  CHECK(s.totals().tx_packets == 2);
}

TEST_CASE("VF stats: an octet LSB that wraps between the LSB and MSB reads does not tear") {
  MockBar bar;
  bar.set_octets(vfr::VFGORC_LSB, vfr::VFGORC_MSB, 0x0'FFFF'FF00);
  VfStats s;
  require_ok(s.baseline(bar));

  // The device counts on between the reads and does not latch the MSB: LSB reads near the
  // top, the carry lands, MSB reads 1, LSB reads small. (1, 0xFFFFFFFE) would be 2^32 too
  // far; the driver must pair MSB 1 with the second LSB.
  bar.script(vfr::VFGORC_LSB, {0xFFFFFFFE, 0x00000004});
  bar.script(vfr::VFGORC_MSB, {1, 1});
  bar.set_octets(vfr::VFGORC_LSB, vfr::VFGORC_MSB, 0x1'0000'0010);  // later reads
  require_ok(s.update(bar));
  CHECK(s.totals().rx_octets == 0x104);  // 0x0'FFFF'FF00 -> 0x1'0000'0004
  CHECK(bar.reads(vfr::VFGORC_MSB) == 1 + 2);  // baseline: 1; this update: 2 (re-read)

  require_ok(s.update(bar));
  CHECK(s.totals().rx_octets == 0x110);
}

TEST_CASE("VF stats: an octet MSB reading all-ones means the device is gone, and nothing changes") {
  MockBar bar;
  bar.set(vfr::VFGPRC, 10);
  VfStats s;
  require_ok(s.baseline(bar));
  bar.set(vfr::VFGPRC, 20);
  require_ok(s.update(bar));
  REQUIRE(s.totals().rx_packets == 10);

  // Surprise removal: every register reads all-ones.
  for (hal::Reg32 r : {vfr::VFGPRC, vfr::VFGORC_LSB, vfr::VFGORC_MSB, vfr::VFMPRC, vfr::VFGPTC,
                       vfr::VFGOTC_LSB, vfr::VFGOTC_MSB})
    bar.set(r, hal::kDeviceGone);
  auto r = s.update(bar);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == vf::ErrorCode::kNoDevice);
  CHECK(s.totals().rx_packets == 10);
  CHECK_FALSE(s.baseline(bar).has_value());

  // Only the TX octet MSB gone is enough to tell.
  MockBar bar2;
  VfStats s2;
  bar2.set(vfr::VFGOTC_MSB, hal::kDeviceGone);
  auto r2 = s2.baseline(bar2);
  REQUIRE_FALSE(r2.has_value());
  CHECK(r2.error().code == vf::ErrorCode::kNoDevice);
  CHECK_FALSE(s2.has_baseline());
}

TEST_CASE("VF stats: a packet counter at 0xFFFFFFFF is a count, not a missing device") {
  MockBar bar;
  VfStats s;
  require_ok(s.baseline(bar));
  bar.set(vfr::VFGPRC, 0xFFFFFFFF);
  bar.set(vfr::VFGPTC, 0xFFFFFFFF);
  bar.set(vfr::VFMPRC, 0xFFFFFFFF);
  bar.set(vfr::VFGORC_LSB, 0xFFFFFFFF);  // the LSB can hold all-ones too
  require_ok(s.update(bar));
  CHECK(s.totals().rx_packets == 0xFFFFFFFF);
  CHECK(s.totals().tx_packets == 0xFFFFFFFF);
  CHECK(s.totals().rx_multicast == 0xFFFFFFFF);
  CHECK(s.totals().rx_octets == 0xFFFFFFFF);
}

TEST_CASE("VF stats on the simulated 82599: zero after bring-up, no device once VFs are off") {
  vftest::PfRig rig;
  rig.up(2);
  hal::RegisterIo& bar = rig.fn(1).bar0();
  VfStats s;
  require_ok(s.baseline(bar));
  require_ok(s.update(bar));
  CHECK(s.totals() == VfStatCounters{});

  auto off = rig.pf.set_num_vfs(0);
  REQUIRE(off.has_value());
  auto r = s.update(bar);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == vf::ErrorCode::kNoDevice);
}
