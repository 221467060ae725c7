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
      rar(fn_.bar0()),
      vlans(fn_.bar0()),
      mta(fn_.bar0()),
      rss(RssConfig::defaults(1)) {
  // The hook writes into this buffer; reserving once keeps typical reasons off the heap.
  hook_reason.reserve(ReasonText::kCapacity);
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
