#include "pf_driver/vt_mode.hpp"

#include "hal/ixgbe/regs_pf.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;

namespace {
constexpr uint32_t kRssFields = reg::mrqc::kRssFieldIpv4 | reg::mrqc::kRssFieldIpv4Tcp |
                                reg::mrqc::kRssFieldIpv6 | reg::mrqc::kRssFieldIpv6Tcp;

// MTQC may change only while the TX descriptor arbiter is off (datasheet 8.2.3.9.15, spec 2).
void write_mtqc(hal::RegisterIo& bar0, uint32_t mtqc) {
  bar0.set_bits(reg::RTTDCS, reg::rttdcs::kArbDis);
  bar0.write(reg::MTQC, mtqc);
  bar0.clear_bits(reg::RTTDCS, reg::rttdcs::kArbDis);
}

// Pools first_pool..63 on, everything below off: the PF owns its pool and the unused ones
// above it (as Linux and DPDK do); VF pools are enabled one by one at VF reset.
void enable_pools_from(hal::RegisterIo& bar0, unsigned first_pool) {
  for (unsigned i = 0; i < reg::kNumPools / reg::kPoolsPerReg; ++i) {
    const uint32_t bits = reg::pool_bits_from(first_pool, i);
    bar0.write(reg::VFRE(i), bits);
    bar0.write(reg::VFTE(i), bits);
  }
}
}  // namespace

VtLayout choose_vt_layout(unsigned num_vfs) {
  if (num_vfs == 0) return {};
  if (num_vfs + 1 > 32) return {.pools = 64, .queues_per_pool = 2};
  return {.pools = 32, .queues_per_pool = 4};
}

void program_vt(hal::RegisterIo& bar0, VtLayout layout, unsigned num_vfs) {
  const bool p64 = layout.pools == 64;
  // GCR_EXT.VT_MODE and GPIE.VTMODE select the same thing for PCIe and for interrupts; they
  // must agree (spec 2, D-PF). Other GCR_EXT/GPIE bits are kept.
  const uint32_t gcr = bar0.read(reg::GCR_EXT) & ~reg::gcr_ext::kVtModeMask;
  bar0.write(reg::GCR_EXT, gcr | (p64 ? reg::gcr_ext::kVtMode64 : reg::gcr_ext::kVtMode32));
  const uint32_t gpie = bar0.read(reg::GPIE) & ~reg::gpie::kVtModeMask;
  bar0.write(reg::GPIE, gpie | (p64 ? reg::gpie::kVtMode64 : reg::gpie::kVtMode32));

  write_mtqc(bar0, reg::mtqc::kVtEna | (p64 ? reg::mtqc::k64Pools2Q : reg::mtqc::k32Pools4Q));
  // VMDq with RSS inside each pool, as Linux programs it: the VFs share the PF's RETA/key.
  bar0.write(reg::MRQC, (p64 ? reg::mrqc::kVmdq64Rss : reg::mrqc::kVmdq32Rss) | kRssFields);
  // RXCSUM.PCSD: the RX descriptor's dword 1 carries the RSS hash instead of the IP id and
  // fragment checksum, as Linux sets it whenever RSS is on; drivers report the hash in mbufs.
  bar0.write(reg::RXCSUM, bar0.read(reg::RXCSUM) | reg::rxcsum::kPcsd);

  // Default pool = the PF's pool, right after the VF pools (spec 6); replicate broadcast and
  // multicast to every pool that accepts them.
  bar0.write(reg::VT_CTL, reg::vt_ctl::kVtEnable | reg::vt_ctl::kReplEn |
                              ((num_vfs << reg::vt_ctl::kDefPlShift) & reg::vt_ctl::kDefPlMask));
  enable_pools_from(bar0, num_vfs);
  // VEB: VM-to-VM traffic is switched inside the NIC (Linux's default bridge mode).
  bar0.write(reg::PFDTXGSWC, reg::pfdtxgswc::kVtLben);
  // Tagged frames are filtered through VFTA/VLVF from now on (port VLANs, VF SET_VLAN).
  bar0.set_bits(reg::VLNCTRL, reg::vlnctrl::kVfe);
  // Every VF may interrupt the PF through the mailbox. The bit layout of these registers is
  // not confirmed (spec "could not confirm"): all-ones enables every VF under either reading.
  for (unsigned i = 0; i < 4; ++i) bar0.write(reg::MBVFIMR(i), ~0u);
}

void clear_vt(hal::RegisterIo& bar0) {
  for (unsigned i = 0; i < 4; ++i) bar0.write(reg::MBVFIMR(i), 0);
  bar0.write(reg::PFDTXGSWC, 0);
  bar0.write(reg::VT_CTL, 0);
  for (unsigned i = 0; i < reg::kNumPools / reg::kPoolsPerReg; ++i) {
    bar0.write(reg::VFRE(i), 0);
    bar0.write(reg::VFTE(i), 0);
  }
  bar0.write(reg::MRQC, 0);
  write_mtqc(bar0, 0);
  bar0.clear_bits(reg::GPIE, reg::gpie::kVtModeMask);
  bar0.clear_bits(reg::GCR_EXT, reg::gcr_ext::kVtModeMask);
  bar0.clear_bits(reg::VLNCTRL, reg::vlnctrl::kVfe);
}

}  // namespace pf
