// The administrator's per-VF settings (Linux ixgbe_ndo_set_vf_*; spec 7). Cold path: these
// may allocate (refusal text) but never wait.
#include "hal/ixgbe/regs_pf.hpp"
#include "pf_driver/mailbox_guard.hpp"
#include "pf_driver/outbox.hpp"
#include "pf_driver/pf_core.hpp"
#include "pf_driver/pf_driver.hpp"
#include "pf_driver/vf_hw.hpp"

namespace pf {
namespace reg = hal::ixgbe::pf;

namespace {
constexpr uint8_t kMaxQos = 7;
constexpr uint32_t kMinRateMbps = 10;  // Linux refuses limits of 10 Mb/s and below

/// Moves `pool` from its port VLAN `from` (0: none) to VLVF membership of `to`, all or nothing:
/// false, with every entry as it was, when the table has no room. The new membership is added
/// before the old one goes, so a refusal never leaves the pool in neither (deaf to its port
/// VLAN while VMVIR still tags with it). Only when the table is full is the old membership
/// dropped first, since that may free the entry `to` needs; should even that not do, it is
/// added back, which cannot fail: the entry it had is still there, or is the one just freed.
bool swap_pool_vlan(PfCore& c, unsigned pool, uint16_t from, uint16_t to) {
  const bool drop_old = from != 0 && from != to;
  if (c.vlans.add(to, pool)) {
    if (drop_old) c.vlans.remove(from, pool);
    return true;
  }
  if (!drop_old) return false;
  c.vlans.remove(from, pool);
  if (c.vlans.add(to, pool)) return true;
  (void)c.vlans.add(from, pool);
  return false;
}
}  // namespace

std::expected<void, Refusal> PfDriver::admin_refusal(hal::VfId vf, ErrorCode code,
                                                     std::string reason) {
  c_->log(vf, EventCode::kAdminRefused, "VF {}: {}", vf.value(), std::string_view(reason));
  return std::unexpected(Refusal{code, std::move(reason)});
}

std::expected<void, Refusal> PfDriver::check_vf(hal::VfId vf, std::string_view what) {
  if (!c_->initialized) {
    return admin_refusal(vf, ErrorCode::kNotInitialized, fmt::format("{}: PF not initialized", what));
  }
  if (vf.value() >= c_->num_vfs) {
    return admin_refusal(vf, ErrorCode::kNoSuchVf,
                         fmt::format("{}: no VF {} ({} enabled)", what, vf.value(), c_->num_vfs));
  }
  return {};
}

std::expected<void, Refusal> PfDriver::set_vf_mac(hal::VfId vf, hal::MacAddr mac) {
  if (auto r = check_vf(vf, "set MAC"); !r) return r;
  PfCore& c = *c_;
  if (!mac.is_zero() && !mac.is_valid_unicast()) {
    return admin_refusal(vf, ErrorCode::kInvalidArgument,
                         fmt::format("set MAC: {} is not a unicast address", MacFmt{mac}));
  }
  if (!mac.is_zero() && c.mac_in_use_by_other(mac, vf)) {
    return admin_refusal(vf, ErrorCode::kBusy,
                         fmt::format("set MAC: {} is in use by another function", MacFmt{mac}));
  }
  VfState& s = c.vf(vf);
  s.mac = mac;
  s.admin_mac = !mac.is_zero();
  s.admin_set_mac = mac;
  c.rar.set_primary(vf, mac);
  if (mac.is_zero()) {
    c.log(vf, EventCode::kAdminMac, "VF {} admin MAC cleared: the VF picks its own", vf.value());
  } else if (c.rar.is_host(mac)) {
    c.log(vf, EventCode::kAdminMac,
          "VF {} MAC set to {} (the VF sees it at its next reset), paired: a host MAC, its "
          "frames go to the default pool {} until remove_host_mac",
          vf.value(), MacFmt{mac}, c.pf_pool());
  } else {
    c.log(vf, EventCode::kAdminMac, "VF {} MAC set to {} (the VF sees it at its next reset)",
          vf.value(), MacFmt{mac});
  }
  return {};
}

std::expected<void, Refusal> PfDriver::set_vf_vlan(hal::VfId vf, uint16_t vid, uint8_t qos) {
  if (auto r = check_vf(vf, "set VLAN"); !r) return r;
  PfCore& c = *c_;
  if (vid > VlanTable::kMaxVid || qos > kMaxQos) {
    return admin_refusal(vf, ErrorCode::kInvalidArgument,
                         fmt::format("set VLAN: vid {} qos {} (vid <= 4095, qos <= 7)", vid, qos));
  }
  VfState& s = c.vf(vf);
  const unsigned pool = vf.value();
  const bool enable = vid != 0 || qos != 0;
  const uint16_t want = enable ? vid : 0;
  if (!swap_pool_vlan(c, pool, s.vlan, want)) {
    return admin_refusal(vf, ErrorCode::kNoSpace,
                         enable ? fmt::format("set VLAN {}: VLVF table full", vid)
                                : std::string("clear VLAN: VLVF table full"));
  }
  if (enable) {
    // A port VLAN revokes untagged access through VLAN 0 (Linux ixgbe_enable_port_vlan).
    if (vid != 0) c.vlans.remove(0, pool);
    c.bar0.clear_bits(reg::VMOLR(pool), reg::vmolr::kAupe);
  } else {
    c.bar0.set_bits(reg::VMOLR(pool), reg::vmolr::kAupe);
  }
  s.vlan = vid;
  s.qos = qos;
  write_vmvir(c, vf);
  if (enable) {
    c.log(vf, EventCode::kAdminVlan, "VF {} port VLAN {} qos {}", vf.value(), vid, qos);
  } else {
    c.log(vf, EventCode::kAdminVlan, "VF {} port VLAN cleared", vf.value());
  }
  return {};
}

std::expected<void, Refusal> PfDriver::set_vf_spoofchk(hal::VfId vf, bool on) {
  if (auto r = check_vf(vf, "set spoofchk"); !r) return r;
  c_->vf(vf).spoofchk = on;
  write_spoofchk(*c_, vf, on);
  c_->log(vf, EventCode::kAdminSpoofchk, "VF {} spoof checking {}", vf.value(), on ? "on" : "off");
  return {};
}

std::expected<void, Refusal> PfDriver::set_vf_trust(hal::VfId vf, bool on) {
  if (auto r = check_vf(vf, "set trust"); !r) return r;
  PfCore& c = *c_;
  VfState& s = c.vf(vf);
  if (s.trusted == on) return {};
  s.trusted = on;
  // What the VF was granted depends on trust: make it reset and ask again (Linux).
  s.clear_to_send = false;
  ping_vf(c, vf);
  c.log(vf, EventCode::kAdminTrust, "VF {} {}; VF forced to reset", vf.value(),
        on ? "trusted" : "untrusted");
  return {};
}

std::expected<void, Refusal> PfDriver::set_vf_link_state(hal::VfId vf, LinkState state) {
  if (auto r = check_vf(vf, "set link state"); !r) return r;
  PfCore& c = *c_;
  VfState& s = c.vf(vf);
  s.link_state = state;
  // auto or enable also lets a VF the flood guard disabled back in; disable leaves the
  // guard's flag alone (the link is off either way, and stays off until auto or enable).
  mailbox_guard_on_admin_link_state(c, vf, state);
  // auto follows the PF, which is up whenever the driver serves VFs.
  s.link_enable = link_allowed(s);
  write_rx_tx_enable(c, vf);
  s.clear_to_send = false;
  ping_vf(c, vf);
  c.log(vf, EventCode::kAdminLinkState, "VF {} link state {} ({}); VF forced to reset",
        vf.value(), to_string(state), s.link_enable ? "enabled" : "disabled");
  return {};
}

std::expected<void, Refusal> PfDriver::set_vf_rate(hal::VfId vf, uint32_t max_tx_mbps) {
  if (auto r = check_vf(vf, "set rate"); !r) return r;
  PfCore& c = *c_;
  const LinkInfo link = read_link(c.bar0);
  if (!link.up || link.mbps != 10000) {
    return admin_refusal(vf, ErrorCode::kLinkDown, "set rate: needs the link up at 10 Gb/s");
  }
  if (max_tx_mbps != 0 && (max_tx_mbps <= kMinRateMbps || max_tx_mbps > link.mbps)) {
    return admin_refusal(vf, ErrorCode::kInvalidArgument,
                         fmt::format("set rate: {} Mb/s outside 11..{}", max_tx_mbps, link.mbps));
  }
  c.rate_link_mbps = link.mbps;
  c.vf(vf).max_tx_mbps = max_tx_mbps;
  write_rate_limit(c, vf);
  c.log(vf, EventCode::kAdminRate, "VF {} max TX rate {} Mb/s{}", vf.value(), max_tx_mbps,
        max_tx_mbps == 0 ? " (unlimited)" : "");
  return {};
}

std::expected<void, Refusal> PfDriver::set_vf_rss_query(hal::VfId vf, bool on) {
  if (auto r = check_vf(vf, "set RSS query"); !r) return r;
  c_->vf(vf).rss_query = on;
  c_->log(vf, EventCode::kAdminRssQuery, "VF {} RSS query {}", vf.value(), on ? "on" : "off");
  return {};
}

}  // namespace pf
