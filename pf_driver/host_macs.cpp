// The host's software switch takes delivery of chosen unicast MACs on the default pool (the
// failover pairing of a guest's synthetic NIC with its VF). The RAR table keeps the register
// rules (rar_table.hpp); this is the administrator's side: checks, refusals and events.
#include "pf_driver/pf_core.hpp"
#include "pf_driver/pf_driver.hpp"

namespace pf {

namespace {
std::expected<void, Refusal> host_mac_refusal(PfCore& c, std::string_view what,
                                              const hal::MacAddr& mac, ErrorCode code,
                                              std::string reason) {
  c.log(std::nullopt, EventCode::kAdminRefused, "{} host MAC {}: {}", what, MacFmt{mac},
        std::string_view(reason));
  return std::unexpected(Refusal{code, std::move(reason)});
}
}  // namespace

std::expected<void, Refusal> PfDriver::add_host_mac(hal::MacAddr mac) {
  PfCore& c = *c_;
  if (!c.initialized) {
    return host_mac_refusal(c, "add", mac, ErrorCode::kNotInitialized, "PF not initialized");
  }
  if (!mac.is_valid_unicast()) {
    return host_mac_refusal(c, "add", mac, ErrorCode::kInvalidArgument,
                            fmt::format("{} is not a unicast address", MacFmt{mac}));
  }
  if (mac == c.pf_mac) {
    return host_mac_refusal(c, "add", mac, ErrorCode::kInvalidArgument,
                            "it is the PF's own MAC (RAR 0 delivers it to the host already)");
  }
  if (c.rar.is_host(mac)) return {};  // nothing changes, nothing to record
  // Only the administrator pairs a VF with a host MAC (VfState::pairs_with): a MAC a VF chose
  // itself may be a victim's it copied off the wire, and taking it over would hand that VF
  // the victim's frames once they go back to "the VF".
  const std::optional<hal::VfId> holder = c.rar.holder(mac);
  if (holder && !c.vf(*holder).pairs_with(mac)) {
    return host_mac_refusal(
        c, "add", mac, ErrorCode::kBusy,
        fmt::format("VF {} uses {} as its own MAC; set_vf_mac first", holder->value(),
                    MacFmt{mac}));
  }
  const auto spare = c.rar.add_host(mac, c.num_vfs);
  if (!spare) {
    return host_mac_refusal(
        c, "add", mac, ErrorCode::kNoSpace,
        fmt::format("no spare RAR entry left in 1..{} ({} kept for host MACs, all taken; "
                    "macvlans and host MACs share the rest)",
                    RarTable::last_spare(c.num_vfs), c.rar.host_entries()));
  }
  if (holder) {
    c.log(holder, EventCode::kHostMacAdd,
          "host MAC {} delivered to the default pool {}: taken from VF {}'s entry (its admin "
          "MAC), MAC anti-spoof lifted for VF {}; spare RAR {} reserved",
          MacFmt{mac}, c.pf_pool(), holder->value(), holder->value(), *spare);
  } else {
    c.log(std::nullopt, EventCode::kHostMacAdd,
          "host MAC {} delivered to the default pool {} by spare RAR {}", MacFmt{mac},
          c.pf_pool(), *spare);
  }
  return {};
}

std::expected<void, Refusal> PfDriver::remove_host_mac(hal::MacAddr mac) {
  PfCore& c = *c_;
  if (!c.initialized) {
    return host_mac_refusal(c, "remove", mac, ErrorCode::kNotInitialized, "PF not initialized");
  }
  const std::optional<hal::VfId> vf = c.rar.host_holder(mac);
  if (!c.rar.remove_host(mac)) {
    return host_mac_refusal(c, "remove", mac, ErrorCode::kInvalidArgument,
                            fmt::format("{} is not a host MAC", MacFmt{mac}));
  }
  if (vf) {
    c.log(vf, EventCode::kHostMacDel, "host MAC {} given back to VF {}", MacFmt{mac},
          vf->value());
  } else {
    c.log(std::nullopt, EventCode::kHostMacDel, "host MAC {} removed: no VF holds it",
          MacFmt{mac});
  }
  return {};
}

std::vector<hal::MacAddr> PfDriver::host_macs() const { return c_->rar.hosts(); }

}  // namespace pf
