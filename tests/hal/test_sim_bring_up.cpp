// The simulated 82599's bring-up registers with their datasheet semantics: the link after
// LRST and AUTOC (AUTOC2, the pipeline reset, ANLP1), the laser on ESDP.SDP3 and what a
// cable's far end sees, a stuck PCIe master, EERD and the firmware registers, the global RX and
// TX enables, SECRXSTAT, reset values, MSI-X auto-mask, and the MAC's statistics.
#include <catch2/catch.hpp>

#include "hal/pci_regs.hpp"
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

TEST_CASE("CTRL.LRST drops the link for the partner too, it comes back from the EEPROM's AUTOC", "[sim][bring-up]") {
  const auto dev = sim::Device82599::create();
  auto wire = std::make_shared<sim::MemoryWire>();
  dev->set_wire(wire);
  hal::RegisterIo& pf = dev->pf().bar0();
  pf.write(pfr::CTRL, pfr::ctrl::kRst);  // RST alone keeps the PHY and its link
  CHECK(sim_links_up(pf));
  CHECK(wire->signal_losses() == 0);
  (void)pf.read(pfr::EICR);
  pf.write(pfr::CTRL, pfr::ctrl::kLrst);
  CHECK(dev->model().pf_reset_count() == 2);  // LRST resets everything RST does
  CHECK(wire->signal_losses() == 1);          // the transmitter reset: a drop for the partner
  CHECK(sim_links_up(pf));                    // then the EEPROM's 10G serial SFI links again
  CHECK((pf.read(pfr::EICR) & pfr::eicr::kLsc) != 0);
}

TEST_CASE("AUTOC: LMS applies at RESTART_AN, only 10G serial with SFI and the link enabled links", "[sim][bring-up]") {
  const auto dev = sim::Device82599::create();
  hal::RegisterIo& pf = dev->pf().bar0();
  // An EEPROM that selects the backplane mode: after the reset the link stays down.
  dev->model().set_eeprom_link(pfr::autoc::kLmsKx4KxKr, pfr::autoc2::k10gSfi);
  pf.write(pfr::CTRL, pfr::ctrl::kLrst);
  CHECK(pf.read(pfr::AUTOC) == pfr::autoc::kLmsKx4KxKr);
  CHECK_FALSE(sim_links_up(pf));
  // LMS alone does nothing until a restart.
  pf.write(pfr::AUTOC, pfr::autoc::kLms10gSerial);
  CHECK_FALSE(sim_links_up(pf));
  pf.write(pfr::AUTOC, kSfiRestart);
  CHECK(sim_links_up(pf));
  CHECK(pf.read(pfr::AUTOC) == pfr::autoc::kLms10gSerial);  // RESTART_AN self-clears
  CHECK(pf.read(pfr::ANLP1) & pfr::anlp1::kAnStateMask);
  // AUTOC2.LINK_DISABLE (b30:28) keeps the link down through a restart until cleared.
  pf.write(pfr::AUTOC2, pfr::autoc2::k10gSfi | pfr::autoc2::kLinkDisableMask);
  pf.write(pfr::AUTOC, kSfiRestart);
  CHECK_FALSE(sim_links_up(pf));
  pf.write(pfr::AUTOC2, pfr::autoc2::k10gSfi);
  pf.write(pfr::AUTOC, kSfiRestart);
  CHECK(sim_links_up(pf));
  // The pipeline reset's toggled LMS bit 2 drops it; the restore brings it back.
  pf.write(pfr::AUTOC, kSfiRestart ^ pfr::autoc::kLmsPipelineToggle);
  CHECK_FALSE(sim_links_up(pf));
  pf.write(pfr::AUTOC, kSfiRestart);
  CHECK(sim_links_up(pf));
  // Without a cable AUTOC cannot help.
  dev->set_link(false);
  pf.write(pfr::AUTOC, kSfiRestart);
  CHECK_FALSE(sim_links_up(pf));
  dev->set_link(true);
  CHECK(sim_links_up(pf));
}

TEST_CASE("A stuck PCIe master: GIO_MASTER_ENABLE held until CTRL.RST, Transaction Pending in config space", "[sim][bring-up]") {
  const auto dev = sim::Device82599::create();
  hal::RegisterIo& pf = dev->pf().bar0();
  hal::ConfigSpace& cfg = dev->pf().config();
  const uint8_t exp = cfg.find_capability(hal::pci::kCapIdExp);
  REQUIRE(exp != 0);
  const auto dev_sta = static_cast<uint16_t>(exp + hal::pci::kExpDevSta);
  CHECK((cfg.read16(dev_sta) & hal::pci::kExpDevStaTransPending) == 0);
  pf.write(pfr::CTRL, pfr::ctrl::kGioMasterDisable);
  CHECK((pf.read(pfr::STATUS) & pfr::status::kGioMasterEnable) == 0);  // drains at once

  dev->model().hold_master_requests(true, true);
  CHECK((pf.read(pfr::STATUS) & pfr::status::kGioMasterEnable) != 0);
  CHECK((cfg.read16(dev_sta) & hal::pci::kExpDevStaTransPending) != 0);
  dev->model().hold_master_requests(true, false);
  CHECK((cfg.read16(dev_sta) & hal::pci::kExpDevStaTransPending) == 0);
  pf.write(pfr::CTRL, pfr::ctrl::kRst);  // the reset drops the held requests
  pf.write(pfr::CTRL, pfr::ctrl::kGioMasterDisable);
  CHECK((pf.read(pfr::STATUS) & pfr::status::kGioMasterEnable) == 0);
}

TEST_CASE("EERD reads the EEPROM's words, firmware registers survive resets", "[sim][bring-up]") {
  const auto dev = sim::Device82599::create();
  hal::RegisterIo& pf = dev->pf().bar0();
  dev->model().set_eeprom_word(0x0F, 0x1234);
  pf.write(pfr::EERD, (0x0Fu << pfr::eerd::kAddrShift) | pfr::eerd::kStart);
  const uint32_t v = pf.read(pfr::EERD);
  CHECK((v & pfr::eerd::kDone) != 0);
  CHECK(v >> pfr::eerd::kDataShift == 0x1234);
  pf.write(pfr::EERD, (0x10u << pfr::eerd::kAddrShift) | pfr::eerd::kStart);
  CHECK(pf.read(pfr::EERD) >> pfr::eerd::kDataShift == 0);

  CHECK(pf.read(pfr::FWSM) == 0);
  CHECK(pf.read(pfr::MMNGC) == 0);
  dev->model().set_manageability(true, true);
  pf.write(pfr::CTRL, pfr::ctrl::kRst);
  CHECK((pf.read(pfr::FWSM) & pfr::fwsm::kModeMask) == pfr::fwsm::kModePassThrough);
  CHECK((pf.read(pfr::MANC) & pfr::manc::kRcvTcoEn) != 0);
  CHECK((pf.read(pfr::FACTPS) & pfr::factps::kMngcg) == 0);
  CHECK(pf.read(pfr::MMNGC) == pfr::mmngc::kMngVeto);
  pf.write(pfr::MMNGC, 0);  // the firmware's, not the driver's
  CHECK(pf.read(pfr::MMNGC) == pfr::mmngc::kMngVeto);
}

TEST_CASE("RDRXCTL comes out of reset with RSCFRSTSIZE 0x8 and DMAIDONE", "[sim][bring-up]") {
  const auto dev = sim::Device82599::create();
  hal::RegisterIo& pf = dev->pf().bar0();
  CHECK(pf.read(pfr::RDRXCTL) == (pfr::rdrxctl::kRscFrstSizeReset | pfr::rdrxctl::kDmaIdone));
  pf.write(pfr::RDRXCTL, 0);
  CHECK(pf.read(pfr::RDRXCTL) == pfr::rdrxctl::kDmaIdone);
}

TEST_CASE("MSI-X auto-mask: with EIAME and the vector's EIAM_EX bit the other causes fire once", "[sim][bring-up]") {
  const auto dev = sim::Device82599::create();
  hal::RegisterIo& pf = dev->pf().bar0();
  const hal::EventFd& vec = dev->pf().vector(0);
  pf.write(pfr::GPIE, pfr::gpie::kMsixMode | pfr::gpie::kEiame | pfr::gpie::kOcd);
  pf.write(pfr::IVAR_MISC, pfr::ivar::kValid << pfr::ivar::kMiscOtherShift);
  pf.write(pfr::EIMS, pfr::eicr::kLsc);
  pf.write(pfr::EICS, pfr::eicr::kLsc);
  CHECK(vec.drain() == 1);
  (void)pf.read(pfr::EICR);
  pf.write(pfr::EICS, pfr::eicr::kLsc);
  CHECK(vec.drain() == 1);  // EIAM_EX 0: no auto-mask, it fires again
  (void)pf.read(pfr::EICR);
  pf.write(pfr::EIAM_EX(0), 1u);
  pf.write(pfr::EICS, pfr::eicr::kLsc);
  CHECK(vec.drain() == 1);
  CHECK((pf.read(pfr::EIMS) & pfr::eicr::kLsc) == 0);  // auto-masked
  (void)pf.read(pfr::EICR);
  pf.write(pfr::EICS, pfr::eicr::kLsc);
  CHECK(vec.drain() == 0);
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
  // From the wire: a multicast no filter accepts, a unicast for VF 1, a broadcast (every
  // pool's VMOLR.BAM), and one with a bad FCS.
  const hal::MacAddr group({0x01, 0x00, 0x5E, 0x00, 0x00, 0x01});
  rig.wire->inject(make_frame(group, kUnknownMac, 300, 3));
  rig.wire->inject(make_frame(vf_mac(1), kUnknownMac, 400, 4));
  rig.wire->inject(make_frame(kBroadcastMac, kUnknownMac, 250, 6));
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
  // Good received: only what passed the L2 filters (the unicast and the broadcast).
  CHECK(pf.read(pfr::GPRC) == 2);
  CHECK(pf.read(pfr::MPRC) == 0);
  CHECK(pf.read(pfr::BPRC) == 1);
  CHECK(pf.read(pfr::GORCL) == (400 + 4) + (250 + 4));
  CHECK(pf.read(pfr::TPR) == 4);  // every frame the wire carried, the filtered and the bad too
  CHECK(pf.read(pfr::TORL) == (300 + 4) + (400 + 4) + (250 + 4) + (500 + 4));
  CHECK(pf.read(pfr::CRCERRS) == 1);
  // Read once, they are zero.
  for (const hal::Reg32 r : pfr::kClearOnReadStats) {
    INFO(r.offset);
    CHECK(pf.read(r) == 0);
  }
  pf.write(pfr::GPRC, 5);  // only the hardware counts
  CHECK(pf.read(pfr::GPRC) == 0);
}

TEST_CASE("GPRC counts nothing while receive is off, TPR counts every frame", "[sim][bring-up][engine]") {
  EngineRig rig(2);
  rig.setup_all();
  auto& pf = rig.pf();
  pf.write(pfr::RXCTRL, 0);
  rig.wire->inject(make_frame(vf_mac(1), kUnknownMac, 400, 4));
  rig.run();
  CHECK(pf.read(pfr::TPR) == 1);
  CHECK(pf.read(pfr::TORL) == 400 + 4);
  CHECK(pf.read(pfr::GPRC) == 0);
  CHECK(pf.read(pfr::GORCL) == 0);
  pf.write(pfr::RXCTRL, pfr::rxctrl::kRxEn);
  rig.wire->inject(make_frame(vf_mac(1), kUnknownMac, 400, 4));
  rig.run();
  CHECK(pf.read(pfr::GPRC) == 1);
  CHECK(pf.read(pfr::TPR) == 1);
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
