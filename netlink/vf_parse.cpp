#include "netlink/vf_parse.hpp"

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <netlink/attr.h>

#include <algorithm>

#include "netlink/attr_set.hpp"

namespace rtnl {
namespace {

// The kernel presets spoofchk, trust and rss_query_en to -1 and sends that when the PF
// driver does not fill them in.
constexpr uint32_t kNotReported = ~0u;

std::optional<bool> setting(uint32_t v) {
  if (v == kNotReported) return std::nullopt;
  return v != 0;
}

// Every ifla_vf_* struct repeats the VF index; they must agree with IFLA_VF_MAC's.
std::expected<void, Error> same_vf(const AttrSet& set, uint32_t expected_vf, uint32_t got,
                                   std::string_view name) {
  if (got == expected_vf) return {};
  return std::unexpected(
      set.malformed(name, fmt::format("names VF {} inside VF {}'s nest", got, expected_vf)));
}

std::expected<VfVlan, Error> vlan_of(const AttrSet& set, uint32_t vid, uint32_t qos,
                                     uint16_t proto_be, std::string_view name) {
  if (vid > 4095 || qos > 7) {
    return std::unexpected(
        set.malformed(name, fmt::format("VLAN {} priority {} out of 0-4095/0-7", vid, qos)));
  }
  return VfVlan{static_cast<uint16_t>(vid), static_cast<uint8_t>(qos),
                static_cast<VlanProto>(ntohs(proto_be))};
}

std::expected<void, Error> parse_vlans(const AttrSet& set, VfInfo& vf) {
  const uint32_t index = vf.vf.value();
  if (const nlattr* list = set.get(IFLA_VF_VLAN_LIST)) {
    auto entries =
        AttrSet::parse_nested(list, IFLA_VF_VLAN_INFO_MAX, set.where() + ": IFLA_VF_VLAN_LIST");
    if (!entries) return std::unexpected(entries.error());
    for (const nlattr* a : entries->in_order()) {
      if (nla_type(a) != IFLA_VF_VLAN_INFO) continue;
      auto info = entries->read<ifla_vf_vlan_info>(a, "IFLA_VF_VLAN_INFO");
      if (!info) return std::unexpected(info.error());
      if (auto ok = same_vf(*entries, index, info->vf, "IFLA_VF_VLAN_INFO"); !ok) return ok;
      auto vlan = vlan_of(*entries, info->vlan, info->qos, info->vlan_proto, "IFLA_VF_VLAN_INFO");
      if (!vlan) return std::unexpected(vlan.error());
      vf.vlans.push_back(*vlan);
    }
    return {};
  }
  // Kernels before the list (4.9) send only the 802.1Q port VLAN.
  if (const nlattr* a = set.get(IFLA_VF_VLAN)) {
    auto v = set.read<ifla_vf_vlan>(a, "IFLA_VF_VLAN");
    if (!v) return std::unexpected(v.error());
    if (auto ok = same_vf(set, index, v->vf, "IFLA_VF_VLAN"); !ok) return ok;
    auto vlan = vlan_of(set, v->vlan, v->qos, htons(static_cast<uint16_t>(VlanProto::k8021Q)),
                        "IFLA_VF_VLAN");
    if (!vlan) return std::unexpected(vlan.error());
    vf.vlans.push_back(*vlan);
  }
  return {};
}

std::expected<void, Error> parse_rates(const AttrSet& set, VfInfo& vf) {
  const uint32_t index = vf.vf.value();
  if (const nlattr* a = set.get(IFLA_VF_RATE)) {
    auto r = set.read<ifla_vf_rate>(a, "IFLA_VF_RATE");
    if (!r) return std::unexpected(r.error());
    if (auto ok = same_vf(set, index, r->vf, "IFLA_VF_RATE"); !ok) return ok;
    vf.min_tx_rate = r->min_tx_rate;
    vf.max_tx_rate = r->max_tx_rate;
  } else if (const nlattr* t = set.get(IFLA_VF_TX_RATE)) {
    auto r = set.read<ifla_vf_tx_rate>(t, "IFLA_VF_TX_RATE");
    if (!r) return std::unexpected(r.error());
    if (auto ok = same_vf(set, index, r->vf, "IFLA_VF_TX_RATE"); !ok) return ok;
    vf.max_tx_rate = r->rate;
  }
  return {};
}

// ifla_vf_spoofchk, ifla_vf_trust and ifla_vf_rss_query_en share one layout: vf, setting.
template <typename T>
std::expected<std::optional<bool>, Error> parse_setting(const AttrSet& set, uint32_t index,
                                                        int type, std::string_view name) {
  const nlattr* a = set.get(type);
  if (a == nullptr) return std::optional<bool>{};
  auto s = set.read<T>(a, name);
  if (!s) return std::unexpected(s.error());
  if (auto ok = same_vf(set, index, s->vf, name); !ok) return std::unexpected(ok.error());
  return setting(s->setting);
}

std::expected<void, Error> parse_flags(const AttrSet& set, VfInfo& vf) {
  const uint32_t index = vf.vf.value();
  auto spoof = parse_setting<ifla_vf_spoofchk>(set, index, IFLA_VF_SPOOFCHK, "IFLA_VF_SPOOFCHK");
  if (!spoof) return std::unexpected(spoof.error());
  auto trust = parse_setting<ifla_vf_trust>(set, index, IFLA_VF_TRUST, "IFLA_VF_TRUST");
  if (!trust) return std::unexpected(trust.error());
  auto rss =
      parse_setting<ifla_vf_rss_query_en>(set, index, IFLA_VF_RSS_QUERY_EN, "IFLA_VF_RSS_QUERY_EN");
  if (!rss) return std::unexpected(rss.error());
  vf.spoofchk = *spoof;
  vf.trust = *trust;
  vf.rss_query_en = *rss;
  if (const nlattr* a = set.get(IFLA_VF_LINK_STATE)) {
    auto ls = set.read<ifla_vf_link_state>(a, "IFLA_VF_LINK_STATE");
    if (!ls) return std::unexpected(ls.error());
    if (auto ok = same_vf(set, index, ls->vf, "IFLA_VF_LINK_STATE"); !ok) return ok;
    vf.link_state = static_cast<VfLinkState>(ls->link_state);
  }
  return {};
}

std::expected<void, Error> parse_stats(const AttrSet& set, VfInfo& vf) {
  const nlattr* nest = set.get(IFLA_VF_STATS);
  if (nest == nullptr) return {};
  auto stats = AttrSet::parse_nested(nest, IFLA_VF_STATS_MAX, set.where() + ": IFLA_VF_STATS");
  if (!stats) return std::unexpected(stats.error());
  struct Counter {
    int type;
    std::string_view name;
    uint64_t VfStats::*field;
  };
  static constexpr Counter kCounters[] = {
      {IFLA_VF_STATS_RX_PACKETS, "IFLA_VF_STATS_RX_PACKETS", &VfStats::rx_packets},
      {IFLA_VF_STATS_TX_PACKETS, "IFLA_VF_STATS_TX_PACKETS", &VfStats::tx_packets},
      {IFLA_VF_STATS_RX_BYTES, "IFLA_VF_STATS_RX_BYTES", &VfStats::rx_bytes},
      {IFLA_VF_STATS_TX_BYTES, "IFLA_VF_STATS_TX_BYTES", &VfStats::tx_bytes},
      {IFLA_VF_STATS_BROADCAST, "IFLA_VF_STATS_BROADCAST", &VfStats::broadcast},
      {IFLA_VF_STATS_MULTICAST, "IFLA_VF_STATS_MULTICAST", &VfStats::multicast},
      {IFLA_VF_STATS_RX_DROPPED, "IFLA_VF_STATS_RX_DROPPED", &VfStats::rx_dropped},
      {IFLA_VF_STATS_TX_DROPPED, "IFLA_VF_STATS_TX_DROPPED", &VfStats::tx_dropped},
  };
  // Counters an older kernel does not send (the dropped pair came last) stay 0;
  // IFLA_VF_STATS_PAD only aligns the u64s on architectures that need it.
  VfStats out;
  for (const Counter& c : kCounters) {
    const nlattr* a = stats->get(c.type);
    if (a == nullptr) continue;
    auto v = stats->read<uint64_t>(a, c.name);
    if (!v) return std::unexpected(v.error());
    out.*c.field = *v;
  }
  vf.stats = out;
  return {};
}

}  // namespace

std::expected<VfInfo, Error> parse_vf_info(const nlattr* nest, size_t position) {
  auto set = AttrSet::parse_nested(nest, IFLA_VF_MAX, fmt::format("IFLA_VF_INFO #{}", position));
  if (!set) return std::unexpected(set.error());
  const nlattr* mac_attr = set->get(IFLA_VF_MAC);
  if (mac_attr == nullptr) {
    return std::unexpected(set->malformed("IFLA_VF_MAC", "missing (it names the VF)"));
  }
  auto mac = set->read<ifla_vf_mac>(mac_attr, "IFLA_VF_MAC");
  if (!mac) return std::unexpected(mac.error());

  VfInfo vf;
  vf.vf = VfIndex(mac->vf);
  std::array<uint8_t, 6> b{};
  std::copy_n(mac->mac, b.size(), b.begin());
  vf.mac = hal::MacAddr(b);
  for (auto step : {parse_vlans, parse_rates, parse_flags, parse_stats}) {
    if (auto ok = step(*set, vf); !ok) return std::unexpected(ok.error());
  }
  return vf;
}

}  // namespace rtnl
