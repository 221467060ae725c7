#include "pf_driver/vf_hw.hpp"

#include "hal/ixgbe/queue_regs.hpp"
#include "mailbox/codec.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;

namespace {
constexpr uint32_t kXcastBits =
    reg::vmolr::kBam | reg::vmolr::kRompe | reg::vmolr::kMpe | reg::vmolr::kUpe | reg::vmolr::kVpe;

/// Sets or clears `pool`'s bit in the pool-bitmap register pair `r` (VFRE, VFTE).
void write_pool_bit(hal::RegisterIo& bar0, hal::Reg32 (*r)(unsigned), unsigned pool, bool on) {
  const hal::Reg32 at = r(reg::pool_reg_index(pool));
  const uint32_t bit = reg::pool_bit(pool);
  const uint32_t cur = bar0.read(at);
  const uint32_t want = on ? (cur | bit) : (cur & ~bit);
  if (want != cur) bar0.write(at, want);
}
}  // namespace

void write_spoofchk(PfCore& c, hal::VfId vf, bool on) {
  const unsigned p = vf.value();
  const hal::Reg32 r = reg::PFVFSPOOF(reg::pfvfspoof::reg_index(p));
  if (on) c.bar0.set_bits(r, reg::pfvfspoof::vlan_bit(p));
  else c.bar0.clear_bits(r, reg::pfvfspoof::vlan_bit(p));
  // The MAC bit through the RAR table: it stays clear while the VF's MAC is delivered to the
  // host (rar_table.hpp), since the check reads the pool maps the table moved.
  c.rar.set_mac_antispoof(vf, on);
}

void write_vmolr_default(PfCore& c, hal::VfId vf) {
  uint32_t v = reg::vmolr::kBam;
  if (!c.vf(vf).port_vlan()) v |= reg::vmolr::kAupe;
  c.bar0.write(reg::VMOLR(vf.value()), v);
}

void write_vmolr_xcast(PfCore& c, hal::VfId vf, mbx::XcastMode mode) {
  uint32_t enable = reg::vmolr::kBam;
  switch (mode) {
    case mbx::XcastMode::kNone: break;
    case mbx::XcastMode::kMulti: enable |= reg::vmolr::kRompe; break;
    case mbx::XcastMode::kAllMulti: enable |= reg::vmolr::kRompe | reg::vmolr::kMpe; break;
    case mbx::XcastMode::kPromisc:
      enable |= reg::vmolr::kRompe | reg::vmolr::kMpe | reg::vmolr::kUpe;
      break;
  }
  const uint32_t cur = c.bar0.read(reg::VMOLR(vf.value()));
  c.bar0.write(reg::VMOLR(vf.value()), (cur & ~kXcastBits) | enable);
}

void write_vmvir(PfCore& c, hal::VfId vf) {
  const VfState& s = c.vf(vf);
  uint32_t v = 0;
  if (s.port_vlan()) {
    v = (s.vlan & reg::vmvir::kVidMask) | (uint32_t{s.qos} << reg::vmvir::kPrioShift) |
        reg::vmvir::kVlanaDefault;
  }
  c.bar0.write(reg::VMVIR(vf.value()), v);
}

void write_qde(PfCore& c, hal::VfId vf) {
  uint32_t bits = reg::qde::kEnable | reg::qde::kWrite;
  if (c.vf(vf).port_vlan()) bits |= reg::qde::kHideVlan;
  for (unsigned q = 0; q < c.layout.queues_per_pool; ++q) {
    const unsigned abs = c.layout.queue(vf.value(), q);
    // QDE is one indirect register: each write must land before the next names a new queue.
    c.bar0.flush();
    c.bar0.write(reg::QDE, bits | ((abs << reg::qde::kIdxShift) & reg::qde::kIdxMask));
  }
}

void write_rx_tx_enable(PfCore& c, hal::VfId vf) {
  const VfState& s = c.vf(vf);
  const unsigned p = vf.value();
  write_pool_bit(c.bar0, reg::VFTE, p, s.link_enable);
  write_pool_bit(c.bar0, reg::VFRE, p, s.link_enable && !c.pf_jumbo());
}

void write_rx_enable(PfCore& c, hal::VfId vf, bool on) {
  const unsigned p = vf.value();
  write_pool_bit(c.bar0, reg::VFRE, p, on && c.vf(vf).link_enable);
}

void write_rate_limit(PfCore& c, hal::VfId vf) {
  const VfState& s = c.vf(vf);
  uint32_t bcnrc = 0;
  if (s.max_tx_mbps != 0 && c.rate_link_mbps != 0) {
    // Rate factor = link / rate with 14 fractional bits: RF_INT above RF_DEC.
    const uint64_t factor = (uint64_t{c.rate_link_mbps} << reg::rttbcnrc::kRfIntShift) /
                            s.max_tx_mbps;
    bcnrc = (static_cast<uint32_t>(factor) & (reg::rttbcnrc::kRfIntMask | reg::rttbcnrc::kRfDecMask)) |
            reg::rttbcnrc::kRsEna;
  }
  c.bar0.write(reg::RTTBCNRM, reg::rttbcnrm::kMmwSize82599);
  for (unsigned q = 0; q < c.layout.queues_per_pool; ++q) {
    c.bar0.write(reg::RTTDQSEL, c.layout.queue(vf.value(), q));
    c.bar0.write(reg::RTTBCNRC, bcnrc);
  }
}

void enable_spoof_counting(PfCore& c, hal::VfId vf) {
  c.bar0.set_bits(reg::VMECM(reg::pool_reg_index(vf.value())), reg::pool_bit(vf.value()));
}

void clear_tx_head_writeback(PfCore& c, hal::VfId vf) {
  for (unsigned q = 0; q < c.layout.queues_per_pool; ++q) {
    const unsigned abs = c.layout.queue(vf.value(), q);
    c.bar0.write(reg::TDWBAH(abs), 0);
    c.bar0.write(reg::TDWBAL(abs), 0);
  }
}

void restart_tx_queues(PfCore& c, hal::VfId vf) {
  for (unsigned q = 0; q < c.layout.queues_per_pool; ++q) {
    const hal::Reg32 r = reg::TXDCTL(c.layout.queue(vf.value(), q));
    const uint32_t v = c.bar0.read(r);
    if (v == 0 || v == hal::kDeviceGone) continue;  // never configured: nothing to restart
    c.bar0.write(r, v | hal::ixgbe::txdctl::kEnable);
    c.bar0.write(r, v & ~hal::ixgbe::txdctl::kEnable);
  }
  c.bar0.flush();
}

void add_default_vlan(PfCore& c, hal::VfId vf) {
  const uint16_t vid = c.vf(vf).vlan;  // 0 when only QoS or nothing is set: untagged access
  if (auto r = c.vlans.add(vid, vf.value()); !r) {
    c.log(vf, EventCode::kRequestRefused, "VLVF table full: VF {} lost VLAN {} on reset",
          vf.value(), vid);
  }
}

}  // namespace pf
