#pragma once
// All-or-nothing `link set` against a kernel PF, which is not: the kernel applies an
// RTM_SETLINK's VF settings in order (VFs in the order sent; within one VF: MAC, VLAN, rate,
// spoofchk, link state, RSS query, trust) and stops at the first refusal, leaving what came
// before applied. sriovctl reads the PF before sending and again after a refusal; what differs
// is what the refused request changed, and a second RTM_SETLINK puts it back.
//
// The gap: a setting the PF does not report back (a driver that sends spoofchk, trust or
// query_rss as "unknown", or a VF missing from its report) cannot be seen to have changed, so
// it is neither put back nor used to tell which setting was refused. Pure functions.

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "netlink/link_info.hpp"
#include "netlink/vf_change.hpp"

namespace sriovctl {

/// One setting of a VfChange, in the kernel's order of application.
enum class Setting : uint8_t { kMac, kVlan, kRate, kSpoofchk, kLinkState, kQueryRss, kTrust };

/// The settings `c` carries, in the kernel's order.
std::vector<Setting> settings_of(const rtnl::VfChange& c);
/// The keyword that sets it ("mac", "vlan", "max_tx_rate" or "min_tx_rate" for the rate as
/// `c` gave it, "spoofchk", "state", "query_rss", "trust").
std::string setting_name(Setting s, const rtnl::VfChange& c);

struct SettingRef {
  rtnl::VfIndex vf;
  Setting setting;
  bool operator==(const SettingRef&) const = default;
};

/// Which setting of `changes` the PF refused. With a single setting, that one. Otherwise,
/// for a PF that applies in order and stops (the kernel): the first setting, in the kernel's
/// order, that `after` (read after the refusal) does not show at its requested value. nullopt
/// when that cannot be told: a setting the PF does not report comes first; the one before the
/// mismatch already had its value in `before` (so the refusal may have been there); or every
/// setting shows as requested.
std::optional<SettingRef> refused_setting(std::span<const rtnl::VfChange> changes,
                                          const rtnl::LinkInfo& before, const rtnl::LinkInfo& after,
                                          bool applies_in_order);

/// Whether `errnum` refuses a whole request rather than one setting of it, when the PF shows
/// nothing changed: EPERM and EACCES (no CAP_NET_ADMIN, an LSM), ENODEV (the PF went away),
/// EOPNOTSUPP (a driver without SR-IOV ops). A refusal like that must not be pinned on the
/// first setting just because the first setting is the one that did not take.
bool refuses_whole_request(int errnum);

/// The changes that set back every setting of `changes` whose value differs between `before`
/// and `after`, to its `before` value; empty when nothing visible changed.
std::vector<rtnl::VfChange> restore_changes(std::span<const rtnl::VfChange> changes,
                                            const rtnl::LinkInfo& before,
                                            const rtnl::LinkInfo& after);

}  // namespace sriovctl
