#include "daemon/setlink_apply.hpp"

#include <fmt/format.h>

#include <bitset>
#include <cerrno>
#include <functional>
#include <vector>

#include "daemon/errno_map.hpp"

namespace simd {
namespace {

constexpr uint16_t kMaxVid = 4095;
constexpr uint8_t kMaxQos = 7;
constexpr uint32_t kMinRateMbps = 10;  // ixgbe refuses limits of 10 Mb/s and below
constexpr uint32_t kRateLinkMbps = 10000;

SetlinkResult refusal(int err, unsigned vf, std::string_view what, std::string_view why) {
  std::string text =
      what.empty() ? fmt::format("vf {}: {}", vf, why) : fmt::format("vf {} {}: {}", vf, what, why);
  return SetlinkResult{err, std::move(text), vf, 0};
}

std::optional<pf::LinkState> to_pf(rtnl::VfLinkState s) {
  switch (s) {
    case rtnl::VfLinkState::kAuto:
      return pf::LinkState::kAuto;
    case rtnl::VfLinkState::kEnable:
      return pf::LinkState::kEnable;
    case rtnl::VfLinkState::kDisable:
      return pf::LinkState::kDisable;
  }
  return std::nullopt;
}

/// Every check Linux ixgbe makes before it touches anything, and the MAC conflicts the PF
/// would refuse halfway.
std::optional<SetlinkResult> validate(const pf::PfDriver& pf,
                                      std::span<const rtnl::VfChange> changes) {
  // The kernel takes any number of IFLA_VF_INFO, the same VF again included, and applies each
  // in turn. Here a VF appears once: one datagram cannot make thousands of forced resets (and
  // journal lines), and "all or nothing" has one before-state per VF to go back to.
  if (changes.size() > pf.num_vfs()) {
    return SetlinkResult{EINVAL,
                         fmt::format("{} IFLA_VF_INFO entries for {} VF(s): each VF at most once",
                                     changes.size(), pf.num_vfs()),
                         std::nullopt, 0};
  }
  std::bitset<64> seen;
  std::vector<std::pair<hal::MacAddr, unsigned>> macs;  // asked for in this request
  for (const rtnl::VfChange& c : changes) {
    const unsigned vf = c.vf.value();
    if (vf >= pf.num_vfs()) {
      return refusal(EINVAL, vf, "", fmt::format("no such VF ({} enabled)", pf.num_vfs()));
    }
    if (seen.test(vf)) {
      return refusal(EINVAL, vf, "", "appears twice in IFLA_VFINFO_LIST (each VF at most once)");
    }
    seen.set(vf);
    const hal::VfId id{vf};
    if (c.mac) {
      if (!c.mac->is_zero() && !c.mac->is_valid_unicast()) {
        return refusal(EINVAL, vf, "mac", fmt::format("{} is not a unicast address", *c.mac));
      }
      if (!c.mac->is_zero()) {
        if (pf.mac_in_use_by_other(*c.mac, id)) {
          return refusal(EBUSY, vf, "mac", fmt::format("{} is in use by another function", *c.mac));
        }
        for (const auto& [m, other] : macs) {
          if (m == *c.mac && other != vf) {
            return refusal(
                EBUSY, vf, "mac",
                fmt::format("{} is also asked for VF {} in this request", *c.mac, other));
          }
        }
        macs.emplace_back(*c.mac, vf);
      }
    }
    if (c.vlan) {
      if (c.vlan->vid > kMaxVid || c.vlan->qos > kMaxQos) {
        return refusal(
            EINVAL, vf, "vlan",
            fmt::format("vid {} qos {} (vid <= 4095, qos <= 7)", c.vlan->vid, c.vlan->qos));
      }
      if (c.vlan->proto != rtnl::VlanProto::k8021Q) {
        return refusal(EPROTONOSUPPORT, vf, "vlan",
                       fmt::format("protocol {}: the 82599 inserts 802.1Q port VLANs only",
                                   rtnl::to_string(c.vlan->proto)));
      }
    }
    if (c.min_tx_rate && *c.min_tx_rate != 0) {
      return refusal(
          EINVAL, vf, "min_tx_rate",
          fmt::format("{} Mb/s: the 82599 has no minimum rate (0 only)", *c.min_tx_rate));
    }
    if (c.max_tx_rate) {
      if (!pf.link_up() || pf.link_mbps() != kRateLinkMbps) {
        return refusal(EINVAL, vf, "max_tx_rate", "needs the link up at 10 Gb/s");
      }
      const uint32_t r = *c.max_tx_rate;
      if (r != 0 && (r <= kMinRateMbps || r > pf.link_mbps())) {
        return refusal(
            EINVAL, vf, "max_tx_rate",
            fmt::format("{} Mb/s outside 11..{} (0 removes the limit)", r, pf.link_mbps()));
      }
    }
    if (c.link_state && !to_pf(*c.link_state)) {
      return refusal(EINVAL, vf, "state",
                     fmt::format("link state {}: auto, enable or disable",
                                 static_cast<uint32_t>(*c.link_state)));
    }
  }
  return std::nullopt;
}

/// One setting to make, and how to put it back. `undo` is empty for a setting that cannot be
/// put back exactly; plan() orders the steps so none of those ever needs undoing.
struct Step {
  unsigned vf;
  std::string_view what;
  std::function<std::expected<void, pf::Refusal>()> apply;
  std::function<void()> undo;
};

std::vector<Step> plan(pf::PfDriver& pf, std::span<const rtnl::VfChange> changes) {
  std::vector<pf::VfInfo> before;
  for (const auto& c : changes) before.push_back(pf.vf_info(hal::VfId{c.vf.value()}));
  std::vector<Step> steps;
  // Phase order (see the header): fallible first, resets last.
  enum Phase { kVlan, kRate, kMac, kSpoof, kRss, kTrust, kState, kPhases };
  for (int phase = kVlan; phase < kPhases; ++phase) {
    for (size_t i = 0; i < changes.size(); ++i) {
      const rtnl::VfChange& c = changes[i];
      const pf::VfInfo& b = before[i];
      const hal::VfId id{c.vf.value()};
      const unsigned vf = c.vf.value();
      switch (phase) {
        case kVlan:
          if (c.vlan) {
            steps.push_back({vf, "vlan",
                             [&pf, id, v = *c.vlan] { return pf.set_vf_vlan(id, v.vid, v.qos); },
                             [&pf, id, b] { (void)pf.set_vf_vlan(id, b.vlan, b.qos); }});
          }
          break;
        case kRate:
          if (c.max_tx_rate) {
            steps.push_back({vf, "max_tx_rate",
                             [&pf, id, r = *c.max_tx_rate] { return pf.set_vf_rate(id, r); },
                             [&pf, id, b] { (void)pf.set_vf_rate(id, b.max_tx_mbps); }});
          }
          break;
        case kMac:
          if (c.mac) {
            // An admin MAC is put back as it was. A MAC the VF chose itself cannot be: the PF
            // has no call that gives it back as the VF's own (clearing the admin MAC would
            // drop the VF's live filter until its next reset). So MACs are the last settings
            // that may fail, and validate() rules out every refusal set_vf_mac() has (no such
            // VF, not unicast, in use by another function or by another VF of the request):
            // nothing after a MAC step can be refused, and no MAC is ever undone.
            std::function<void()> undo;
            if (b.admin_mac) undo = [&pf, id, b] { (void)pf.set_vf_mac(id, b.mac); };
            steps.push_back(
                {vf, "mac", [&pf, id, m = *c.mac] { return pf.set_vf_mac(id, m); }, undo});
          }
          break;
        case kSpoof:
          if (c.spoofchk) {
            steps.push_back({vf, "spoofchk",
                             [&pf, id, on = *c.spoofchk] { return pf.set_vf_spoofchk(id, on); },
                             [&pf, id, b] { (void)pf.set_vf_spoofchk(id, b.spoofchk); }});
          }
          break;
        case kRss:
          if (c.query_rss) {
            steps.push_back({vf, "query_rss",
                             [&pf, id, on = *c.query_rss] { return pf.set_vf_rss_query(id, on); },
                             [&pf, id, b] { (void)pf.set_vf_rss_query(id, b.rss_query); }});
          }
          break;
        case kTrust:
          if (c.trust) {
            steps.push_back({vf, "trust",
                             [&pf, id, on = *c.trust] { return pf.set_vf_trust(id, on); },
                             [&pf, id, b] { (void)pf.set_vf_trust(id, b.trusted); }});
          }
          break;
        case kState:
          if (c.link_state) {
            steps.push_back(
                {vf, "state",
                 [&pf, id, s = *to_pf(*c.link_state)] { return pf.set_vf_link_state(id, s); },
                 [&pf, id, b] { (void)pf.set_vf_link_state(id, b.link_state); }});
          }
          break;
        default:
          break;
      }
    }
  }
  return steps;
}

}  // namespace

SetlinkResult apply_vf_changes(pf::PfDriver& pf, std::span<const rtnl::VfChange> changes) {
  if (auto bad = validate(pf, changes)) return std::move(*bad);
  std::vector<Step> steps = plan(pf, changes);
  for (size_t i = 0; i < steps.size(); ++i) {
    auto r = steps[i].apply();
    if (r) continue;
    // Step i itself needs no undo: every PF admin setter checks everything before it changes
    // anything (pf_driver/admin.cpp: set_vf_vlan adds the new VLVF membership before it drops
    // the old one), so a refusal leaves that VF as it was.
    std::string lost;
    for (size_t j = i; j-- > 0;) {
      if (steps[j].undo) {
        steps[j].undo();
      } else {
        lost += fmt::format("{}vf {} {}", lost.empty() ? "" : ", ", steps[j].vf, steps[j].what);
      }
    }
    if (!lost.empty()) {
      // plan()'s order and validate() make this unreachable; should a change break them, the
      // answer says so instead of "nothing changed".
      return refusal(EIO, steps[i].vf, steps[i].what,
                     fmt::format("{}; internal error: not put back: {}", r.error().reason, lost));
    }
    return refusal(to_errno(r.error().code), steps[i].vf, steps[i].what, r.error().reason);
  }
  return SetlinkResult{0, {}, std::nullopt, static_cast<unsigned>(steps.size())};
}

}  // namespace simd
