#pragma once
// RTM_SETLINK's VF settings applied to the PF driver all or nothing.
//
// Linux applies an IFLA_VFINFO_LIST setting by setting and stops at the first refusal, leaving
// what came before it applied. The daemon does better, as an operator would want: it checks
// every setting of every VF first (the checks Linux ixgbe makes, with its errno, and each VF at
// most once), then applies them in phases, each across all VFs: port VLANs, rates, MACs (the
// settings the PF may still refuse, for a full table), then spoof check and RSS query, and last
// trust and link state, which force the VF to reset (so a refusal never leaves a VF reset for
// nothing). Should the PF refuse one anyway, the settings applied before it are put back from a
// snapshot taken first, newest first, and the refusal is the answer. The refused setting itself
// needs no putting back: the PF's admin setters change nothing when they refuse.
//
// The invariant that keeps the undo exact: a MAC a VF chose itself cannot be given back as its
// own, so MACs come after every other setting that may fail, and the checks rule out each
// refusal set_vf_mac() has; nothing applied after a MAC can be refused. Should that ever break,
// the answer is EIO naming what could not be put back.

#include <optional>
#include <span>
#include <string>

#include "netlink/vf_change.hpp"
#include "pf_driver/pf_driver.hpp"

namespace simd {

struct SetlinkResult {
  int error = 0;       ///< 0, or a positive errno
  std::string reason;  ///< "vf 3 mac: ..." when error != 0
  /// The VF the refusal concerns, when one does.
  std::optional<unsigned> vf;
  /// Settings applied (after a refusal: 0, everything was put back).
  unsigned applied = 0;
};

/// Checks, then applies, `changes` to `pf` (see above). Errors (SetlinkResult::error):
/// EINVAL for more entries than VFs, a VF named twice, a VF that does not exist, a MAC that is
/// multicast, vid > 4095 or qos > 7, a minimum TX rate (ixgbe has none), a max rate with the
/// link not up at 10 Gb/s or outside 11..link speed, an unknown link state; EPROTONOSUPPORT for
/// an 802.1ad port VLAN; EBUSY for a MAC another function uses (or two VFs of the request given
/// one MAC); the PF's own refusals mapped by to_errno() (ENOSPC: a full VLVF table); EIO should
/// the invariant above break. Thread safety: as the PF driver (the caller holds its lock).
SetlinkResult apply_vf_changes(pf::PfDriver& pf, std::span<const rtnl::VfChange> changes);

}  // namespace simd
