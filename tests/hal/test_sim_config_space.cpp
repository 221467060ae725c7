#include <catch2/catch.hpp>

#include "sim_fixture.hpp"

using namespace test;

TEST_CASE("SR-IOV capability sits at 0x160 with the 82599's values", "[sim][config]") {
  auto dev = sim::Device82599::create();
  auto& cfg = dev->pf().config();
  REQUIRE(cfg.read16(hal::pci::kVendorId) == hal::ixgbe::kVendorIntel);
  REQUIRE(cfg.read16(hal::pci::kDeviceId) == hal::ixgbe::kDevice82599Sfp);
  const uint16_t cap = sriov_cap(dev->pf());
  REQUIRE(cap == 0x160);
  CHECK(cfg.find_ext_capability(hal::pci::kExtCapIdAri) == 0x150);
  CHECK(cfg.read16(cap + sr::kTotalVfs) == 64);
  CHECK(cfg.read16(cap + sr::kInitialVfs) == 64);
  CHECK(cfg.read16(cap + sr::kVfDeviceId) == 0x10ED);
  CHECK(cfg.read16(cap + sr::kVfStride) == 2);
  CHECK(cfg.read32(cap + sr::kSupportedPageSizes) == 0x553);
  CHECK(cfg.find_capability(hal::pci::kCapIdMsix) == 0x70);
}

TEST_CASE("First VF Offset follows ARI Capable Hierarchy", "[sim][config]") {
  auto dev = sim::Device82599::create();
  auto& cfg = dev->pf().config();
  const uint16_t cap = sriov_cap(dev->pf());
  CHECK(cfg.read16(cap + sr::kVfOffset) == 0x180);
  cfg.write16(cap + sr::kCtrl, sr::kCtrlAri);
  CHECK(cfg.read16(cap + sr::kVfOffset) == 0x80);
  enable_vfs(*dev, 3);
  CHECK(dev->vf_routing_id(hal::VfId{0}) == 0x0100 + 0x80);
  CHECK(dev->vf_routing_id(hal::VfId{2}) == 0x0100 + 0x80 + 4);
  CHECK(dev->vf(hal::VfId{2}).value()->name() == "sim0:0000:01:10.4");
}

TEST_CASE("VF functions exist only after VF Enable with NumVFs set", "[sim][config]") {
  auto dev = sim::Device82599::create();
  auto& cfg = dev->pf().config();
  const uint16_t cap = sriov_cap(dev->pf());
  CHECK(dev->vf(hal::VfId{0}).error() == hal::Error::kNoDevice);
  cfg.write16(cap + sr::kNumVfs, 4);
  CHECK(dev->num_vfs() == 0);
  CHECK_FALSE(dev->vf(hal::VfId{0}).has_value());
  cfg.write16(cap + sr::kCtrl, sr::kCtrlVfe | sr::kCtrlMse);
  CHECK(dev->num_vfs() == 4);
  CHECK(dev->vf(hal::VfId{3}).has_value());
  CHECK(dev->vf(hal::VfId{4}).error() == hal::Error::kNoDevice);
  CHECK(dev->vf(hal::VfId{64}).error() == hal::Error::kOutOfRange);
}

TEST_CASE("NumVFs cannot change while VF Enable is set", "[sim][config]") {
  auto dev = sim::Device82599::create();
  auto& cfg = dev->pf().config();
  const uint16_t cap = sriov_cap(dev->pf());
  enable_vfs(*dev, 4);
  cfg.write16(cap + sr::kNumVfs, 9);
  CHECK(cfg.read16(cap + sr::kNumVfs) == 4);
  CHECK(dev->num_vfs() == 4);
  cfg.write16(cap + sr::kCtrl, 0);
  CHECK(dev->num_vfs() == 0);
  cfg.write16(cap + sr::kNumVfs, 9);
  CHECK(cfg.read16(cap + sr::kNumVfs) == 9);
}

TEST_CASE("A disabled VF's handle reads all-ones and drops writes", "[sim][config]") {
  auto dev = ready_device(2);
  hal::PciFunction* vf1 = dev->vf(hal::VfId{1}).value();
  CHECK(vf1->bar0().read(vfr::VFMAILBOX) != hal::kDeviceGone);
  dev->pf().config().write16(sriov_cap(dev->pf()) + sr::kCtrl, sr::kCtrlAri);
  CHECK(vf1->bar0().read(vfr::VFMAILBOX) == hal::kDeviceGone);
  CHECK(vf1->config().read32(0) == 0xFFFFFFFFu);
}

TEST_CASE("VF BARs decode only with VF MSE set", "[sim][config]") {
  auto dev = ready_device(1);
  auto& cfg = dev->pf().config();
  const uint16_t cap = sriov_cap(dev->pf());
  cfg.write16(cap + sr::kCtrl, sr::kCtrlAri | sr::kCtrlVfe);  // MSE off
  CHECK(vf_bar(*dev, 0).read(vfr::VFLINKS) == hal::kDeviceGone);
}

TEST_CASE("VF BAR0 sizing reads back 16 KiB", "[sim][config]") {
  auto dev = sim::Device82599::create();
  auto& cfg = dev->pf().config();
  const uint16_t bar0 = sriov_cap(dev->pf()) + sr::kVfBar0;
  cfg.write32(bar0, 0xFFFFFFFF);
  const uint32_t v = cfg.read32(bar0);
  CHECK((~(v & ~0xFu) + 1) == 16 * 1024);
  CHECK((v & 0xF) == 0xC);  // 64-bit prefetchable
}

TEST_CASE("VF config space: all-ones ids, MSI-X with 3 vectors, FLR capable", "[sim][config]") {
  auto dev = ready_device(1);
  auto& cfg = dev->vf(hal::VfId{0}).value()->config();
  CHECK(cfg.read16(hal::pci::kVendorId) == 0xFFFF);
  const uint8_t msix = cfg.find_capability(hal::pci::kCapIdMsix);
  REQUIRE(msix != 0);
  CHECK((cfg.read16(msix + 2) & 0x7FF) == 2);
  const uint8_t exp = cfg.find_capability(hal::pci::kCapIdExp);
  REQUIRE(exp != 0);
  CHECK((cfg.read32(exp + hal::pci::kExpDevCap) & hal::pci::kExpDevCapFlr) != 0);
}
