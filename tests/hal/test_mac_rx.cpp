// The simulated 82599 MAC's receive checks on wire frames (hal/sim/mac_rx.hpp): which frames
// it discards, the statistics registers they count in (clear-on-read), and the one Accounting
// counter each ends in.

#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "hal/sim/mac_rx.hpp"
#include "test_engine_fixture.hpp"

using test::Bytes;
using test::EngineRig;
using test::make_frame;
using test::require_accounts;
using test::vf_mac;
namespace pfr = hal::ixgbe::pf;

namespace {

/// Every MAC statistics register, read once (which clears it), by name.
std::map<std::string, uint32_t> read_mac_stats(hal::RegisterIo& pf) {
  return {{"CRCERRS", pf.read(pfr::CRCERRS)}, {"RLEC", pf.read(pfr::RLEC)}, {"RUC", pf.read(pfr::RUC)},
          {"RFC", pf.read(pfr::RFC)},         {"ROC", pf.read(pfr::ROC)},   {"RJC", pf.read(pfr::RJC)}};
}

/// The expected registers: `nonzero` at 1, every other one 0.
std::map<std::string, uint32_t> only(const std::vector<const char*>& nonzero) {
  std::map<std::string, uint32_t> m = {{"CRCERRS", 0}, {"RLEC", 0}, {"RUC", 0}, {"RFC", 0}, {"ROC", 0}, {"RJC", 0}};
  for (const char* n : nonzero) m[n] = 1;
  return m;
}

/// One frame's Accounting drop counters besides the switch's, as name -> count (non-zero).
std::map<std::string, uint64_t> frame_drops(const sim::Accounting& a) {
  std::map<std::string, uint64_t> m;
  a.for_each_drop([&m](std::string_view name, uint64_t v) {
    if (v != 0) m[std::string(name)] = v;
  });
  return m;
}

struct WireCase {
  const char* what;
  size_t len;  ///< without FCS
  bool fcs_bad;
  std::vector<const char*> regs;
  const char* counter;
};

}  // namespace

TEST_CASE("The MAC discards each kind of bad wire frame into its registers and one counter", "[engine][mac]") {
  // Standard maximum: 1518 bytes with the FCS, so 1514 as the wire port carries frames.
  const WireCase c = GENERATE(values<WireCase>({
      {"bad FCS, legal length", 100, true, {"CRCERRS"}, "wire_crc_error"},
      {"fragment (bad FCS, 40 bytes)", 40, true, {"RFC"}, "wire_crc_error"},
      {"jabber (bad FCS, 1515 bytes)", 1515, true, {"RJC", "CRCERRS"}, "wire_crc_error"},
      {"runt (good FCS, 40 bytes)", 40, false, {"RUC"}, "wire_undersize"},
      {"oversize (good FCS, 1515 bytes)", 1515, false, {"ROC"}, "oversize"},
  }));
  INFO(c.what);
  EngineRig rig;
  rig.setup_all();
  rig.wire->set_carries_runts(true);
  rig.wire->inject(make_frame(vf_mac(3), test::kUnknownMac, c.len), c.fcs_bad);
  REQUIRE(rig.run() == 1);
  CHECK(rig.receive(3).empty());
  CHECK(read_mac_stats(rig.pf()) == only(c.regs));
  const sim::Accounting a = rig.dev->accounting();
  CHECK(frame_drops(a) == std::map<std::string, uint64_t>{{c.counter, 1}});
  CHECK(a.switched == 0);
  require_accounts(*rig.dev);
}

TEST_CASE("A good frame at the limits passes the MAC", "[engine][mac]") {
  EngineRig rig;
  rig.setup_all();
  rig.wire->set_carries_runts(true);
  rig.wire->inject(make_frame(vf_mac(3), test::kUnknownMac, 60));    // 64 with FCS: the minimum
  rig.wire->inject(make_frame(vf_mac(3), test::kUnknownMac, 1514));  // 1518 with FCS: the maximum
  rig.run();
  CHECK(rig.receive(3).size() == 2);
  CHECK(read_mac_stats(rig.pf()) == only({}));
  require_accounts(*rig.dev);
}

TEST_CASE("A tagged frame may be 4 bytes longer than the maximum, an untagged one may not", "[engine][mac]") {
  EngineRig rig;
  rig.setup_all();
  // 1518 bytes without the FCS: 1522 on the wire, one tag over the standard 1518.
  rig.wire->inject(make_frame(vf_mac(3), test::kUnknownMac, 1518, 0, uint16_t{5}));
  rig.wire->inject(make_frame(vf_mac(3), test::kUnknownMac, 1518));
  rig.run();
  const auto stats = read_mac_stats(rig.pf());
  CHECK(stats.at("ROC") == 1);  // the untagged one only
  // The tagged one passed the MAC and went to the switch (which may filter its VLAN).
  CHECK(rig.dev->accounting().oversize == 1);
  CHECK(rig.dev->accounting().offered_wire == 2);
  require_accounts(*rig.dev);
}

TEST_CASE("A short good frame from a port that does not carry runts is taken as padded", "[engine][mac]") {
  EngineRig rig;
  rig.setup_all();
  const Bytes f = make_frame(vf_mac(3), test::kUnknownMac, 42);
  rig.wire->inject(f);
  rig.run();
  const auto got = rig.receive(3);
  REQUIRE(got.size() == 1);
  CHECK(got[0].bytes == f);
  CHECK(read_mac_stats(rig.pf()) == only({}));
  require_accounts(*rig.dev);
}

TEST_CASE("A wire frame over the engine's 16 KiB limit is oversize, or a jabber with a bad FCS", "[engine][mac]") {
  EngineRig rig;
  rig.setup_all();
  // Jumbo on with the largest MFS: only the engine's own limit is left to refuse the frame.
  rig.pf().write(pfr::MAXFRS, 0xFFFFu << pfr::maxfrs::kMfsShift);
  rig.pf().write(pfr::HLREG0, pfr::hlreg0::kJumboEn);
  rig.wire->inject(make_frame(vf_mac(3), test::kUnknownMac, sim::EngineState::kMaxFrame + 1));
  rig.wire->inject(make_frame(vf_mac(3), test::kUnknownMac, sim::EngineState::kMaxFrame + 1), true);
  rig.run();
  CHECK(rig.receive(3).empty());
  CHECK(read_mac_stats(rig.pf()) == std::map<std::string, uint32_t>{
                                        {"CRCERRS", 1}, {"RLEC", 0}, {"RUC", 0}, {"RFC", 0}, {"ROC", 1}, {"RJC", 1}});
  const sim::Accounting a = rig.dev->accounting();
  CHECK(a.oversize == 1);
  CHECK(a.wire_crc_error == 1);  // the bad-FCS one: a jabber, past what the engine carries
  require_accounts(*rig.dev);
}

TEST_CASE("MAC statistics registers clear on read and ignore writes", "[engine][mac]") {
  EngineRig rig;
  rig.setup_all();
  rig.wire->set_carries_runts(true);
  for (int i = 0; i < 3; ++i) rig.wire->inject(make_frame(vf_mac(3), test::kUnknownMac, 100), true);
  rig.wire->inject(make_frame(vf_mac(3), test::kUnknownMac, 30));
  rig.run();
  CHECK(rig.pf().read(pfr::CRCERRS) == 3);
  CHECK(rig.pf().read(pfr::CRCERRS) == 0);
  CHECK(rig.pf().read(pfr::RUC) == 1);
  CHECK(rig.pf().read(pfr::RUC) == 0);
  rig.pf().write(pfr::ROC, 7);
  CHECK(rig.pf().read(pfr::ROC) == 0);
  // Counting resumes from zero after a read.
  rig.wire->inject(make_frame(vf_mac(3), test::kUnknownMac, 100), true);
  rig.run();
  CHECK(rig.pf().read(pfr::CRCERRS) == 1);
}

TEST_CASE("A statistics counter sticks at its maximum", "[mac]") {
  uint32_t c = UINT32_MAX - 1;
  sim::bump_stat(c);
  CHECK(c == UINT32_MAX);
  sim::bump_stat(c);
  CHECK(c == UINT32_MAX);
}

TEST_CASE("Accounting::for_each_drop lists every drop counter once", "[engine][mac]") {
  sim::Accounting a;
  uint64_t v = 1;
  a.tx_dma_fault = v++;
  a.oversize = v++;
  a.wire_crc_error = v++;
  a.wire_undersize = v++;
  for (auto& d : a.switch_drops) d = v++;
  a.link_down = v++;
  a.rx_port_disabled = v++;
  a.rx_no_queue = v++;
  a.rx_queue_disabled = v++;
  a.rx_no_descriptor = v++;
  a.rx_dma_fault = v++;
  uint64_t sum = 0;
  std::map<std::string, uint64_t> seen;
  a.for_each_drop([&](std::string_view name, uint64_t n) {
    sum += n;
    CHECK(seen.emplace(std::string(name), n).second);
  });
  CHECK(sum == a.frame_drops() + a.copy_drops());
  CHECK(seen.size() == v - 1);
  CHECK(a.summary().find("wire_crc_error=3") != std::string::npos);
  CHECK(a.summary().find("wire_undersize=4") != std::string::npos);
}

TEST_CASE("Accounting::check counts MAC drops as frame drops", "[engine][mac]") {
  sim::Accounting a;
  a.offered_wire = 2;
  a.wire_crc_error = 1;
  CHECK(a.check().find("wire_crc_error 1") != std::string::npos);
  a.wire_undersize = 1;
  CHECK(a.check().empty());
}
