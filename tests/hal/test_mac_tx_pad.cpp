// The simulated 82599 MAC's transmit padding (HLREG0.TXPADEN): short frames leave on the wire
// padded with zeros to 60 bytes (64 with the FCS); copies the VEB loops back are not padded.

#include <catch2/catch.hpp>

#include "test_engine_fixture.hpp"

using test::Bytes;
using test::EngineRig;
using test::make_frame;
using test::require_accounts;
using test::vf_mac;
namespace pfr = hal::ixgbe::pf;

namespace {

/// A 42-byte ARP request from `src` (broadcast, no padding): what a VF's stack hands its driver.
Bytes arp_request(const hal::MacAddr& src) {
  Bytes f = make_frame(test::kBroadcastMac, src, 42, 9);
  f[12] = 0x08;  // EtherType ARP
  f[13] = 0x06;
  return f;
}

void set_txpaden(hal::RegisterIo& pf, bool on) {
  const uint32_t v = pf.read(pfr::HLREG0);
  pf.write(pfr::HLREG0, on ? v | pfr::hlreg0::kTxPadEn : v & ~pfr::hlreg0::kTxPadEn);
}

}  // namespace

TEST_CASE("With HLREG0.TXPADEN a VF's 42-byte ARP leaves on the wire padded to 60 bytes", "[engine][mac]") {
  EngineRig rig;
  rig.setup_all();
  set_txpaden(rig.pf(), true);
  const Bytes arp = arp_request(vf_mac(0));
  rig.send(0, arp);
  rig.run();
  REQUIRE(rig.wire->sent().size() == 1);
  Bytes padded = arp;
  padded.resize(60, 0);
  CHECK(rig.wire->sent()[0] == padded);
  // The copies the VEB looped back to the other pools never passed the MAC: as sent.
  for (unsigned v = 1; v < rig.n; ++v) {
    const auto got = rig.receive(v);
    REQUIRE(got.size() == 1);
    CHECK(got[0].bytes == arp);
  }
  require_accounts(*rig.dev);
}

TEST_CASE("HLREG0 reads its reset value (TXPADEN set) after power-on and after CTRL.RST", "[engine][mac]") {
  const auto dev = sim::Device82599::create();
  hal::RegisterIo& pf = dev->pf().bar0();
  CHECK(pf.read(pfr::HLREG0) == pfr::hlreg0::kResetValue);
  pf.write(pfr::HLREG0, pfr::hlreg0::kJumboEn);  // what a driver might leave there
  REQUIRE(pf.read(pfr::HLREG0) != pfr::hlreg0::kResetValue);
  pf.write(pfr::CTRL, pfr::ctrl::kRst);
  CHECK(pf.read(pfr::HLREG0) == pfr::hlreg0::kResetValue);
  CHECK((pf.read(pfr::HLREG0) & pfr::hlreg0::kTxPadEn) != 0);
}

TEST_CASE("A device nobody set HLREG0 on pads a short frame to the wire", "[engine][mac]") {
  // TXPADEN is on from reset: a driver that never touches HLREG0 still gets its ARP padded.
  EngineRig rig;
  rig.setup_all();
  const Bytes arp = arp_request(vf_mac(0));
  rig.send(0, arp);
  rig.run();
  REQUIRE(rig.wire->sent().size() == 1);
  Bytes padded = arp;
  padded.resize(60, 0);
  CHECK(rig.wire->sent()[0] == padded);
}

TEST_CASE("Without HLREG0.TXPADEN a short frame leaves on the wire as written", "[engine][mac]") {
  EngineRig rig;
  rig.setup_all();
  set_txpaden(rig.pf(), false);
  const Bytes arp = arp_request(vf_mac(0));
  rig.send(0, arp);
  rig.run();
  REQUIRE(rig.wire->sent().size() == 1);
  CHECK(rig.wire->sent()[0] == arp);
}

TEST_CASE("TX padding leaves frames of 60 bytes or more alone and pads a 59-byte one", "[engine][mac]") {
  EngineRig rig;
  rig.setup_all();
  set_txpaden(rig.pf(), true);
  const Bytes f60 = make_frame(test::kUnknownMac, vf_mac(0), 60, 1);
  const Bytes f61 = make_frame(test::kUnknownMac, vf_mac(0), 61, 2);
  const Bytes f59 = make_frame(test::kUnknownMac, vf_mac(0), 59, 3);
  rig.send(0, f60);
  rig.send(0, f61);
  rig.send(0, f59);
  rig.run();
  REQUIRE(rig.wire->sent().size() == 3);
  CHECK(rig.wire->sent()[0] == f60);
  CHECK(rig.wire->sent()[1] == f61);
  Bytes p59 = f59;
  p59.push_back(0);
  CHECK(rig.wire->sent()[2] == p59);
  require_accounts(*rig.dev);
}
