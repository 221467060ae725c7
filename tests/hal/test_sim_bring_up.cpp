// The simulated 82599's bring-up registers with their datasheet semantics: the link after
// LRST and AUTOC, the laser on ESDP.SDP3 and what a cable's far end sees, the global RX and TX
// enables, SECRXSTAT, reset values, and the MAC's good-frame statistics.
#include <catch2/catch.hpp>

#include "hal/sim/cable.hpp"
#include "hal/sim/mac_stats.hpp"
#include "test_engine_fixture.hpp"

using namespace test;

namespace {
bool sim_links_up(hal::RegisterIo& pf) { return (pf.read(pfr::LINKS) & pfr::links::kUp) != 0; }

constexpr uint32_t kSfiRestart = pfr::autoc::kLms10gSerial | pfr::autoc::kRestartAn;
}  // namespace

TEST_CASE("Power-on: the EEPROM's link setup brings the link up without a driver", "[sim][bring-up]") {
  const auto dev = sim::Device82599::create();
  hal::RegisterIo& pf = dev->pf().bar0();
  CHECK(sim_links_up(pf));
  CHECK(pf.read(pfr::AUTOC) == pfr::autoc::kLms10gSerial);
  CHECK(pf.read(pfr::AUTOC2) == pfr::autoc2::k10gSfi);
  CHECK(pf.read(pfr::ESDP) == pfr::esdp::kSdp3Dir);
  CHECK(pf.read(pfr::RXPBSIZE(0)) == pfr::rxpbsize::k512KB);
  CHECK(pf.read(pfr::RXPBSIZE(1)) == 0);
  CHECK(pf.read(pfr::TXPBSIZE(0)) == pfr::txpbsize::k160KB);
  CHECK(pf.read(pfr::DTXMXSZRQ) == pfr::dtxmxszrq::kDefault);
  // Receive and transmit are off until a driver turns them on.
  CHECK(pf.read(pfr::RXCTRL) == 0);
  CHECK(pf.read(pfr::DMATXCTL) == 0);
  // Power-on raises no link change.
  CHECK(pf.read(pfr::EICR) == 0);
}

TEST_CASE("After CTRL.LRST the link stays down until AUTOC restarts it in 10G serial", "[sim][bring-up]") {
  const auto dev = sim::Device82599::create();
  hal::RegisterIo& pf = dev->pf().bar0();
  pf.write(pfr::CTRL, pfr::ctrl::kRst);  // RST alone keeps the PHY and its link
  CHECK(sim_links_up(pf));
  pf.write(pfr::CTRL, pfr::ctrl::kLrst);
  CHECK_FALSE(sim_links_up(pf));
  CHECK(dev->model().pf_reset_count() == 2);  // LRST resets everything RST does
  CHECK((pf.read(pfr::EICR) & pfr::eicr::kLsc) != 0);

  // LMS alone does nothing until a restart; a mode the SFP+ port cannot link in stays down.
  pf.write(pfr::AUTOC, pfr::autoc::kLms10gSerial);
  CHECK_FALSE(sim_links_up(pf));
  pf.write(pfr::AUTOC, pfr::autoc::kLmsKx4KxKr | pfr::autoc::kRestartAn);
  CHECK_FALSE(sim_links_up(pf));
  CHECK((pf.read(pfr::AUTOC) & pfr::autoc::kRestartAn) == 0);  // self-clearing

  pf.write(pfr::AUTOC, kSfiRestart);
  CHECK(sim_links_up(pf));
  CHECK(pf.read(pfr::AUTOC) == pfr::autoc::kLms10gSerial);
  CHECK((pf.read(pfr::EICR) & pfr::eicr::kLsc) != 0);
  // Without a cable AUTOC cannot help.
  dev->set_link(false);
  pf.write(pfr::AUTOC, kSfiRestart);
  CHECK_FALSE(sim_links_up(pf));
  dev->set_link(true);
  CHECK(sim_links_up(pf));
}

TEST_CASE("The laser on ESDP.SDP3: dark means link down here and at the cable's far end", "[sim][bring-up]") {
  auto cable = sim::make_cable(16);
  REQUIRE(cable.has_value());
  const auto a = sim::Device82599::create();
  const auto b = sim::Device82599::create();
  a->set_wire(cable->a);
  b->set_wire(cable->b);
  hal::RegisterIo& pa = a->pf().bar0();
  hal::RegisterIo& pb = b->pf().bar0();
  REQUIRE(sim_links_up(pa));
  REQUIRE(sim_links_up(pb));

  pa.write(pfr::ESDP, pfr::esdp::kSdp3Dir | pfr::esdp::kSdp3);  // TX_DISABLE asserted
  CHECK_FALSE(cable->b->rx_signal());
  CHECK_FALSE(sim_links_up(pa));  // fault signalling: both ends report the link down
  CHECK_FALSE(sim_links_up(pb));
  CHECK((pb.read(pfr::EICR) & pfr::eicr::kLsc) != 0);
  // SDP3 as an input lets the module's pull-up disable the laser too.
  pa.write(pfr::ESDP, 0);
  CHECK_FALSE(sim_links_up(pb));
  pa.write(pfr::ESDP, pfr::esdp::kSdp3Dir);
  CHECK(cable->b->rx_signal());
  CHECK(sim_links_up(pb));
  CHECK(sim_links_up(pa));
  // A device reset gives the laser back to the EEPROM's setting: lit.
  pa.write(pfr::ESDP, pfr::esdp::kSdp3Dir | pfr::esdp::kSdp3);
  pa.write(pfr::CTRL, pfr::ctrl::kRst);
  CHECK(sim_links_up(pb));
}

TEST_CASE("A memory wire records the laser as the peer sees it", "[sim][bring-up]") {
  const auto dev = sim::Device82599::create();
  auto wire = std::make_shared<sim::MemoryWire>();
  dev->set_wire(wire);
  CHECK(wire->tx_signal());
  dev->pf().bar0().write(pfr::ESDP, pfr::esdp::kSdp3Dir | pfr::esdp::kSdp3);
  CHECK_FALSE(wire->tx_signal());
}

TEST_CASE("Receive needs RXCTRL.RXEN and SECRXCTRL.RX_DIS clear, for looped-back and wire frames", "[sim][bring-up][engine]") {
  EngineRig rig(2);
  rig.setup_all();
  const Bytes f = make_frame(vf_mac(1), vf_mac(0), 128, 7);
  auto& pf = rig.pf();

  SECTION("RXEN clear") { pf.write(pfr::RXCTRL, 0); }
  SECTION("RX_DIS set") {
    pf.write(pfr::SECRXCTRL, pfr::secrxctrl::kRxDis);
    CHECK(pf.read(pfr::SECRXSTAT) == pfr::secrxstat::kSecRxRdy);  // drained at once
  }
  rig.send(0, f);
  rig.wire->inject(make_frame(vf_mac(1), kUnknownMac, 100, 9));
  rig.run();
  CHECK(rig.receive(1).empty());
  CHECK(rig.dev->accounting().rx_port_disabled == 2);
  CHECK(rig.dev->accounting().delivered == 0);
  require_accounts(*rig.dev);

  // The enable sequence of Linux's ixgbe_enable_rx_dma_82599, then traffic flows.
  pf.write(pfr::SECRXCTRL, pfr::secrxctrl::kRxDis);
  pf.write(pfr::RXCTRL, pfr::rxctrl::kRxEn);
  pf.write(pfr::SECRXCTRL, 0);
  CHECK(pf.read(pfr::SECRXSTAT) == 0);
  rig.send(0, f);
  rig.run();
  CHECK(rig.receive(1).size() == 1);
  require_accounts(*rig.dev);
}

TEST_CASE("SECRXSTAT is read-only", "[sim][bring-up]") {
  const auto dev = sim::Device82599::create();
  hal::RegisterIo& pf = dev->pf().bar0();
  pf.write(pfr::SECRXSTAT, pfr::secrxstat::kSecRxRdy);
  CHECK(pf.read(pfr::SECRXSTAT) == 0);
}

TEST_CASE("Transmit needs DMATXCTL.TE, and frames that rang meanwhile go once it is set", "[sim][bring-up][engine]") {
  EngineRig rig(2);
  rig.setup_all();
  rig.pf().write(pfr::DMATXCTL, 0);
  rig.send(0, make_frame(vf_mac(1), vf_mac(0), 128, 7));
  CHECK(rig.run() == 0);
  CHECK(rig.bar(0).read(vfr::VFTDH(0)) == 0);
  CHECK(rig.dev->accounting().offered_tx == 0);
  rig.pf().write(pfr::DMATXCTL, pfr::dmatxctl::kTe);
  CHECK(rig.run() == 1);
  CHECK(rig.receive(1).size() == 1);
  require_accounts(*rig.dev);
}

TEST_CASE("Reserved bits of the packet-buffer and flow-control registers read 0", "[sim][bring-up]") {
  const auto dev = sim::Device82599::create();
  hal::RegisterIo& pf = dev->pf().bar0();
  pf.write(pfr::RXPBSIZE(1), 0xFFFFFFFF);
  CHECK(pf.read(pfr::RXPBSIZE(1)) == pfr::rxpbsize::kSizeMask);
  pf.write(pfr::TXPBSIZE(1), 0xFFFFFFFF);
  CHECK(pf.read(pfr::TXPBSIZE(1)) == pfr::txpbsize::kSizeMask);
  pf.write(pfr::FCRTH(0), 0xFFFFFFFF);
  CHECK(pf.read(pfr::FCRTH(0)) == (pfr::fcrth::kFcen | pfr::fcrth::kRthMask));
  pf.write(pfr::DTXMXSZRQ, 0xFFFFFFFF);
  CHECK(pf.read(pfr::DTXMXSZRQ) == pfr::dtxmxszrq::kMaxBytesNumReqMask);
  pf.write(pfr::CTRL, pfr::ctrl::kRst);
  CHECK(pf.read(pfr::RXPBSIZE(1)) == 0);
  CHECK(pf.read(pfr::FCRTH(0)) == 0);
}

TEST_CASE("The MAC counts good frames to and from the wire in clear-on-read registers", "[sim][bring-up][engine]") {
  EngineRig rig(2);
  rig.setup_all();
  auto& pf = rig.pf();
  // To the wire: an unknown unicast and a broadcast (which also reaches VF 1).
  rig.send(0, make_frame(kUnknownMac, vf_mac(0), 100, 1));
  rig.send(0, make_frame(kBroadcastMac, vf_mac(0), 200, 2));
  // From the wire: a multicast, a unicast for VF 1, and one with a bad FCS.
  const hal::MacAddr group({0x01, 0x00, 0x5E, 0x00, 0x00, 0x01});
  rig.wire->inject(make_frame(group, kUnknownMac, 300, 3));
  rig.wire->inject(make_frame(vf_mac(1), kUnknownMac, 400, 4));
  rig.wire->inject(make_frame(vf_mac(1), kUnknownMac, 500, 5), /*fcs_bad=*/true);
  rig.run();
  REQUIRE(rig.wire->sent().size() == 2);
  const uint64_t tx_octets = rig.wire->sent()[0].size() + rig.wire->sent()[1].size() + 2 * 4;
  CHECK(pf.read(pfr::GPTC) == 2);
  CHECK(pf.read(pfr::TPT) == 2);
  CHECK(pf.read(pfr::BPTC) == 1);
  CHECK(pf.read(pfr::MPTC) == 0);
  CHECK(pf.read(pfr::GOTCL) == tx_octets);
  CHECK(pf.read(pfr::GOTCH) == 0);
  CHECK(pf.read(pfr::GPRC) == 2);
  CHECK(pf.read(pfr::MPRC) == 1);
  CHECK(pf.read(pfr::BPRC) == 0);
  CHECK(pf.read(pfr::GORCL) == (300 + 4) + (400 + 4));
  CHECK(pf.read(pfr::TPR) == 3);  // every frame the wire carried, the bad one too
  CHECK(pf.read(pfr::TORL) == (300 + 4) + (400 + 4) + (500 + 4));
  CHECK(pf.read(pfr::CRCERRS) == 1);
  // Read once, they are zero.
  for (const hal::Reg32 r : pfr::kClearOnReadStats) {
    INFO(r.offset);
    CHECK(pf.read(r) == 0);
  }
  pf.write(pfr::GPRC, 5);  // only the hardware counts
  CHECK(pf.read(pfr::GPRC) == 0);
}

TEST_CASE("36-bit octet counters carry into the high register and saturate", "[sim][bring-up]") {
  uint32_t lo = 0xFFFFFFF0u, hi = 0;
  sim::add_stat36(lo, hi, 0x20);
  CHECK(lo == 0x10);
  CHECK(hi == 1);
  lo = 0xFFFFFFFFu;
  hi = 0xF;
  sim::add_stat36(lo, hi, 1);
  CHECK(lo == 0xFFFFFFFFu);
  CHECK(hi == 0xF);
}
