// RTM_NEWLINK for PFs with many VFs, laid out as the kernel does, decoded back completely.

#include <catch2/catch.hpp>

#include "netlink/newlink_build.hpp"
#include "netlink/newlink_parse.hpp"
#include "nl_view.hpp"
#include "sample_links.hpp"

using namespace rtnl;
using nltest::as;
using nltest::children;

namespace {

const nlattr* vfinfo_list(const Message& m) {
  std::vector<nlattr*> tb(IFLA_MAX + 1, nullptr);
  REQUIRE(nlmsg_parse(m.header(), sizeof(ifinfomsg), tb.data(), IFLA_MAX, nullptr) == 0);
  REQUIRE(tb[IFLA_VFINFO_LIST] != nullptr);
  return tb[IFLA_VFINFO_LIST];
}

}  // namespace

TEST_CASE("RTM_NEWLINK of a PF with 63 VFs has the kernel's per-VF layout", "[netlink][newlink]") {
  const LinkInfo pf = nltest::sample_pf("enp1s0f0", 4, 63);
  auto m = build_newlink(pf);
  REQUIRE(m.has_value());
  // About 19 KiB: past libnl's one-page default and NLMSG_GOODSIZE, inside a dump datagram.
  CHECK(m->bytes().size() > 18 * 1024);
  CHECK(m->bytes().size() < 20 * 1024);

  const nlattr* list = vfinfo_list(*m);
  CHECK(list->nla_type == IFLA_VFINFO_LIST);  // no NLA_F_NESTED, as the kernel sends it
  const auto infos = children(list);
  REQUIRE(infos.size() == 63);
  for (const nlattr* info : infos) {
    CHECK(info->nla_len == 296);
    CHECK(info->nla_type == IFLA_VF_INFO);
  }
  std::vector<int> types;
  std::vector<int> lens;
  for (const nlattr* a : children(infos[5])) {
    types.push_back(nla_type(a));
    lens.push_back(a->nla_len);
  }
  // rtnl_fill_vfinfo()'s order and sizes (x86-64: no IFLA_VF_STATS_PAD).
  CHECK(types == std::vector<int>{IFLA_VF_MAC, IFLA_VF_BROADCAST, IFLA_VF_VLAN, IFLA_VF_RATE,
                                  IFLA_VF_TX_RATE, IFLA_VF_SPOOFCHK, IFLA_VF_LINK_STATE,
                                  IFLA_VF_RSS_QUERY_EN, IFLA_VF_TRUST, IFLA_VF_VLAN_LIST,
                                  IFLA_VF_STATS});
  CHECK(lens == std::vector<int>{40, 36, 16, 16, 12, 12, 12, 12, 12, 24, 100});
  const auto stats = children(children(infos[5]).back());
  REQUIRE(stats.size() == 8);
  CHECK(nla_type(stats[6]) == IFLA_VF_STATS_RX_DROPPED);
  CHECK(as<uint64_t>(stats[0]) == ((uint64_t{5} << 40) + 1));
}

TEST_CASE("A PF with 63 VFs decodes back with every VF and every field", "[netlink][newlink]") {
  const LinkInfo pf = nltest::sample_pf("enp1s0f0", 4, 63);
  auto m = build_newlink(pf);
  REQUIRE(m.has_value());
  auto back = parse_link(m->header());
  REQUIRE(back.has_value());
  REQUIRE(back->vfs.size() == 63);
  CHECK(back->num_vf == 63u);
  CHECK(back->name == "enp1s0f0");
  CHECK(back->ifindex == IfIndex(4));
  CHECK(back->mtu == 9000);
  CHECK(back->oper_state == OperState::kUp);
  CHECK(back->admin_up());
  CHECK(back->mac() == hal::MacAddr({0x02, 0xaa, 0xbb, 0xcc, 0x00, 0x04}));
  for (size_t i = 0; i < 63; ++i) {
    INFO("VF " << i);
    CHECK(back->vfs[i] == pf.vfs[i]);
  }
  CHECK(*back == pf);

  const VfInfo& v = back->vfs[62];
  CHECK(v.vf == VfIndex(62));
  CHECK(v.mac == hal::MacAddr({0x02, 0, 0, 0, 62, 0x01}));
  REQUIRE(v.vlans.size() == 1);
  CHECK(v.vlans[0] == VfVlan{162, 6, VlanProto::k8021Q});
  CHECK(v.max_tx_rate == 7200);
  CHECK(v.stats->tx_dropped == (uint64_t{62} << 40) + 8);
  CHECK_FALSE(back->vfs[4].spoofchk.has_value());  // reported as ~0u: the driver does not say
}

TEST_CASE("Without stats each VF takes 196 bytes and decodes with no stats", "[netlink][newlink]") {
  const LinkInfo pf = nltest::sample_pf("enp1s0f1", 5, 63, false);
  auto m = build_newlink(
      pf, NewlinkOptions{.ext_filter_mask = RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS});
  REQUIRE(m.has_value());
  for (const nlattr* info : children(vfinfo_list(*m))) CHECK(info->nla_len == 196);
  auto back = parse_link(m->header());
  REQUIRE(back.has_value());
  REQUIRE(back->vfs.size() == 63);
  CHECK_FALSE(back->vfs[0].stats.has_value());
  CHECK(*back == pf);
}

TEST_CASE("A link without RTEXT_FILTER_VF in the request reports no VF information",
          "[netlink][newlink]") {
  const LinkInfo pf = nltest::sample_pf("enp1s0f0", 4, 8);
  auto m = build_newlink(pf, NewlinkOptions{.ext_filter_mask = 0});
  REQUIRE(m.has_value());
  auto back = parse_link(m->header());
  REQUIRE(back.has_value());
  CHECK_FALSE(back->num_vf.has_value());
  CHECK(back->vfs.empty());
  CHECK(back->name == "enp1s0f0");
}

TEST_CASE("Older kernels' IFLA_VF_VLAN and IFLA_VF_TX_RATE and a stats PAD still decode",
          "[netlink][newlink]") {
  auto m = Message::create(RTM_NEWLINK, 0, sizeof(ifinfomsg), 4096);
  REQUIRE(m.has_value());
  static_cast<ifinfomsg*>(m->payload())->ifi_index = 7;
  REQUIRE(nla_put_string(m->get(), IFLA_IFNAME, "old0") == 0);
  REQUIRE(nla_put_u32(m->get(), IFLA_NUM_VF, 1) == 0);
  nlattr* list = nla_nest_start(m->get(), IFLA_VFINFO_LIST);
  nlattr* info = nla_nest_start(m->get(), IFLA_VF_INFO);
  ifla_vf_mac mac{};
  mac.vf = 0;
  mac.mac[0] = 0x02;
  const ifla_vf_vlan vlan{0, 42, 3};
  const ifla_vf_tx_rate tx{0, 900};
  REQUIRE(nla_put(m->get(), IFLA_VF_MAC, sizeof(mac), &mac) == 0);
  REQUIRE(nla_put(m->get(), IFLA_VF_VLAN, sizeof(vlan), &vlan) == 0);
  REQUIRE(nla_put(m->get(), IFLA_VF_TX_RATE, sizeof(tx), &tx) == 0);
  nlattr* stats = nla_nest_start(m->get(), IFLA_VF_STATS);
  REQUIRE(nla_put(m->get(), IFLA_VF_STATS_PAD, 0, nullptr) == 0);  // as on 32-bit ARM
  REQUIRE(nla_put_u64(m->get(), IFLA_VF_STATS_RX_PACKETS, 77) == 0);
  nla_nest_end(m->get(), stats);
  nla_nest_end(m->get(), info);
  nla_nest_end(m->get(), list);

  auto back = parse_link(m->header());
  REQUIRE(back.has_value());
  REQUIRE(back->vfs.size() == 1);
  const VfInfo& v = back->vfs[0];
  CHECK(v.vlans == std::vector<VfVlan>{VfVlan{42, 3, VlanProto::k8021Q}});
  CHECK(v.max_tx_rate == 900);
  CHECK(v.min_tx_rate == 0);
  CHECK_FALSE(v.trust.has_value());
  REQUIRE(v.stats.has_value());
  CHECK(v.stats->rx_packets == 77);
  CHECK(v.stats->tx_dropped == 0);
}
