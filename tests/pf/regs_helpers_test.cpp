// The PF register index/bit helpers the driver uses instead of raw masks and shifts (spec 2,
// 4c), checked against the layouts written out by hand.
#include "hal/ixgbe/regs_pf.hpp"
#include "pf_rig.hpp"

namespace reg = hal::ixgbe::pf;

TEST_CASE("pool bitmap helpers: register pool / 32, bit pool % 32, ranges from a first pool",
          "[pf][regs]") {
  CHECK(reg::pool_reg_index(0) == 0);
  CHECK(reg::pool_reg_index(31) == 0);
  CHECK(reg::pool_reg_index(32) == 1);
  CHECK(reg::pool_reg_index(63) == 1);
  CHECK(reg::pool_bit(0) == 0x1u);
  CHECK(reg::pool_bit(31) == 0x80000000u);
  CHECK(reg::pool_bit(32) == 0x1u);
  CHECK(reg::pool_bit(45) == 0x2000u);
  CHECK(reg::pool_bits_from(0, 0) == 0xFFFFFFFFu);
  CHECK(reg::pool_bits_from(0, 1) == 0xFFFFFFFFu);
  CHECK(reg::pool_bits_from(31, 0) == 0x80000000u);
  CHECK(reg::pool_bits_from(32, 0) == 0u);
  CHECK(reg::pool_bits_from(32, 1) == 0xFFFFFFFFu);
  CHECK(reg::pool_bits_from(63, 1) == 0x80000000u);
  CHECK(reg::pfvfspoof::reg_index(7) == 0);
  CHECK(reg::pfvfspoof::reg_index(8) == 1);
  CHECK(reg::pfvfspoof::reg_index(63) == 7);
  CHECK(reg::mbvficr::reg_index(15) == 0);
  CHECK(reg::mbvficr::reg_index(16) == 1);
  CHECK(reg::mbvficr::reg_index(63) == 3);
}

TEST_CASE("MTA and VFTA helpers: 12-bit hash to register hash[11:5], bit hash[4:0]",
          "[pf][regs]") {
  CHECK(reg::mta::kHashMask == 0xFFF);
  CHECK(reg::mta::reg_index(0x000) == 0);
  CHECK(reg::mta::bit(0x000) == 0x1u);
  CHECK(reg::mta::reg_index(0x123) == 0x9);  // 0x123 = 0b1001_00011
  CHECK(reg::mta::bit(0x123) == 1u << 3);
  CHECK(reg::mta::reg_index(0xFFF) == 127);
  CHECK(reg::mta::bit(0xFFF) == 0x80000000u);
  CHECK(reg::vfta::reg_index(100) == 3);
  CHECK(reg::vfta::bit(100) == 1u << 4);
  CHECK(reg::vfta::reg_index(4095) == 127);
  CHECK(reg::reta::kVfEntryMask == 0x3);
}

TEST_CASE("VF pools above 31 use the second VFRE/VFTE/VMECM and MPSAR_HI", "[pf][regs]") {
  pftest::Rig r;
  r.up(40);
  pftest::Vf vf(r, 35);
  REQUIRE(r.pf.set_vf_mac(vf.id(), pftest::mac(0x35)).has_value());
  CHECK(vf.reset().ack);
  CHECK(r.rd(reg::MPSAR_LO(127 - 35)) == 0);
  CHECK(r.rd(reg::MPSAR_HI(127 - 35)) == 1u << 3);
  CHECK(((r.rd(reg::VFRE(1)) >> 3) & 1u) == 1);
  CHECK(((r.rd(reg::VFTE(1)) >> 3) & 1u) == 1);
  CHECK(((r.rd(reg::VMECM(1)) >> 3) & 1u) == 1);
  CHECK(((r.rd(reg::VFRE(0)) >> 3) & 1u) == 0);
  // PF pool 40 and those above are on, VF pools below it wait for their VF_RESET.
  CHECK(r.rd(reg::VFRE(1)) == (0xFFFFFF00u | 1u << 3));
  CHECK(r.rd(reg::VFRE(0)) == 0);
}
