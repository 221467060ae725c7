#include <catch2/catch.hpp>

#include "sim_fixture.hpp"

using namespace test;
namespace vmb = vfr::vfmailbox;
namespace pmb = pfr::pfmailbox;

TEST_CASE("VFMAILBOX PFSTS clears on read", "[sim][mailbox]") {
  auto dev = ready_device(2);
  auto& pf = dev->pf().bar0();
  auto& vf = vf_bar(*dev, 1);
  (void)vf.read(vfr::VFMAILBOX);  // drop RSTD from the PFRSTD transition
  pf.write(pfr::PFMAILBOX(1), pmb::kSts);
  CHECK((vf.read(vfr::VFMAILBOX) & vmb::kPfsts) != 0);
  CHECK((vf.read(vfr::VFMAILBOX) & vmb::kPfsts) == 0);
  // The other VF saw nothing.
  CHECK((vf_bar(*dev, 0).read(vfr::VFMAILBOX) & (vmb::kPfsts | vmb::kPfack)) == 0);
}

TEST_CASE("VFMAILBOX PFACK clears on read", "[sim][mailbox]") {
  auto dev = ready_device(1);
  auto& vf = vf_bar(*dev, 0);
  dev->pf().bar0().write(pfr::PFMAILBOX(0), pmb::kAck);
  CHECK((vf.read(vfr::VFMAILBOX) & vmb::kPfack) != 0);
  CHECK((vf.read(vfr::VFMAILBOX) & vmb::kPfack) == 0);
}

TEST_CASE("VF REQ sets MBVFICR.VFREQ and MBVFICR is write-1-to-clear", "[sim][mailbox]") {
  auto dev = ready_device(40);
  auto& pf = dev->pf().bar0();
  vf_bar(*dev, 37).write(vfr::VFMAILBOX, vmb::kReq);
  CHECK(pf.read(pfr::MBVFICR(2)) == pfr::mbvficr::req_bit(37));
  vf_bar(*dev, 37).write(vfr::VFMAILBOX, vmb::kAck);
  CHECK(pf.read(pfr::MBVFICR(2)) == (pfr::mbvficr::req_bit(37) | pfr::mbvficr::ack_bit(37)));
  pf.write(pfr::MBVFICR(2), 0);  // writing zero clears nothing
  CHECK(pf.read(pfr::MBVFICR(2)) != 0);
  pf.write(pfr::MBVFICR(2), pfr::mbvficr::req_bit(37));
  CHECK(pf.read(pfr::MBVFICR(2)) == pfr::mbvficr::ack_bit(37));
}

TEST_CASE("Mailbox lock: a side takes its lock only while the other's is clear", "[sim][mailbox]") {
  auto dev = ready_device(1);
  auto& pf = dev->pf().bar0();
  auto& vf = vf_bar(*dev, 0);
  vf.write(vfr::VFMAILBOX, vmb::kVfu);
  CHECK((vf.read(vfr::VFMAILBOX) & vmb::kVfu) != 0);
  CHECK((pf.read(pfr::PFMAILBOX(0)) & pmb::kVfu) != 0);
  pf.write(pfr::PFMAILBOX(0), pmb::kPfu);
  CHECK((pf.read(pfr::PFMAILBOX(0)) & pmb::kPfu) == 0);  // lost arbitration
  vf.write(vfr::VFMAILBOX, vmb::kReq);                   // REQ alone releases VFU
  CHECK((vf.read(vfr::VFMAILBOX) & vmb::kVfu) == 0);
  pf.write(pfr::PFMAILBOX(0), pmb::kPfu);
  CHECK((pf.read(pfr::PFMAILBOX(0)) & pmb::kPfu) != 0);
  CHECK((vf.read(vfr::VFMAILBOX) & vmb::kPfu) != 0);
  vf.write(vfr::VFMAILBOX, vmb::kVfu);
  CHECK((vf.read(vfr::VFMAILBOX) & vmb::kVfu) == 0);  // PF holds it
  pf.write(pfr::PFMAILBOX(0), pmb::kAck);              // ACK alone releases PFU
  CHECK((pf.read(pfr::PFMAILBOX(0)) & pmb::kPfu) == 0);
}

TEST_CASE("RVFU lets the PF break a stuck VF lock", "[sim][mailbox]") {
  auto dev = ready_device(1);
  auto& pf = dev->pf().bar0();
  vf_bar(*dev, 0).write(vfr::VFMAILBOX, vmb::kVfu);
  pf.write(pfr::PFMAILBOX(0), pmb::kRvfu);
  CHECK((pf.read(pfr::PFMAILBOX(0)) & pmb::kVfu) == 0);
}

TEST_CASE("Mailbox memory is shared between VFMBMEM and PFMBMEM(n)", "[sim][mailbox]") {
  auto dev = ready_device(3);
  vf_bar(*dev, 2).write(vfr::VFMBMEM(5), 0xCAFEF00D);
  CHECK(dev->pf().bar0().read(pfr::PFMBMEM(2, 5)) == 0xCAFEF00D);
  CHECK(dev->pf().bar0().read(pfr::PFMBMEM(1, 5)) == 0);
  dev->pf().bar0().write(pfr::PFMBMEM(2, 15), 7);
  CHECK(vf_bar(*dev, 2).read(vfr::VFMBMEM(15)) == 7);
}

TEST_CASE("PF reset raises RSTI until PFRSTD, then RSTD clears on read", "[sim][mailbox][reset]") {
  auto dev = ready_device(2);
  auto& pf = dev->pf().bar0();
  auto& vf = vf_bar(*dev, 1);
  (void)vf.read(vfr::VFMAILBOX);
  pf.write(pfr::CTRL, pfr::ctrl::kRst);
  CHECK((pf.read(pfr::CTRL) & pfr::ctrl::kRst) == 0);  // self-clearing
  CHECK((pf.read(pfr::CTRL_EXT) & pfr::ctrl_ext::kPfrstd) == 0);
  CHECK((vf.read(vfr::VFMAILBOX) & vmb::kRsti) != 0);
  CHECK((vf.read(vfr::VFMAILBOX) & vmb::kRsti) != 0);  // a level, not read-to-clear
  pf.write(pfr::CTRL_EXT, pfr::ctrl_ext::kPfrstd);
  const uint32_t after = vf.read(vfr::VFMAILBOX);
  CHECK((after & vmb::kRsti) == 0);
  CHECK((after & vmb::kRstd) != 0);
  CHECK((vf.read(vfr::VFMAILBOX) & vmb::kRstd) == 0);
  CHECK(dev->num_vfs() == 2);  // config space survives CTRL.RST
}

TEST_CASE("VFCTRL.RST reports RSTD once the PF is ready", "[sim][mailbox][reset]") {
  auto dev = ready_device(1);
  auto& vf = vf_bar(*dev, 0);
  (void)vf.read(vfr::VFMAILBOX);
  vf.write(vfr::VFCTRL, vfr::vfctrl::kRst);
  CHECK((vf.read(vfr::VFMAILBOX) & vmb::kRstd) != 0);
  // Before PFRSTD, a VF reset leaves RSTI set and no RSTD.
  dev->pf().bar0().write(pfr::CTRL, pfr::ctrl::kRst);
  vf.write(vfr::VFCTRL, vfr::vfctrl::kRst);
  const uint32_t v = vf.read(vfr::VFMAILBOX);
  CHECK((v & vmb::kRsti) != 0);
  CHECK((v & vmb::kRstd) == 0);
}

TEST_CASE("VF FLR through config space sets VFLRE and VFLREC is write-1-to-clear", "[sim][flr]") {
  auto dev = ready_device(40);
  auto& pf = dev->pf().bar0();
  pf.write(pfr::VFRE(1), 0xFFFFFFFF);
  auto* vf = dev->vf(hal::VfId{35}).value();
  vf->bar0().write(vfr::VFEIMS, 0x4);
  const uint8_t exp = vf->config().find_capability(hal::pci::kCapIdExp);
  vf->config().write16(exp + hal::pci::kExpDevCtl, hal::pci::kExpDevCtlBcrFlr);
  CHECK((vf->config().read16(exp + hal::pci::kExpDevCtl) & hal::pci::kExpDevCtlBcrFlr) == 0);
  CHECK(pf.read(pfr::VFLRE(1)) == (1u << 3));
  CHECK(pf.read(pfr::VFLREC(1)) == (1u << 3));
  CHECK(pf.read(pfr::VFLRE(0)) == 0);
  CHECK((pf.read(pfr::VFRE(1)) & (1u << 3)) == 0);
  CHECK(vf->bar0().read(vfr::VFEIMS) == 0);
  pf.write(pfr::VFLRE(1), 0xFFFFFFFF);  // VFLRE itself is read-only
  CHECK(pf.read(pfr::VFLRE(1)) == (1u << 3));
  pf.write(pfr::VFLREC(1), 1u << 3);
  CHECK(pf.read(pfr::VFLRE(1)) == 0);
  CHECK(dev->model().vf_flr_count(35) == 1);
}

TEST_CASE("A VF's queue registers are its pool's absolute queues", "[sim][queues]") {
  auto dev = ready_device(10);  // 64-pool mode: 2 queues per pool
  auto& pf = dev->pf().bar0();
  auto& vf = vf_bar(*dev, 5);
  vf.write(vfr::VFRDBAL(1), 0x1000);
  CHECK(pf.read(pfr::RDBAL(11)) == 0x1000);
  vf.write(vfr::VFTDLEN(0), 4096);
  CHECK(pf.read(pfr::TDLEN(10)) == 4096);
  vf.write(vfr::VFRDBAL(2), 0x2000);  // beyond the pool's 2 queues: dropped
  CHECK(vf.read(vfr::VFRDBAL(2)) == 0);
  CHECK(pf.read(pfr::RDBAL(12)) == 0);
}

TEST_CASE("VF statistics are read-only", "[sim][queues]") {
  auto dev = ready_device(1);
  auto& vf = vf_bar(*dev, 0);
  vf.write(vfr::VFGPRC, 1234);
  CHECK(vf.read(vfr::VFGPRC) == 0);
}

TEST_CASE("QDE is an indirect per-queue register", "[sim][pf]") {
  auto dev = ready_device(1);
  auto& pf = dev->pf().bar0();
  pf.write(pfr::QDE, pfr::qde::kWrite | pfr::qde::kEnable | pfr::qde::kHideVlan | (7u << pfr::qde::kIdxShift));
  pf.write(pfr::QDE, pfr::qde::kRead | (7u << pfr::qde::kIdxShift));
  CHECK((pf.read(pfr::QDE) & (pfr::qde::kEnable | pfr::qde::kHideVlan)) == 3);
  pf.write(pfr::QDE, pfr::qde::kRead | (8u << pfr::qde::kIdxShift));
  CHECK((pf.read(pfr::QDE) & pfr::qde::kEnable) == 0);
}

TEST_CASE("RTTBCNRC is selected per queue by RTTDQSEL", "[sim][pf]") {
  auto dev = ready_device(1);
  auto& pf = dev->pf().bar0();
  pf.write(pfr::RTTDQSEL, 3);
  pf.write(pfr::RTTBCNRC, pfr::rttbcnrc::kRsEna | 0x4000);
  pf.write(pfr::RTTDQSEL, 4);
  CHECK(pf.read(pfr::RTTBCNRC) == 0);
  pf.write(pfr::RTTDQSEL, 3);
  CHECK(pf.read(pfr::RTTBCNRC) == (pfr::rttbcnrc::kRsEna | 0x4000));
}

TEST_CASE("After reset EEPROM auto-read and DMA init report done", "[sim][pf][reset]") {
  auto dev = sim::Device82599::create();
  auto& pf = dev->pf().bar0();
  pf.write(pfr::VT_CTL, pfr::vt_ctl::kVtEnable);
  pf.write(pfr::CTRL, pfr::ctrl::kRst | pfr::ctrl::kLrst);
  CHECK(pf.read(pfr::VT_CTL) == 0);
  CHECK((pf.read(pfr::EEC) & pfr::eec::kArd) != 0);
  CHECK((pf.read(pfr::RDRXCTL) & pfr::rdrxctl::kDmaIdone) != 0);
  CHECK(dev->model().pf_reset_count() == 1);
  pf.write(pfr::CTRL, pfr::ctrl::kGioMasterDisable);
  CHECK((pf.read(pfr::STATUS) & pfr::status::kGioMasterEnable) == 0);
  // The reset clears CTRL itself: bus mastering is enabled again afterwards.
  pf.write(pfr::CTRL, pfr::ctrl::kGioMasterDisable | pfr::ctrl::kRst);
  CHECK(pf.read(pfr::CTRL) == 0);
  CHECK((pf.read(pfr::STATUS) & pfr::status::kGioMasterEnable) != 0);
}
