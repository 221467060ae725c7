#include "harness/soak/vf_regs.hpp"

#include <fmt/format.h>

#include "hal/ixgbe/regs_pf.hpp"

namespace harness::soak {
namespace reg = hal::ixgbe::pf;

VfRegs read_vf_regs(hal::RegisterIo& bar0, unsigned pool, unsigned queues_per_pool) {
  VfRegs r;
  const uint32_t spoof = bar0.read(reg::PFVFSPOOF(reg::pfvfspoof::reg_index(pool)));
  r.mac_antispoof = (spoof & reg::pfvfspoof::mac_bit(pool)) != 0;
  r.vlan_antispoof = (spoof & reg::pfvfspoof::vlan_bit(pool)) != 0;
  r.vmvir = bar0.read(reg::VMVIR(pool));
  r.vmolr = bar0.read(reg::VMOLR(pool));
  r.rx_enabled = (bar0.read(reg::VFRE(reg::pool_reg_index(pool))) & reg::pool_bit(pool)) != 0;
  r.tx_enabled = (bar0.read(reg::VFTE(reg::pool_reg_index(pool))) & reg::pool_bit(pool)) != 0;
  const uint32_t sel = bar0.read(reg::RTTDQSEL);
  for (unsigned q = 0; q < queues_per_pool; ++q) {
    bar0.write(reg::RTTDQSEL, pool * queues_per_pool + q);
    r.rttbcnrc.push_back(bar0.read(reg::RTTBCNRC));
  }
  bar0.write(reg::RTTDQSEL, sel);
  return r;
}

std::optional<std::string> check_regs(const VfIntent& want, const VfRegs& got) {
  if (got.mac_antispoof != want.spoofchk || got.vlan_antispoof != want.spoofchk) {
    return fmt::format("spoofchk {}, PFVFSPOOF has MAC anti-spoof {} and VLAN anti-spoof {}",
                       want.spoofchk ? "on" : "off", got.mac_antispoof ? "on" : "off",
                       got.vlan_antispoof ? "on" : "off");
  }
  const bool port_vlan = want.vlan != 0 || want.qos != 0;
  const uint32_t vmvir = port_vlan ? (want.vlan | uint32_t{want.qos} << reg::vmvir::kPrioShift |
                                      reg::vmvir::kVlanaDefault)
                                   : 0;
  if (got.vmvir != vmvir) {
    return fmt::format("port VLAN {} qos {}: VMVIR {:#010x}, expected {:#010x}", want.vlan, want.qos,
                       got.vmvir, vmvir);
  }
  // A port VLAN takes untagged receive away (AUPE); broadcasts are always accepted; an untrusted
  // VF is never promiscuous, unicast or multicast.
  const bool aupe = (got.vmolr & reg::vmolr::kAupe) != 0;
  if (aupe == port_vlan) {
    return fmt::format("port VLAN {} qos {}: VMOLR {:#010x} has AUPE {}", want.vlan, want.qos,
                       got.vmolr, aupe ? "set" : "clear");
  }
  if ((got.vmolr & reg::vmolr::kBam) == 0) return fmt::format("VMOLR {:#010x}: BAM clear", got.vmolr);
  if (!want.trust && (got.vmolr & (reg::vmolr::kUpe | reg::vmolr::kMpe)) != 0) {
    return fmt::format("untrusted, but VMOLR {:#010x} has UPE or MPE set", got.vmolr);
  }
  const bool link = want.link_state != pf::LinkState::kDisable;
  if (got.rx_enabled != link || got.tx_enabled != link) {
    return fmt::format("link state {}: VFRE {} VFTE {}", pf::to_string(want.link_state),
                       got.rx_enabled ? "set" : "clear", got.tx_enabled ? "set" : "clear");
  }
  uint32_t bcnrc = 0;
  if (want.max_tx_mbps != 0) {
    const uint64_t factor = (uint64_t{kSoakLinkMbps} << reg::rttbcnrc::kRfIntShift) / want.max_tx_mbps;
    bcnrc = (static_cast<uint32_t>(factor) & (reg::rttbcnrc::kRfIntMask | reg::rttbcnrc::kRfDecMask)) |
            reg::rttbcnrc::kRsEna;
  }
  for (size_t q = 0; q < got.rttbcnrc.size(); ++q) {
    if (got.rttbcnrc[q] != bcnrc) {
      return fmt::format("max TX rate {} Mb/s: queue {} of the pool has RTTBCNRC {:#010x}, "
                         "expected {:#010x}",
                         want.max_tx_mbps, q, got.rttbcnrc[q], bcnrc);
    }
  }
  if (got.rttbcnrc.empty()) return std::string("no RTTBCNRC read");
  return std::nullopt;
}

}  // namespace harness::soak
