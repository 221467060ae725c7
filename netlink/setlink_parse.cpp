#include "netlink/setlink_parse.hpp"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>

#include <algorithm>
#include <cstring>

#include "netlink/attr_set.hpp"

namespace rtnl {
namespace {

Error invalid(std::string detail) {
  return Error{ErrorCode::kInvalidArgument, 0, std::move(detail)};
}

// Collects one IFLA_VF_INFO; every struct in it must name the same VF.
class VfReader {
 public:
  explicit VfReader(const AttrSet& set) : set_(set) {}

  template <typename T>
  std::expected<std::optional<T>, Error> read(int type, std::string_view name) {
    const nlattr* a = set_.get(type);
    if (a == nullptr) return std::optional<T>{};
    auto v = set_.read<T>(a, name);
    if (!v) return std::unexpected(v.error());
    if (has_vf_ && vf_ != v->vf) {
      return std::unexpected(invalid(
          fmt::format("{}: {} names VF {} next to VF {}", set_.where(), name, v->vf, vf_)));
    }
    vf_ = v->vf;
    has_vf_ = true;
    return std::optional<T>(*v);
  }
  std::optional<uint32_t> vf() const { return has_vf_ ? std::optional<uint32_t>(vf_) : std::nullopt; }

 private:
  const AttrSet& set_;
  // Not a std::optional: GCC 12 reports its value as maybe uninitialized once this is inlined
  // into a larger unit (a false positive, but -Werror).
  uint32_t vf_ = 0;
  bool has_vf_ = false;
};

std::expected<void, Error> read_vlan_list(const AttrSet& set, VfReader& r, VfChange& c) {
  const nlattr* list = set.get(IFLA_VF_VLAN_LIST);
  if (list == nullptr) return {};
  auto entries =
      AttrSet::parse_nested(list, IFLA_VF_VLAN_INFO_MAX, set.where() + ": IFLA_VF_VLAN_LIST");
  if (!entries) return std::unexpected(entries.error());
  // The kernel takes exactly one (MAX_VLAN_LIST_LEN).
  if (entries->in_order().size() != 1 || nla_type(entries->in_order()[0]) != IFLA_VF_VLAN_INFO) {
    return std::unexpected(
        invalid(set.where() + ": IFLA_VF_VLAN_LIST needs one IFLA_VF_VLAN_INFO"));
  }
  VfReader inner(*entries);
  auto info = inner.read<ifla_vf_vlan_info>(IFLA_VF_VLAN_INFO, "IFLA_VF_VLAN_INFO");
  if (!info) return std::unexpected(info.error());
  const ifla_vf_vlan_info& v = **info;
  if (r.vf() && *r.vf() != v.vf) {
    return std::unexpected(invalid(set.where() + ": IFLA_VF_VLAN_INFO names another VF"));
  }
  if (v.vlan > 0xFFFF || v.qos > 0xFF) {
    return std::unexpected(
        invalid(fmt::format("{}: VLAN {} priority {} out of range", set.where(), v.vlan, v.qos)));
  }
  c.vf = VfIndex(v.vf);
  c.vlan = VfVlan{static_cast<uint16_t>(v.vlan), static_cast<uint8_t>(v.qos),
                  static_cast<VlanProto>(ntohs(v.vlan_proto))};
  return {};
}

// Reads one struct attribute, when present, and hands it to `apply`.
template <typename T, typename Apply>
std::expected<void, Error> take(VfReader& r, int type, std::string_view name, Apply apply) {
  auto v = r.read<T>(type, name);
  if (!v) return std::unexpected(v.error());
  if (!*v) return {};
  return apply(**v);
}

std::expected<VfChange, Error> read_vf_change(const nlattr* nest, size_t position) {
  auto set = AttrSet::parse_nested(nest, IFLA_VF_MAX, fmt::format("IFLA_VF_INFO #{}", position));
  if (!set) return std::unexpected(set.error());
  const std::string& where = set->where();
  VfReader r(*set);
  VfChange c;
  const auto flag = [](uint32_t setting) { return setting != 0; };
  // IFLA_VF_RATE after IFLA_VF_TX_RATE: it wins when both come, as in the kernel's order.
  const std::expected<void, Error> steps[] = {
      take<ifla_vf_mac>(r, IFLA_VF_MAC, "IFLA_VF_MAC",
                        [&](const ifla_vf_mac& m) -> std::expected<void, Error> {
                          std::array<uint8_t, 6> b{};
                          std::copy_n(m.mac, b.size(), b.begin());
                          c.mac = hal::MacAddr(b);
                          return {};
                        }),
      take<ifla_vf_vlan>(r, IFLA_VF_VLAN, "IFLA_VF_VLAN",
                         [&](const ifla_vf_vlan& v) -> std::expected<void, Error> {
                           if (v.vlan > 0xFFFF || v.qos > 0xFF) {
                             return std::unexpected(invalid(where + ": IFLA_VF_VLAN out of range"));
                           }
                           c.vlan = VfVlan{static_cast<uint16_t>(v.vlan),
                                           static_cast<uint8_t>(v.qos), VlanProto::k8021Q};
                           return {};
                         }),
      take<ifla_vf_tx_rate>(r, IFLA_VF_TX_RATE, "IFLA_VF_TX_RATE",
                            [&](const ifla_vf_tx_rate& t) -> std::expected<void, Error> {
                              c.max_tx_rate = t.rate;
                              return {};
                            }),
      take<ifla_vf_rate>(r, IFLA_VF_RATE, "IFLA_VF_RATE",
                         [&](const ifla_vf_rate& t) -> std::expected<void, Error> {
                           c.min_tx_rate = t.min_tx_rate;
                           c.max_tx_rate = t.max_tx_rate;
                           return {};
                         }),
      take<ifla_vf_spoofchk>(r, IFLA_VF_SPOOFCHK, "IFLA_VF_SPOOFCHK",
                             [&](const ifla_vf_spoofchk& v) -> std::expected<void, Error> {
                               c.spoofchk = flag(v.setting);
                               return {};
                             }),
      take<ifla_vf_link_state>(r, IFLA_VF_LINK_STATE, "IFLA_VF_LINK_STATE",
                               [&](const ifla_vf_link_state& v) -> std::expected<void, Error> {
                                 c.link_state = static_cast<VfLinkState>(v.link_state);
                                 return {};
                               }),
      take<ifla_vf_rss_query_en>(r, IFLA_VF_RSS_QUERY_EN, "IFLA_VF_RSS_QUERY_EN",
                                 [&](const ifla_vf_rss_query_en& v) -> std::expected<void, Error> {
                                   c.query_rss = flag(v.setting);
                                   return {};
                                 }),
      take<ifla_vf_trust>(r, IFLA_VF_TRUST, "IFLA_VF_TRUST",
                          [&](const ifla_vf_trust& v) -> std::expected<void, Error> {
                            c.trust = flag(v.setting);
                            return {};
                          }),
      read_vlan_list(*set, r, c),
  };
  for (const auto& step : steps) {
    if (!step) return std::unexpected(step.error());
  }
  if (r.vf()) c.vf = VfIndex(*r.vf());
  if (c.empty()) return std::unexpected(invalid(where + ": nothing to change"));
  return c;
}

std::expected<LinkRef, Error> read_target(const AttrSet& set, const ifinfomsg& ifm) {
  const nlattr* name = set.get(IFLA_IFNAME);
  if (ifm.ifi_index > 0) {
    if (name != nullptr) return std::unexpected(invalid("RTM_SETLINK renames the link"));
    return LinkRef(IfIndex(ifm.ifi_index));
  }
  if (name == nullptr) return std::unexpected(invalid("RTM_SETLINK names no link"));
  auto s = set.read_string(name, "IFLA_IFNAME", IFNAMSIZ - 1);
  if (!s) return std::unexpected(s.error());
  // An empty name (the attribute starts with NUL) names no link either (found by fuzzing).
  if (s->empty()) return std::unexpected(invalid("RTM_SETLINK names no link (empty IFLA_IFNAME)"));
  return LinkRef(std::move(*s));
}

}  // namespace

std::expected<SetLinkVfRequest, Error> parse_setlink_vf(const nlmsghdr* msg) {
  if (msg->nlmsg_type != RTM_SETLINK) {
    return std::unexpected(
        Error{ErrorCode::kMalformed, 0,
              fmt::format("message type {} is not RTM_SETLINK", msg->nlmsg_type)});
  }
  if (msg->nlmsg_len < NLMSG_SPACE(sizeof(ifinfomsg))) {
    return std::unexpected(
        Error{ErrorCode::kMalformed, 0,
              fmt::format("RTM_SETLINK of {} bytes, below its headers", msg->nlmsg_len)});
  }
  ifinfomsg ifm;
  std::memcpy(&ifm, NLMSG_DATA(msg), sizeof(ifm));
  if (ifm.ifi_flags != 0 || ifm.ifi_change != 0) {
    return std::unexpected(invalid("RTM_SETLINK changes link flags"));
  }
  const auto* head = reinterpret_cast<const nlattr*>(reinterpret_cast<const uint8_t*>(msg) +
                                                     NLMSG_SPACE(sizeof(ifinfomsg)));
  auto set = AttrSet::parse(head, static_cast<int>(msg->nlmsg_len - NLMSG_SPACE(sizeof(ifinfomsg))),
                            IFLA_MAX, "RTM_SETLINK");
  if (!set) return std::unexpected(set.error());
  for (const nlattr* a : set->in_order()) {
    const int type = nla_type(a);
    if (type != IFLA_IFNAME && type != IFLA_VFINFO_LIST && type != IFLA_EXT_MASK) {
      return std::unexpected(invalid(
          fmt::format("RTM_SETLINK carries link attribute {}, not only VF settings", type)));
    }
  }
  auto target = read_target(*set, ifm);
  if (!target) return std::unexpected(target.error());
  const nlattr* list = set->get(IFLA_VFINFO_LIST);
  if (list == nullptr) return std::unexpected(invalid("RTM_SETLINK without IFLA_VFINFO_LIST"));
  auto entries = AttrSet::parse_nested(list, IFLA_VF_INFO_MAX, "RTM_SETLINK: IFLA_VFINFO_LIST");
  if (!entries) return std::unexpected(entries.error());

  SetLinkVfRequest out{std::move(*target), {}};
  for (const nlattr* a : entries->in_order()) {
    if (nla_type(a) != IFLA_VF_INFO) {
      return std::unexpected(invalid(
          fmt::format("IFLA_VFINFO_LIST holds attribute type {} where only IFLA_VF_INFO belongs",
                      nla_type(a))));
    }
    auto c = read_vf_change(a, out.changes.size());
    if (!c) return std::unexpected(std::move(c.error()).within("RTM_SETLINK"));
    out.changes.push_back(std::move(*c));
  }
  if (out.changes.empty()) return std::unexpected(invalid("RTM_SETLINK with no IFLA_VF_INFO"));
  return out;
}

}  // namespace rtnl
