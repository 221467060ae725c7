// VF BAR0 register handlers of the simulated 82599. A VF's queue registers are the PF's
// absolute queue registers seen through the VF's window (spec 6, queue mapping).
#include "hal/sim/device_model.hpp"

namespace sim {

namespace pfr = hal::ixgbe::pf;
namespace vfr = hal::ixgbe::vf;

namespace {
constexpr uint32_t kMbMemBase = vfr::VFMBMEM(0).offset;
constexpr uint32_t kMbMemEnd = vfr::VFMBMEM(vfr::kMbxWords).offset;
constexpr uint32_t kIvarBase = vfr::VFIVAR(0).offset;
constexpr uint32_t kIvarEnd = vfr::VFIVAR(4).offset;
constexpr uint32_t kEitrBase = vfr::VFEITR(0).offset;
constexpr uint32_t kEitrEnd = vfr::VFEITR(vfr::kNumVectors).offset;

/// The VF statistics registers, or nullptr for any other offset.
uint32_t* stat_register(VfHw& h, uint32_t off) {
  switch (off) {
    case vfr::VFGPRC.offset: return &h.gprc;
    case vfr::VFGORC_LSB.offset: return &h.gorc_lsb;
    case vfr::VFGORC_MSB.offset: return &h.gorc_msb;
    case vfr::VFMPRC.offset: return &h.mprc;
    case vfr::VFGPTC.offset: return &h.gptc;
    case vfr::VFGOTC_LSB.offset: return &h.gotc_lsb;
    case vfr::VFGOTC_MSB.offset: return &h.gotc_msb;
    default: return nullptr;
  }
}
}  // namespace

uint32_t DeviceModel::vf_read_locked(unsigned vf, uint32_t off) {
  VfHw& h = vfs_[vf];
  if (off >= kMbMemBase && off < kMbMemEnd) return h.mbmem[(off - kMbMemBase) / 4];
  if (off >= kIvarBase && off < kIvarEnd) return h.ivar[(off - kIvarBase) / 4];
  if (off >= kEitrBase && off < kEitrEnd) return h.eitr[(off - kEitrBase) / 4];
  if (const uint32_t* s = stat_register(h, off)) return *s;
  if (const uint32_t pf_off = vf_queue_alias(vf, off)) return load_reg(pf_off);
  switch (off) {
    case vfr::VFCTRL.offset: return 0;  // RST self-clears
    case vfr::VFSTATUS.offset: return 0;
    case vfr::VFLINKS.offset:
      update_link();
      return link_up_ ? (vfr::vflinks::kUp | vfr::vflinks::kSpeed10G) : 0;
    case vfr::VFEICR.offset: {
      const uint32_t v = h.eicr;
      h.eicr = 0;  // read-to-clear
      return v;
    }
    case vfr::VFEICS.offset: return h.eicr;
    case vfr::VFEIMS.offset:
    case vfr::VFEIMC.offset: return h.eims;
    case vfr::VFEIAC.offset: return h.eiac;
    case vfr::VFEIAM.offset: return h.eiam;
    case vfr::VFIVAR_MISC.offset: return h.ivar_misc;
    case vfr::VFPSRTYPE.offset: return h.psrtype;
    case vfr::VFMAILBOX.offset: return read_vfmailbox(vf);
    default: return 0;  // unimplemented VF registers read as zero
  }
}

void DeviceModel::vf_write_locked(unsigned vf, uint32_t off, uint32_t v) {
  VfHw& h = vfs_[vf];
  constexpr uint32_t kValid = vfr::vfeicr::kValidMask;
  if (off >= kMbMemBase && off < kMbMemEnd) {
    h.mbmem[(off - kMbMemBase) / 4] = v;
    return;
  }
  if (off >= kIvarBase && off < kIvarEnd) {
    h.ivar[(off - kIvarBase) / 4] = v;
    return;
  }
  if (off >= kEitrBase && off < kEitrEnd) {
    h.eitr[(off - kEitrBase) / 4] = v;
    return;
  }
  if (stat_register(h, off)) return;  // statistics are read-only
  if (const uint32_t pf_off = vf_queue_alias(vf, off)) {
    store_reg(pf_off, v);
    note_queue_write(pf_off);
    return;
  }
  switch (off) {
    case vfr::VFCTRL.offset:
      if (v & vfr::vfctrl::kRst) vf_software_reset(vf);
      return;
    case vfr::VFEICR.offset: h.eicr &= ~v; return;  // write 1 to clear
    case vfr::VFEICS.offset:
      for (unsigned vec = 0; vec < vfr::kNumVectors; ++vec) {
        if (v & (1u << vec)) {
          h.eicr |= 1u << vec;
          if (h.eims & (1u << vec)) fire_vf_vector(vf, vec);
        }
      }
      return;
    case vfr::VFEIMS.offset: write_vf_eims(vf, v & kValid); return;
    case vfr::VFEIMC.offset: h.eims &= ~v; return;
    case vfr::VFEIAC.offset: h.eiac = v & kValid; return;
    case vfr::VFEIAM.offset: h.eiam = v & kValid; return;
    case vfr::VFIVAR_MISC.offset: h.ivar_misc = v & 0xFF; return;
    case vfr::VFPSRTYPE.offset:
      h.psrtype = v;
      eng_.rss_stale = true;  // the pool's PSRTYPE.RQPL limits its RSS queues
      return;
    case vfr::VFMAILBOX.offset: write_vfmailbox(vf, v); return;
    default: return;  // read-only or unimplemented: dropped
  }
}

}  // namespace sim
