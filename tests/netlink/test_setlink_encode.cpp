// RTM_SETLINK and RTM_GETLINK as built, checked attribute by attribute against the uapi
// structs with libnl's parser.

#include <sys/socket.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "netlink/getlink_request.hpp"
#include "netlink/setlink_parse.hpp"
#include "netlink/setlink_request.hpp"
#include "nl_view.hpp"

using namespace rtnl;
using nltest::as;
using nltest::children;

namespace {

VfChange every_field(uint32_t vf) {
  VfChange c;
  c.vf = VfIndex(vf);
  c.mac = hal::MacAddr({0x02, 0x11, 0x22, 0x33, 0x44, 0x55});
  c.vlan = VfVlan{1234, 5, VlanProto::k8021AD};
  c.min_tx_rate = 100;
  c.max_tx_rate = 2500;
  c.spoofchk = false;
  c.trust = true;
  c.link_state = VfLinkState::kDisable;
  c.query_rss = true;
  return c;
}

std::vector<nlattr*> top_attrs(const Message& m, std::vector<nlattr*>& tb) {
  tb.assign(IFLA_MAX + 1, nullptr);
  REQUIRE(nlmsg_parse(m.header(), sizeof(ifinfomsg), tb.data(), IFLA_MAX, nullptr) == 0);
  std::vector<nlattr*> order;
  int rem = nlmsg_attrlen(m.header(), sizeof(ifinfomsg));
  for (nlattr* a = nlmsg_attrdata(m.header(), sizeof(ifinfomsg)); nla_ok(a, rem);
       a = nla_next(a, &rem)) {
    order.push_back(a);
  }
  CHECK(rem == 0);
  return order;
}

}  // namespace

TEST_CASE("RTM_SETLINK with every VF attribute carries each uapi struct at its exact size",
          "[netlink][encode]") {
  const VfChange c = every_field(7);
  auto m = build_setlink_vf(std::string("eth3"), std::span(&c, 1));
  REQUIRE(m.has_value());

  const nlmsghdr* h = m->header();
  CHECK(h->nlmsg_type == RTM_SETLINK);
  CHECK(h->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
  CHECK(h->nlmsg_len == m->bytes().size());
  CHECK(h->nlmsg_len % 4 == 0);
  const auto ifm = *static_cast<const ifinfomsg*>(nlmsg_data(h));
  CHECK(ifm.ifi_family == AF_UNSPEC);
  CHECK(ifm.ifi_index == 0);
  CHECK(ifm.ifi_flags == 0);
  CHECK(ifm.ifi_change == 0);

  std::vector<nlattr*> tb;
  const auto order = top_attrs(*m, tb);
  REQUIRE(order.size() == 2);
  CHECK(nla_type(order[0]) == IFLA_IFNAME);
  CHECK(std::string(static_cast<const char*>(nla_data(tb[IFLA_IFNAME]))) == "eth3");
  REQUIRE(tb[IFLA_VFINFO_LIST] != nullptr);

  const auto infos = children(tb[IFLA_VFINFO_LIST]);
  REQUIRE(infos.size() == 1);
  CHECK(nla_type(infos[0]) == IFLA_VF_INFO);
  const auto attrs = children(infos[0]);
  std::vector<int> types;
  for (nlattr* a : attrs) types.push_back(nla_type(a));
  // The order the kernel's do_setvfinfo() applies them in.
  CHECK(types == std::vector<int>{IFLA_VF_MAC, IFLA_VF_VLAN_LIST, IFLA_VF_RATE, IFLA_VF_SPOOFCHK,
                                  IFLA_VF_LINK_STATE, IFLA_VF_RSS_QUERY_EN, IFLA_VF_TRUST});
  const int expected_len = nla_total_size(sizeof(ifla_vf_mac)) +
                           nla_total_size(nla_total_size(sizeof(ifla_vf_vlan_info))) +
                           nla_total_size(sizeof(ifla_vf_rate)) + 4 * nla_total_size(8);
  CHECK(nla_len(infos[0]) == expected_len);

  std::vector<nlattr*> vf(IFLA_VF_MAX + 1, nullptr);
  REQUIRE(nla_parse_nested(vf.data(), IFLA_VF_MAX, infos[0], nullptr) == 0);

  REQUIRE(nla_len(vf[IFLA_VF_MAC]) == sizeof(ifla_vf_mac));
  CHECK(sizeof(ifla_vf_mac) == 36);
  const auto mac = as<ifla_vf_mac>(vf[IFLA_VF_MAC]);
  CHECK(mac.vf == 7);
  CHECK(std::vector<uint8_t>(mac.mac, mac.mac + 6) ==
        std::vector<uint8_t>{0x02, 0x11, 0x22, 0x33, 0x44, 0x55});
  CHECK(std::all_of(mac.mac + 6, mac.mac + 32, [](uint8_t b) { return b == 0; }));

  const auto vlans = children(vf[IFLA_VF_VLAN_LIST]);
  REQUIRE(vlans.size() == 1);
  CHECK(nla_type(vlans[0]) == IFLA_VF_VLAN_INFO);
  REQUIRE(nla_len(vlans[0]) == sizeof(ifla_vf_vlan_info));
  CHECK(sizeof(ifla_vf_vlan_info) == 16);
  const auto vlan = as<ifla_vf_vlan_info>(vlans[0]);
  CHECK(vlan.vf == 7);
  CHECK(vlan.vlan == 1234);
  CHECK(vlan.qos == 5);
  CHECK(vlan.vlan_proto == htons(0x88A8));

  REQUIRE(nla_len(vf[IFLA_VF_RATE]) == sizeof(ifla_vf_rate));
  const auto rate = as<ifla_vf_rate>(vf[IFLA_VF_RATE]);
  CHECK(rate.vf == 7);
  CHECK(rate.min_tx_rate == 100);
  CHECK(rate.max_tx_rate == 2500);

  REQUIRE(nla_len(vf[IFLA_VF_SPOOFCHK]) == sizeof(ifla_vf_spoofchk));
  CHECK(as<ifla_vf_spoofchk>(vf[IFLA_VF_SPOOFCHK]).vf == 7);
  CHECK(as<ifla_vf_spoofchk>(vf[IFLA_VF_SPOOFCHK]).setting == 0);
  REQUIRE(nla_len(vf[IFLA_VF_LINK_STATE]) == sizeof(ifla_vf_link_state));
  CHECK(as<ifla_vf_link_state>(vf[IFLA_VF_LINK_STATE]).vf == 7);
  CHECK(as<ifla_vf_link_state>(vf[IFLA_VF_LINK_STATE]).link_state == IFLA_VF_LINK_STATE_DISABLE);
  REQUIRE(nla_len(vf[IFLA_VF_RSS_QUERY_EN]) == sizeof(ifla_vf_rss_query_en));
  CHECK(as<ifla_vf_rss_query_en>(vf[IFLA_VF_RSS_QUERY_EN]).vf == 7);
  CHECK(as<ifla_vf_rss_query_en>(vf[IFLA_VF_RSS_QUERY_EN]).setting == 1);
  REQUIRE(nla_len(vf[IFLA_VF_TRUST]) == sizeof(ifla_vf_trust));
  CHECK(as<ifla_vf_trust>(vf[IFLA_VF_TRUST]).vf == 7);
  CHECK(as<ifla_vf_trust>(vf[IFLA_VF_TRUST]).setting == 1);
  // Legacy forms are left to old tools: only the current ones go out.
  CHECK(vf[IFLA_VF_VLAN] == nullptr);
  CHECK(vf[IFLA_VF_TX_RATE] == nullptr);
}

TEST_CASE("RTM_SETLINK by ifindex carries no IFLA_IFNAME, which the kernel would take as a rename",
          "[netlink][encode]") {
  VfChange c;
  c.vf = VfIndex(0);
  c.trust = true;
  auto m = build_setlink_vf(IfIndex(4), std::span(&c, 1));
  REQUIRE(m.has_value());
  CHECK(static_cast<const ifinfomsg*>(nlmsg_data(m->header()))->ifi_index == 4);
  std::vector<nlattr*> tb;
  const auto order = top_attrs(*m, tb);
  REQUIRE(order.size() == 1);
  CHECK(nla_type(order[0]) == IFLA_VFINFO_LIST);
  CHECK(tb[IFLA_IFNAME] == nullptr);
}

TEST_CASE("RTM_SETLINK carries only the attributes a change sets", "[netlink][encode]") {
  VfChange c;
  c.vf = VfIndex(3);
  c.spoofchk = true;
  auto m = build_setlink_vf(std::string("eth0"), std::span(&c, 1));
  REQUIRE(m.has_value());
  std::vector<nlattr*> tb;
  top_attrs(*m, tb);
  const auto infos = children(tb[IFLA_VFINFO_LIST]);
  REQUIRE(infos.size() == 1);
  const auto attrs = children(infos[0]);
  REQUIRE(attrs.size() == 1);
  CHECK(nla_type(attrs[0]) == IFLA_VF_SPOOFCHK);
  CHECK(as<ifla_vf_spoofchk>(attrs[0]).vf == 3);
  CHECK(as<ifla_vf_spoofchk>(attrs[0]).setting == 1);
}

TEST_CASE("RTM_SETLINK for 63 VFs with every attribute outgrows a page and decodes back whole",
          "[netlink][encode]") {
  std::vector<VfChange> changes;
  for (uint32_t i = 0; i < 63; ++i) {
    VfChange c = every_field(i);
    c.mac = hal::MacAddr({0x02, 0, 0, 0, static_cast<uint8_t>(i), 0x02});
    c.vlan = VfVlan{static_cast<uint16_t>(i + 1), static_cast<uint8_t>(i % 8), VlanProto::k8021Q};
    c.max_tx_rate = 1000 + i;
    changes.push_back(c);
  }
  auto m = build_setlink_vf(std::string("enp1s0f0"), changes);
  REQUIRE(m.has_value());
  CHECK(m->bytes().size() > 4096);  // libnl's default nl_msg would not have held it

  std::vector<nlattr*> tb;
  top_attrs(*m, tb);
  const auto infos = children(tb[IFLA_VFINFO_LIST]);
  REQUIRE(infos.size() == 63);
  for (uint32_t i = 0; i < 63; ++i) {
    std::vector<nlattr*> vf(IFLA_VF_MAX + 1, nullptr);
    REQUIRE(nla_parse_nested(vf.data(), IFLA_VF_MAX, infos[i], nullptr) == 0);
    CHECK(as<ifla_vf_mac>(vf[IFLA_VF_MAC]).vf == i);
    CHECK(as<ifla_vf_rate>(vf[IFLA_VF_RATE]).max_tx_rate == 1000 + i);
  }

  auto back = parse_setlink_vf(m->header());
  REQUIRE(back.has_value());
  CHECK(std::get<std::string>(back->link) == "enp1s0f0");
  CHECK(back->changes == changes);
}

TEST_CASE("build_setlink_vf refuses what it cannot express", "[netlink][encode]") {
  CHECK(build_setlink_vf(std::string("eth0"), {}).error().code == ErrorCode::kInvalidArgument);

  VfChange nothing;
  nothing.vf = VfIndex(2);
  auto e = build_setlink_vf(std::string("eth0"), std::span(&nothing, 1));
  REQUIRE_FALSE(e.has_value());
  CHECK(e.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(e.error().to_string(), Catch::Contains("VF 2: nothing to change"));

  VfChange lone;
  lone.vf = VfIndex(1);
  lone.max_tx_rate = 500;
  e = build_setlink_vf(std::string("eth0"), std::span(&lone, 1));
  REQUIRE_FALSE(e.has_value());
  CHECK_THAT(e.error().to_string(), Catch::Contains("min_tx_rate and max_tx_rate"));

  VfChange ok;
  ok.vf = VfIndex(0);
  ok.trust = false;
  for (const LinkRef& bad : {LinkRef(std::string()), LinkRef(std::string("sixteen-chars-xx")),
                             LinkRef(IfIndex(0)), LinkRef(IfIndex(-3))}) {
    CHECK(build_setlink_vf(bad, std::span(&ok, 1)).error().code == ErrorCode::kInvalidArgument);
  }
  CHECK(build_setlink_vf(std::string("fifteen-chars-x"), std::span(&ok, 1)).has_value());
}

TEST_CASE("RTM_GETLINK asks for VFs, and leaves out their stats only when told",
          "[netlink][encode]") {
  auto read_mask = [](const Message& m) {
    std::vector<nlattr*> tb(IFLA_MAX + 1, nullptr);
    REQUIRE(nlmsg_parse(m.header(), sizeof(ifinfomsg), tb.data(), IFLA_MAX, nullptr) == 0);
    REQUIRE(tb[IFLA_EXT_MASK] != nullptr);
    REQUIRE(nla_len(tb[IFLA_EXT_MASK]) == 4);
    return nla_get_u32(tb[IFLA_EXT_MASK]);
  };
  auto one = build_getlink(std::string("lo"));
  REQUIRE(one.has_value());
  CHECK(one->header()->nlmsg_type == RTM_GETLINK);
  CHECK(one->header()->nlmsg_flags == (NLM_F_REQUEST | NLM_F_ACK));
  CHECK(read_mask(*one) == RTEXT_FILTER_VF);

  auto lean = build_getlink(IfIndex(1), GetLinkOptions{.vfs = true, .vf_stats = false});
  REQUIRE(lean.has_value());
  CHECK(static_cast<const ifinfomsg*>(nlmsg_data(lean->header()))->ifi_index == 1);
  CHECK(read_mask(*lean) == (RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS));

  auto dump = build_dump_links();
  REQUIRE(dump.has_value());
  CHECK(dump->header()->nlmsg_flags == (NLM_F_REQUEST | NLM_F_DUMP));
  CHECK(static_cast<const ifinfomsg*>(nlmsg_data(dump->header()))->ifi_index == 0);
  CHECK(read_mask(*dump) == RTEXT_FILTER_VF);
}

TEST_CASE("parse_setlink_vf takes the legacy IFLA_VF_VLAN and IFLA_VF_TX_RATE and refuses renames",
          "[netlink][encode]") {
  auto m = Message::create(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, sizeof(ifinfomsg), 1024);
  REQUIRE(m.has_value());
  static_cast<ifinfomsg*>(m->payload())->ifi_index = 9;
  nlattr* list = nla_nest_start(m->get(), IFLA_VFINFO_LIST);
  nlattr* info = nla_nest_start(m->get(), IFLA_VF_INFO);
  const ifla_vf_vlan vlan{4, 300, 2};
  const ifla_vf_tx_rate tx{4, 750};
  REQUIRE(nla_put(m->get(), IFLA_VF_VLAN, sizeof(vlan), &vlan) == 0);
  REQUIRE(nla_put(m->get(), IFLA_VF_TX_RATE, sizeof(tx), &tx) == 0);
  nla_nest_end(m->get(), info);
  nla_nest_end(m->get(), list);

  auto req = parse_setlink_vf(m->header());
  REQUIRE(req.has_value());
  CHECK(std::get<IfIndex>(req->link) == IfIndex(9));
  REQUIRE(req->changes.size() == 1);
  CHECK(req->changes[0].vf == VfIndex(4));
  CHECK(req->changes[0].vlan == VfVlan{300, 2, VlanProto::k8021Q});
  CHECK(req->changes[0].max_tx_rate == 750u);
  CHECK_FALSE(req->changes[0].min_tx_rate.has_value());

  REQUIRE(nla_put_string(m->get(), IFLA_IFNAME, "new-name") == 0);
  auto rename = parse_setlink_vf(m->header());
  REQUIRE_FALSE(rename.has_value());
  CHECK(rename.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(rename.error().to_string(), Catch::Contains("renames"));
}

TEST_CASE("parse_setlink_vf refuses an empty IFLA_IFNAME: it names no link", "[netlink][encode]") {
  auto m = Message::create(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, sizeof(ifinfomsg), 1024);
  REQUIRE(m.has_value());
  REQUIRE(nla_put_string(m->get(), IFLA_IFNAME, "") == 0);
  nlattr* list = nla_nest_start(m->get(), IFLA_VFINFO_LIST);
  nlattr* info = nla_nest_start(m->get(), IFLA_VF_INFO);
  const ifla_vf_spoofchk spoof{1, 0};
  REQUIRE(nla_put(m->get(), IFLA_VF_SPOOFCHK, sizeof(spoof), &spoof) == 0);
  nla_nest_end(m->get(), info);
  nla_nest_end(m->get(), list);
  auto req = parse_setlink_vf(m->header());
  REQUIRE_FALSE(req.has_value());
  CHECK(req.error().code == ErrorCode::kInvalidArgument);
  CHECK_THAT(req.error().to_string(), Catch::Contains("names no link"));
}
