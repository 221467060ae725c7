// Read-only detail for a control daemon: what `sriovctl` shows beyond vf_info().
#include "pf_driver/pf_core.hpp"
#include "pf_driver/pf_driver.hpp"

namespace pf {

bool PfDriver::link_up() const { return c_->initialized && c_->link.up; }

uint32_t PfDriver::link_mbps() const { return c_->initialized ? c_->link.mbps : 0; }

hal::MacAddr PfDriver::mac() const { return c_->pf_mac; }

uint32_t PfDriver::mtu() const { return c_->opts.mtu; }

std::vector<uint16_t> PfDriver::vf_vlans(hal::VfId vf) const {
  std::vector<uint16_t> out;
  if (vf.value() >= c_->num_vfs) return out;
  // 4096 lookups on a cold path: cheaper to read than a second index kept in step.
  for (unsigned vid = 0; vid <= VlanTable::kMaxVid; ++vid) {
    if (c_->vlans.has(static_cast<uint16_t>(vid), vf.value()))
      out.push_back(static_cast<uint16_t>(vid));
  }
  return out;
}

bool PfDriver::mac_in_use_by_other(hal::MacAddr mac, hal::VfId vf) const {
  return c_->mac_in_use_by_other(mac, vf);
}

}  // namespace pf
