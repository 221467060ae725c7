// The daemon's rtnetlink answers, read back with sriovctl's own client code (rtnl::get_link,
// dump_links, set_vf) over a transport that calls the daemon directly.
#include <linux/rtnetlink.h>

#include <cerrno>

#include "daemon_rig.hpp"
#include "netlink/getlink_request.hpp"
#include "netlink/link_ops.hpp"
#include "netlink/newlink_parse.hpp"

using namespace dtest;

namespace {

const hal::MacAddr kMacA({0x02, 0xaa, 0, 0, 0, 0x01});
const hal::MacAddr kMacB({0x02, 0xaa, 0, 0, 0, 0x02});

}  // namespace

TEST_CASE("GETLINK of a PF with 63 VFs decodes back with every VF and its stats") {
  auto d = make_daemon(63, "getlink63");
  FakeConnection c;
  DaemonLoop t(*d, c);

  auto req = rtnl::build_getlink(rtnl::LinkRef{std::string("sim0")});
  REQUIRE(req.has_value());
  d->on_request(c, req->bytes());
  REQUIRE(c.sent.size() == 2);  // RTM_NEWLINK, then the ACK
  // One SEQPACKET datagram carries all of it: about 19 KiB with stats.
  CHECK(c.sent.front().size() > 16 * 1024);
  CHECK(c.sent.front().size() < 32 * 1024);
  c.sent.clear();

  auto link = rtnl::get_link(t, rtnl::LinkRef{std::string("sim0")});
  INFO((link ? std::string() : link.error().to_string()));
  REQUIRE(link.has_value());
  CHECK(link->name == "sim0");
  CHECK(link->ifindex == rtnl::IfIndex{1});
  CHECK(link->num_vf == 63u);
  REQUIRE(link->vfs.size() == 63);
  CHECK(link->mac() == d->host().pf().mac());
  CHECK(link->admin_up());
  for (unsigned i = 0; i < 63; ++i) {
    const rtnl::VfInfo& v = link->vfs[i];
    CHECK(v.vf == rtnl::VfIndex{i});
    CHECK(v.mac == d->host().pf().vf_info(hal::VfId{i}).mac);
    CHECK(v.spoofchk == true);
    CHECK(v.trust == false);
    CHECK(v.link_state == rtnl::VfLinkState::kAuto);
    CHECK(v.stats.has_value());
  }

  SECTION("by ifindex 1, without stats") {
    auto bare =
        rtnl::get_link(t, rtnl::LinkRef{rtnl::IfIndex{1}}, {.vfs = true, .vf_stats = false});
    REQUIRE(bare.has_value());
    REQUIRE(bare->vfs.size() == 63);
    CHECK_FALSE(bare->vfs[5].stats.has_value());
  }
  SECTION("without RTEXT_FILTER_VF no VF is described") {
    auto none = rtnl::get_link(t, rtnl::LinkRef{rtnl::IfIndex{1}}, {.vfs = false});
    REQUIRE(none.has_value());
    CHECK(none->vfs.empty());
  }
  SECTION("a dump has the one link, then NLMSG_DONE") {
    auto all = rtnl::dump_links(t);
    REQUIRE(all.has_value());
    REQUIRE(all->size() == 1);
    CHECK((*all)[0].vfs.size() == 63);
  }
}

TEST_CASE("GETLINK for another link is ENODEV naming what the daemon serves") {
  auto d = make_daemon(2, "enodev");
  FakeConnection c;
  DaemonLoop t(*d, c);
  auto by_name = rtnl::get_link(t, rtnl::LinkRef{std::string("eth0")});
  REQUIRE_FALSE(by_name.has_value());
  CHECK(by_name.error().code == rtnl::ErrorCode::kRefused);
  CHECK(by_name.error().errnum == ENODEV);
  CHECK(by_name.error().peer_message.find("serves one link, sim0") != std::string::npos);
  auto by_index = rtnl::get_link(t, rtnl::LinkRef{rtnl::IfIndex{4}});
  REQUIRE_FALSE(by_index.has_value());
  CHECK(by_index.error().errnum == ENODEV);
  // The refusal is an event too.
  CHECK(d->journal().find_last(static_cast<uint16_t>(simd::DaemonEvent::kRequestRefused)) !=
        nullptr);
}

TEST_CASE("SETLINK settings each reach the PF and the guest") {
  auto d = make_daemon(2, "setlink");
  FakeConnection c;
  DaemonLoop t(*d, c);
  auto& pf = d->host().pf();
  auto set = [&](rtnl::VfChange ch) {
    auto r = rtnl::set_vf(t, rtnl::LinkRef{std::string("sim0")}, std::span(&ch, 1));
    INFO((r ? std::string() : r.error().to_string()));
    REQUIRE(r.has_value());
  };

  SECTION("vlan, spoofchk, rate, query_rss") {
    auto ch = vf_change(1);
    ch.vlan = rtnl::VfVlan{100, 3};
    ch.spoofchk = false;
    ch.min_tx_rate = 0;
    ch.max_tx_rate = 500;
    ch.query_rss = true;
    set(ch);
    const pf::VfInfo v = pf.vf_info(hal::VfId{1});
    CHECK(v.vlan == 100);
    CHECK(v.qos == 3);
    CHECK_FALSE(v.spoofchk);
    CHECK(v.max_tx_mbps == 500);
    CHECK(v.rss_query);
    auto link = rtnl::get_link(t, rtnl::LinkRef{std::string("sim0")});
    REQUIRE(link.has_value());
    CHECK(link->vfs[1].vlans.at(0) == rtnl::VfVlan{100, 3});
    CHECK(link->vfs[1].max_tx_rate == 500u);
    CHECK(link->vfs[1].rss_query_en == true);
  }
  SECTION("mac and trust: the forced reset hands the guest its admin MAC") {
    auto ch = vf_change(0);
    ch.mac = kMacA;
    ch.trust = true;
    set(ch);
    CHECK(pf.vf_info(hal::VfId{0}).mac == kMacA);
    CHECK(pf.vf_info(hal::VfId{0}).admin_mac);
    CHECK(pf.vf_info(hal::VfId{0}).trusted);
    auto& g = d->host().guest(0);
    CHECK(poll_until(*d, [&] { return g.is_up() && g.driver().mac() == kMacA; }));
  }
  SECTION("link state disable takes the guest's link down, enable brings it back") {
    auto& g = d->host().guest(1);
    REQUIRE(g.is_up());
    auto ch = vf_change(1);
    ch.link_state = rtnl::VfLinkState::kDisable;
    set(ch);
    CHECK(pf.vf_info(hal::VfId{1}).link_state == pf::LinkState::kDisable);
    CHECK(poll_until(
        *d, [&] { return g.driver().state() == vf::State::kUp && !g.driver().link_up(); }));
    ch.link_state = rtnl::VfLinkState::kEnable;
    set(ch);
    CHECK(poll_until(*d, [&] { return g.is_up(); }));
    CHECK(pf.vf_info(hal::VfId{1}).link_state == pf::LinkState::kEnable);
  }
}

TEST_CASE("SETLINK refusals come back with errno and reason, and change nothing") {
  auto d = make_daemon(2, "setlink-refused");
  FakeConnection c;
  DaemonLoop t(*d, c);
  auto& pf = d->host().pf();
  const pf::VfInfo before0 = pf.vf_info(hal::VfId{0});
  const pf::VfInfo before1 = pf.vf_info(hal::VfId{1});
  auto refused = [&](std::vector<rtnl::VfChange> changes, int err, std::string_view text) {
    auto r = rtnl::set_vf(t, rtnl::LinkRef{std::string("sim0")}, changes);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().errnum == err);
    INFO(r.error().peer_message);
    CHECK(r.error().peer_message.find(text) != std::string::npos);
  };

  SECTION("802.1ad is EPROTONOSUPPORT, as with ixgbe; the MAC before it stays unset") {
    auto ch = vf_change(0);
    ch.mac = kMacA;
    ch.vlan = rtnl::VfVlan{100, 0, rtnl::VlanProto::k8021AD};
    refused({ch}, EPROTONOSUPPORT, "vf 0 vlan: protocol 802.1ad");
  }
  SECTION("a minimum rate is EINVAL") {
    auto ch = vf_change(0);
    ch.min_tx_rate = 100;
    ch.max_tx_rate = 1000;
    refused({ch}, EINVAL, "vf 0 min_tx_rate");
  }
  SECTION("a rate of 10 Mb/s or less is EINVAL") {
    auto ch = vf_change(1);
    ch.min_tx_rate = 0;
    ch.max_tx_rate = 5;
    refused({ch}, EINVAL, "outside 11..10000");
  }
  SECTION("a second VF that does not exist leaves the first one alone") {
    auto a = vf_change(0);
    a.mac = kMacA;
    a.spoofchk = false;
    auto b = vf_change(7);
    b.trust = true;
    refused({a, b}, EINVAL, "vf 7: no such VF");
  }
  SECTION("two VFs given one MAC is EBUSY") {
    auto a = vf_change(0);
    a.mac = kMacA;
    auto b = vf_change(1);
    b.mac = kMacA;
    refused({a, b}, EBUSY, "also asked for VF 0");
  }
  CHECK(pf.vf_info(hal::VfId{0}).mac == before0.mac);
  CHECK(pf.vf_info(hal::VfId{0}).spoofchk == before0.spoofchk);
  CHECK(pf.vf_info(hal::VfId{0}).vlan == before0.vlan);
  CHECK(pf.vf_info(hal::VfId{1}).max_tx_mbps == before1.max_tx_mbps);
  CHECK(pf.vf_info(hal::VfId{1}).trusted == before1.trusted);
}

TEST_CASE("A PF refusal halfway puts back what was applied before it") {
  auto d = make_daemon(2, "setlink-undo");
  FakeConnection c;
  DaemonLoop t(*d, c);
  auto& pf = d->host().pf();
  // Guest 0 fills the VLVF table with VLANs of its own, then frees one entry.
  auto& g0 = d->host().guest(0);
  uint16_t vid = 1000;
  for (; vid < 1100; ++vid) {
    if (!g0.driver().add_vlan(vid)) break;
  }
  REQUIRE(vid < 1100);  // the table filled up
  REQUIRE(g0.driver().remove_vlan(1000).has_value());

  auto a = vf_change(0);
  a.vlan = rtnl::VfVlan{300, 0};  // takes the last free entry
  auto b = vf_change(1);
  b.vlan = rtnl::VfVlan{301, 0};  // finds none: the PF refuses
  std::vector<rtnl::VfChange> both{a, b};
  auto r = rtnl::set_vf(t, rtnl::LinkRef{std::string("sim0")}, both);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().errnum == ENOSPC);
  CHECK(r.error().peer_message.find("vf 1 vlan:") != std::string::npos);
  CHECK(pf.vf_info(hal::VfId{0}).vlan == 0);
  CHECK(pf.vf_info(hal::VfId{1}).vlan == 0);
}

TEST_CASE("Messages the daemon does not answer are refused with a reason") {
  auto d = make_daemon(1, "unsupported");
  FakeConnection c;
  nlmsghdr h{};
  h.nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
  h.nlmsg_type = RTM_DELLINK;
  h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  h.nlmsg_seq = 9;
  std::vector<std::byte> bytes(NLMSG_ALIGN(h.nlmsg_len));
  std::memcpy(bytes.data(), &h, sizeof h);
  d->on_request(c, bytes);
  REQUIRE(c.sent.size() == 1);
  auto msgs = messages(c.sent.front());
  auto ack = rtnl::parse_ack(hdr(msgs.at(0)));
  REQUIRE(ack.has_value());
  CHECK(ack->error == -EOPNOTSUPP);
  CHECK(ack->message.find("RTM_GETLINK, RTM_SETLINK") != std::string::npos);
  CHECK(hdr(msgs.at(0))->nlmsg_seq == 9u);

  c.sent.clear();
  const std::byte junk[5]{};
  d->on_request(c, junk);
  REQUIRE(c.sent.size() == 1);
  auto bad = rtnl::parse_ack(hdr(messages(c.sent.front()).at(0)));
  REQUIRE(bad.has_value());
  CHECK(bad->error == -EINVAL);
}
