#pragma once
// The PF driver's state and the hardware it drives, shared by the pieces of the driver
// (bring-up, VT mode, VF reset, message handlers, admin calls). Internal to pf_driver/.
//
// Thread safety: none; PfDriver's owner serialises every call.

#include <array>
#include <optional>
#include <string>

#include "hal/clock.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/pci_function.hpp"
#include "mailbox/pf_mailbox.hpp"
#include "pf_driver/event_log.hpp"
#include "pf_driver/hw_init.hpp"
#include "pf_driver/mta_table.hpp"
#include "pf_driver/options.hpp"
#include "pf_driver/rar_table.hpp"
#include "pf_driver/rss_config.hpp"
#include "pf_driver/vf_state.hpp"
#include "pf_driver/vlan_table.hpp"
#include "pf_driver/vt_mode.hpp"

namespace pf {

/// Ethernet sizes the MTU rules use (Linux ETH_HLEN, ETH_FCS_LEN, ETH_FRAME_LEN...).
inline constexpr uint32_t kEthHeader = 14;
inline constexpr uint32_t kEthFcs = 4;
inline constexpr uint32_t kEthFrameLen = 1514;          // header + 1500 bytes of payload
inline constexpr uint32_t kEthMinMtu = 68;
inline constexpr uint32_t kMaxJumboFrame = 9728;        // IXGBE_MAX_JUMBO_FRAME_SIZE
inline constexpr uint32_t kMaxMtu = kMaxJumboFrame - kEthHeader - kEthFcs;

/// A function that uses a unicast MAC (see PfCore::mac_user_other_than).
struct MacUser {
  int owner = -1;         ///< a VF index, or -1 for the PF
  bool reserved = false;  ///< in no filter right now: the administrator set it for that VF
};

struct PfCore {
  PfCore(hal::PciFunction& fn_, hal::Clock& clock_, hal::Waiter& waiter_, PfOptions opts_);

  hal::PciFunction& fn;
  hal::RegisterIo& bar0;
  hal::Clock& clock;
  hal::Waiter& waiter;
  PfOptions opts;
  hal::MacAddr pf_mac;

  mbx::PfMailbox mbx;
  EventLog events;
  RarTable rar;
  VlanTable vlans;
  MtaTable mta;
  RssConfig rss;

  bool initialized = false;
  unsigned num_vfs = 0;
  VtLayout layout;
  LinkInfo link;
  uint32_t rate_link_mbps = 0;  ///< link speed the VF rate limits were computed for
  hal::Nanos next_spoof_check{};  ///< when service_pass() next reads SSVPC (spoof_watch.hpp)
  std::array<VfState, hal::ixgbe::pf::kMaxVfs> vfs{};

  PolicyHook hook;
  std::string hook_reason;  ///< reused by the hook so the message path does not allocate

  VfState& vf(hal::VfId v) { return vfs[v.value()]; }
  const VfState& vf(hal::VfId v) const { return vfs[v.value()]; }
  unsigned pf_pool() const { return num_vfs; }
  /// The PF's own frame size with header (Linux pf_max_frame = mtu + ETH_HLEN).
  uint32_t pf_max_frame() const { return opts.mtu + kEthHeader; }
  bool pf_jumbo() const { return pf_max_frame() > kEthFrameLen; }

  /// The function other than `vf` that uses `mac`: one with a valid RAR entry for it (the PF,
  /// a VF's primary MAC or macvlan), else a VF whose administrator-set MAC it is. An admin MAC
  /// stays reserved for its VF while the VF's filter is down (between an FLR and its
  /// VF_RESET, or during a PF reset), so nobody can take it meanwhile.
  std::optional<MacUser> mac_user_other_than(const hal::MacAddr& mac, hal::VfId vf) const;
  /// Whether a function other than `vf` uses `mac` (mac_user_other_than): no two functions
  /// may receive on one unicast MAC.
  bool mac_in_use_by_other(const hal::MacAddr& mac, hal::VfId vf) const {
    return mac_user_other_than(mac, vf).has_value();
  }

  /// RarTable's lift listener: records kMacAntispoofLifted / kMacAntispoofRestored for `vf`,
  /// never left out for the VF's event budget (they report on the administrator's pairing).
  void report_lift(hal::VfId vf, bool lifted);

  /// Records an event stamped with the driver's clock.
  template <typename... Args>
  const Event& log(std::optional<hal::VfId> v, EventCode code, fmt::format_string<Args...> f,
                   Args&&... args) {
    return events.record(clock.now(), v, code, f, std::forward<Args>(args)...);
  }
};

}  // namespace pf

template <>
struct fmt::formatter<pf::MacUser> {
  constexpr auto parse(format_parse_context& ctx) { return ctx.begin(); }
  auto format(const pf::MacUser& u, format_context& ctx) const {
    if (u.owner < 0) return fmt::format_to(ctx.out(), "the PF");
    return fmt::format_to(ctx.out(), "VF {}{}", u.owner,
                          u.reserved ? " (its administrator-set MAC)" : "");
  }
};
