#include "sriovctl/rollback.hpp"

#include <algorithm>
#include <cerrno>

namespace sriovctl {
namespace {

const rtnl::VfInfo* find_vf(const rtnl::LinkInfo& l, rtnl::VfIndex vf) {
  const auto it =
      std::find_if(l.vfs.begin(), l.vfs.end(), [&](const rtnl::VfInfo& v) { return v.vf == vf; });
  return it == l.vfs.end() ? nullptr : &*it;
}

// The port VLAN as reported: the first entry, none when the list is empty.
rtnl::VfVlan port_vlan(const rtnl::VfInfo& v) {
  return v.vlans.empty() ? rtnl::VfVlan{} : v.vlans.front();
}

// Whether `v` shows `s` at the value `c` asks for; nullopt when `v` does not report it.
std::optional<bool> shows_requested(const rtnl::VfInfo& v, const rtnl::VfChange& c, Setting s) {
  switch (s) {
    case Setting::kMac:
      return v.mac == *c.mac;
    case Setting::kVlan:
      return port_vlan(v) == *c.vlan;
    case Setting::kRate:
      return (!c.max_tx_rate || v.max_tx_rate == *c.max_tx_rate) &&
             (!c.min_tx_rate || v.min_tx_rate == *c.min_tx_rate);
    case Setting::kSpoofchk:
      return v.spoofchk ? std::optional(*v.spoofchk == *c.spoofchk) : std::nullopt;
    case Setting::kLinkState:
      return v.link_state == *c.link_state;
    case Setting::kQueryRss:
      return v.rss_query_en ? std::optional(*v.rss_query_en == *c.query_rss) : std::nullopt;
    case Setting::kTrust:
      return v.trust ? std::optional(*v.trust == *c.trust) : std::nullopt;
  }
  return std::nullopt;
}

// Sets `s` in `out` back to what `before` shows, when `after` shows something else and both
// report it.
void restore_one(const rtnl::VfInfo& before, const rtnl::VfInfo& after, Setting s,
                 rtnl::VfChange& out) {
  const auto back = [](const std::optional<bool>& b, const std::optional<bool>& a,
                       std::optional<bool>& field) {
    if (b && a && *b != *a) field = *b;
  };
  switch (s) {
    case Setting::kMac:
      if (before.mac != after.mac) out.mac = before.mac;
      break;
    case Setting::kVlan:
      if (port_vlan(before) != port_vlan(after)) out.vlan = port_vlan(before);
      break;
    case Setting::kRate:
      // IFLA_VF_RATE carries both: put both back together.
      if (before.max_tx_rate != after.max_tx_rate || before.min_tx_rate != after.min_tx_rate) {
        out.max_tx_rate = before.max_tx_rate;
        out.min_tx_rate = before.min_tx_rate;
      }
      break;
    case Setting::kSpoofchk:
      back(before.spoofchk, after.spoofchk, out.spoofchk);
      break;
    case Setting::kLinkState:
      if (before.link_state != after.link_state) out.link_state = before.link_state;
      break;
    case Setting::kQueryRss:
      back(before.rss_query_en, after.rss_query_en, out.query_rss);
      break;
    case Setting::kTrust:
      back(before.trust, after.trust, out.trust);
      break;
  }
}

}  // namespace

std::vector<Setting> settings_of(const rtnl::VfChange& c) {
  std::vector<Setting> out;
  if (c.mac) out.push_back(Setting::kMac);
  if (c.vlan) out.push_back(Setting::kVlan);
  if (c.max_tx_rate || c.min_tx_rate) out.push_back(Setting::kRate);
  if (c.spoofchk) out.push_back(Setting::kSpoofchk);
  if (c.link_state) out.push_back(Setting::kLinkState);
  if (c.query_rss) out.push_back(Setting::kQueryRss);
  if (c.trust) out.push_back(Setting::kTrust);
  return out;
}

std::string setting_name(Setting s, const rtnl::VfChange& c) {
  switch (s) {
    case Setting::kMac:
      return "mac";
    case Setting::kVlan:
      return "vlan";
    case Setting::kRate:
      return c.max_tx_rate ? "max_tx_rate" : "min_tx_rate";
    case Setting::kSpoofchk:
      return "spoofchk";
    case Setting::kLinkState:
      return "state";
    case Setting::kQueryRss:
      return "query_rss";
    case Setting::kTrust:
      return "trust";
  }
  return "setting";
}

std::optional<SettingRef> refused_setting(std::span<const rtnl::VfChange> changes,
                                          const rtnl::LinkInfo& before, const rtnl::LinkInfo& after,
                                          bool applies_in_order) {
  size_t total = 0;
  for (const rtnl::VfChange& c : changes) total += settings_of(c).size();
  if (total == 1) return SettingRef{changes.front().vf, settings_of(changes.front()).front()};
  if (!applies_in_order) return std::nullopt;
  // A setting already at its value before the request looks applied whether or not the PF
  // got that far, so a mismatch right after one could be a refusal of it instead.
  bool previous_was_noop = false;
  for (const rtnl::VfChange& c : changes) {
    const rtnl::VfInfo* a = find_vf(after, c.vf);
    const rtnl::VfInfo* b = find_vf(before, c.vf);
    if (a == nullptr) return std::nullopt;
    for (Setting s : settings_of(c)) {
      const std::optional<bool> shown = shows_requested(*a, c, s);
      if (!shown) return std::nullopt;
      if (!*shown) {
        if (previous_was_noop) return std::nullopt;
        return SettingRef{c.vf, s};
      }
      previous_was_noop = b == nullptr || shows_requested(*b, c, s).value_or(true);
    }
  }
  return std::nullopt;
}

bool refuses_whole_request(int errnum) {
  return errnum == EPERM || errnum == EACCES || errnum == ENODEV || errnum == EOPNOTSUPP;
}

std::vector<rtnl::VfChange> restore_changes(std::span<const rtnl::VfChange> changes,
                                            const rtnl::LinkInfo& before,
                                            const rtnl::LinkInfo& after) {
  std::vector<rtnl::VfChange> out;
  for (const rtnl::VfChange& c : changes) {
    const rtnl::VfInfo* b = find_vf(before, c.vf);
    const rtnl::VfInfo* a = find_vf(after, c.vf);
    if (b == nullptr || a == nullptr) continue;
    rtnl::VfChange undo;
    undo.vf = c.vf;
    for (Setting s : settings_of(c)) restore_one(*b, *a, s, undo);
    if (!undo.empty()) out.push_back(std::move(undo));
  }
  return out;
}

}  // namespace sriovctl
