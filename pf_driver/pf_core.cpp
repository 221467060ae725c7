#include "pf_driver/pf_core.hpp"

namespace pf {

PfCore::PfCore(hal::PciFunction& fn_, hal::Clock& clock_, hal::Waiter& waiter_, PfOptions opts_)
    : fn(fn_),
      bar0(fn_.bar0()),
      clock(clock_),
      waiter(waiter_),
      opts(opts_),
      mbx(fn_.bar0()),
      events(opts_.event_capacity),
      rar(fn_.bar0(), opts_.host_mac_entries),
      vlans(fn_.bar0()),
      mta(fn_.bar0()),
      rss(RssConfig::defaults(1)) {
  // The hook writes into this buffer; reserving once keeps typical reasons off the heap.
  hook_reason.reserve(ReasonText::kCapacity);
  // PfCore is never moved (PfDriver holds it by unique_ptr): `this` stays valid.
  rar.set_lift_listener([this](hal::VfId vf, bool lifted) { report_lift(vf, lifted); });
}

void PfCore::report_lift(hal::VfId vf, bool lifted) {
  const UnchargedScope admin_setting(this->vf(vf).guard);
  if (!lifted) {
    log(vf, EventCode::kMacAntispoofRestored,
        "VF {} MAC anti-spoof no longer lifted: no entry of it delivers to the host, the "
        "spoofchk setting applies again",
        vf.value());
    return;
  }
  const hal::MacAddr mac = rar.host_mac_of(vf).value_or(hal::MacAddr{});
  log(vf, EventCode::kMacAntispoofLifted,
      "VF {} MAC anti-spoof lifted: its entry for host MAC {} delivers to the default pool {}; "
      "until that ends it may send from any source MAC",
      vf.value(), MacFmt{mac}, pf_pool());
}

std::optional<MacUser> PfCore::mac_user_other_than(const hal::MacAddr& mac,
                                                   hal::VfId vf) const {
  if (auto owner = rar.other_owner(mac, vf)) return MacUser{.owner = *owner};
  for (unsigned v = 0; v < num_vfs; ++v) {
    const VfState& s = vfs[v];
    if (v != vf.value() && s.admin_mac && s.mac == mac) {
      return MacUser{.owner = static_cast<int>(v), .reserved = true};
    }
  }
  return std::nullopt;
}

}  // namespace pf
