// RSS and TX rate limiting inside the device engine, programmed through registers only: which
// RX queue of a pool a flow lands on and what the descriptor says, and how fast a limited TX
// queue drains in simulated time.
#include <catch2/catch.hpp>

#include <map>

#include "hal/clock.hpp"
#include "hal/sim/rss.hpp"
#include "test_engine_fixture.hpp"

using test::Bytes;
using test::EngineRig;
using test::require_accounts;
using test::vf_mac;
namespace ix = hal::ixgbe;
namespace pfr = hal::ixgbe::pf;
namespace vfr = hal::ixgbe::vf;

namespace {

/// An IPv4/TCP frame from 10.0.0.1:sport to 10.0.0.2:80 (checksums are not looked at).
Bytes tcp_frame(const hal::MacAddr& dst, const hal::MacAddr& src, uint16_t sport) {
  Bytes b(64, 0);
  for (unsigned i = 0; i < 6; ++i) {
    b[i] = dst[i];
    b[6 + i] = src[i];
  }
  b[12] = 0x08;  // IPv4
  b[14] = 0x45;  // version 4, 20-byte header
  b[16] = 0;
  b[17] = 50;    // total length: 20 + 20 + 10
  b[23] = 6;     // TCP
  const uint8_t ips[8] = {10, 0, 0, 1, 10, 0, 0, 2};
  std::copy(std::begin(ips), std::end(ips), b.begin() + 26);
  b[34] = static_cast<uint8_t>(sport >> 8);
  b[35] = static_cast<uint8_t>(sport);
  b[37] = 80;
  b[46] = 0x50;  // TCP data offset 5
  return b;
}

/// VF `vf`'s RX queue 1 in its own memory (EngineRig drives queue 0 only).
struct SecondRxQueue {
  static constexpr uint64_t kIova = 0x08000000;  // below every VF's EngineRig range
  static constexpr unsigned kRing = 64;
  std::vector<uint8_t> mem = std::vector<uint8_t>(kRing * 16 + kRing * 2048);
  unsigned next = 0;

  SecondRxQueue(EngineRig& rig, unsigned vf) {
    REQUIRE(rig.dev->vf(hal::VfId{vf}).value()->dma().map(hal::Iova(kIova), mem.data(), mem.size()));
    auto& b = rig.bar(vf);
    b.write(vfr::VFRDBAL(1), static_cast<uint32_t>(kIova));
    b.write(vfr::VFRDBAH(1), 0);
    b.write(vfr::VFRDLEN(1), kRing * 16);
    b.write(vfr::VFSRRCTL(1), 2 | ix::srrctl::kDescTypeAdvOneBuf);
    b.write(vfr::VFRDH(1), 0);
    for (unsigned i = 0; i < kRing - 1; ++i) {
      ix::AdvRxRead d{kIova + kRing * 16 + i * 2048, 0};
      std::memcpy(mem.data() + i * 16, &d, sizeof d);
    }
    b.write(vfr::VFRDT(1), kRing - 1);
    b.write(vfr::VFRXDCTL(1), ix::rxdctl::kEnable);
  }
  /// The write-backs of every completed descriptor so far.
  std::vector<ix::AdvRxWriteBack> receive() {
    std::vector<ix::AdvRxWriteBack> out;
    for (;; next = (next + 1) % kRing) {
      ix::AdvRxWriteBack wb;
      std::memcpy(&wb, mem.data() + next * 16, sizeof wb);
      if ((wb.status_error & ix::rxd_stat::kDd) == 0) break;
      out.push_back(wb);
      std::memset(mem.data() + next * 16, 0, 16);
    }
    return out;
  }
};

/// The write-backs of VF `vf`'s queue 0 (EngineRig's ring), without clearing them.
std::vector<ix::AdvRxWriteBack> queue0_writebacks(EngineRig& rig, unsigned vf, unsigned count) {
  std::vector<ix::AdvRxWriteBack> out;
  for (unsigned i = 0; i < count; ++i) {
    ix::AdvRxWriteBack wb;
    std::memcpy(&wb, rig.host(vf, EngineRig::kRxRing + i * 16), sizeof wb);
    if ((wb.status_error & ix::rxd_stat::kDd) == 0) break;
    out.push_back(wb);
  }
  return out;
}

}  // namespace

TEST_CASE("RSS spreads a VF's flows over its pool's queues by the RETA and reports the hash", "[engine][rss]") {
  EngineRig rig(2, 64);
  rig.setup_all();
  SecondRxQueue q1(rig, 1);
  // What a PF does for VMDq + RSS in 64-pool mode: key, RETA (entry i -> i % 2), hash fields,
  // PCSD so the descriptor carries the hash; the VF asks for 2 RSS queues with VFPSRTYPE.RQPL.
  auto& pf = rig.pf();
  for (unsigned i = 0; i < pfr::kNumRssrk; ++i) pf.write(pfr::RSSRK(i), 0x6D5A6D5Au + i * 0x01010101u);
  for (unsigned i = 0; i < pfr::kNumReta; ++i) pf.write(pfr::RETA(i), 0x01000100u);
  pf.write(pfr::RXCSUM, pfr::rxcsum::kPcsd);
  pf.write(pfr::MRQC, pfr::mrqc::kVmdq64Rss | pfr::mrqc::kRssFieldIpv4Tcp);
  rig.bar(1).write(vfr::VFPSRTYPE, 1u << pfr::psrtype::kRqplShift);

  // The same hash, computed by RssState from the same register values (checked on its own
  // against Microsoft's vectors and DPDK's rte_softrss in test_rss*.cpp).
  sim::RssRegisters regs;
  regs.mrqc = pfr::mrqc::kVmdq64Rss | pfr::mrqc::kRssFieldIpv4Tcp;
  regs.rxcsum = pfr::rxcsum::kPcsd;
  for (unsigned i = 0; i < pfr::kNumRssrk; ++i) regs.rssrk[i] = 0x6D5A6D5Au + i * 0x01010101u;
  regs.reta.fill(0x01000100u);
  regs.psrtype[1] = 1u << pfr::psrtype::kRqplShift;
  sim::RssState expect;
  expect.rebuild(regs);

  std::map<uint32_t, unsigned> want_queue;  // hash -> queue
  for (uint16_t port = 1000; port < 1040; ++port) {
    const Bytes f = tcp_frame(vf_mac(1), vf_mac(0), port);
    const sim::RssSelection s = expect.select(f, 1);
    REQUIRE(s.rss.type == ix::rss_type::kIpv4Tcp);
    want_queue[s.rss.hash] = s.queue_offset;
    rig.send(0, f);
  }
  REQUIRE(rig.run() == 40);
  const auto got0 = queue0_writebacks(rig, 1, 63);
  const auto got1 = q1.receive();
  CHECK(got0.size() + got1.size() == 40);
  CHECK_FALSE(got0.empty());  // 40 flows over a 50/50 table: both queues see some
  CHECK_FALSE(got1.empty());
  for (const auto& [got, queue] : {std::pair{&got0, 0u}, std::pair{&got1, 1u}}) {
    for (const auto& wb : *got) {
      INFO("hash " << wb.rss << " on queue " << queue);
      CHECK(ix::rx_rss_type(wb.info) == ix::rss_type::kIpv4Tcp);
      REQUIRE(want_queue.count(wb.rss) == 1);
      CHECK(want_queue[wb.rss] == queue);
    }
  }
  require_accounts(*rig.dev);
}

TEST_CASE("Without PSRTYPE.RQPL a pool keeps every flow on its first queue", "[engine][rss]") {
  EngineRig rig(2, 64);
  rig.setup_all();
  SecondRxQueue q1(rig, 1);
  auto& pf = rig.pf();
  for (unsigned i = 0; i < pfr::kNumReta; ++i) pf.write(pfr::RETA(i), 0x01010101u);  // all -> 1
  pf.write(pfr::MRQC, pfr::mrqc::kVmdq64Rss | pfr::mrqc::kRssFieldIpv4Tcp);
  for (uint16_t port = 1000; port < 1010; ++port) rig.send(0, tcp_frame(vf_mac(1), vf_mac(0), port));
  REQUIRE(rig.run() == 10);
  CHECK(q1.receive().empty());
  const auto got0 = queue0_writebacks(rig, 1, 63);
  REQUIRE(got0.size() == 10);
  // Hashed (type reported) but no PCSD: dword 1 is not the hash.
  CHECK(ix::rx_rss_type(got0[0].info) == ix::rss_type::kIpv4Tcp);
  CHECK(got0[0].rss == 0);
}

TEST_CASE("Rate limiter within 5% in simulated time: a 1 Gbit/s queue drains at 1 Gbit/s", "[engine][shaper]") {
  hal::ManualClock clock;
  EngineRig rig(2, 64, &clock);
  rig.setup_all();
  // RTTDQSEL picks VF 0's queue 0 (absolute 0); RF = 10: a tenth of the 10 Gbit/s link.
  rig.pf().write(pfr::RTTDQSEL, 0);
  rig.pf().write(pfr::RTTBCNRC, pfr::rttbcnrc::kRsEna | (10u << pfr::rttbcnrc::kRfIntShift));
  constexpr unsigned kFrames = 60, kLen = 1514;
  for (unsigned i = 0; i < kFrames; ++i) rig.send(0, test::make_frame(vf_mac(1), vf_mac(0), kLen, static_cast<uint8_t>(i)));

  // Step 1 us at a time; note when each frame left.
  std::vector<int64_t> sent_at;
  for (int step = 0; step < 100000 && sent_at.size() < kFrames; ++step) {
    const size_t n = rig.dev->poll_once();
    for (size_t k = 0; k < n; ++k) sent_at.push_back(clock.now().count());
    clock.advance(std::chrono::microseconds(1));
  }
  REQUIRE(sent_at.size() == kFrames);
  // Steady state, past any initial credit: frames 10..59. Each costs (1514 + 24) bytes of
  // link time (FCS, preamble, gap) at 1 Gbit/s.
  const double seconds = static_cast<double>(sent_at[kFrames - 1] - sent_at[10]) / 1e9;
  const double bits = 49.0 * (kLen + 24) * 8;
  const double rate = bits / seconds;
  INFO("measured " << rate / 1e9 << " Gbit/s");
  CHECK(rate == Approx(1e9).epsilon(0.05));
  CHECK(rig.receive(1).size() == kFrames);
  require_accounts(*rig.dev);
}

TEST_CASE("An unlimited queue is not held back and a limit can be lifted", "[engine][shaper]") {
  hal::ManualClock clock;
  EngineRig rig(2, 64, &clock);
  rig.setup_all();
  rig.pf().write(pfr::RTTDQSEL, 0);
  rig.pf().write(pfr::RTTBCNRC, pfr::rttbcnrc::kRsEna | (1000u << pfr::rttbcnrc::kRfIntShift));  // 10 Mbit/s
  for (unsigned i = 0; i < 20; ++i) rig.send(0, test::make_frame(vf_mac(1), vf_mac(0), 1000));
  const size_t first = rig.run();
  CHECK(first < 20);  // held back with the clock standing still
  rig.pf().write(pfr::RTTBCNRC, 0);  // RS_ENA clear: unlimited
  CHECK(first + rig.run() == 20);
  require_accounts(*rig.dev);
}
