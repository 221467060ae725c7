// What a hostile or broken client must not do to the daemon: kill it with bytes that are not
// UTF-8, grow its memory or log with long or repeated requests, get replies it cannot receive.
#include <linux/if.h>
#include <linux/rtnetlink.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "tests/file_text.hpp"
#include "daemon/nl_reply.hpp"
#include "daemon/safe_text.hpp"
#include "daemon_rig.hpp"
#include "netlink/link_ops.hpp"

using namespace dtest;
using json = nlohmann::json;

namespace {

/// RTM_GETLINK naming a link by IFLA_IFNAME, whatever bytes the name has.
Datagram getlink_named(const std::string& name, uint32_t seq = 3) {
  const size_t attr_len = NLA_HDRLEN + name.size() + 1;
  const size_t len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifinfomsg)) + NLA_ALIGN(attr_len);
  Datagram d(len);
  nlmsghdr h{};
  h.nlmsg_len = static_cast<uint32_t>(len);
  h.nlmsg_type = RTM_GETLINK;
  h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  h.nlmsg_seq = seq;
  std::memcpy(d.data(), &h, sizeof h);
  std::byte* a = d.data() + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(ifinfomsg));
  const nlattr na{static_cast<uint16_t>(attr_len), IFLA_IFNAME};
  std::memcpy(a, &na, sizeof na);
  std::memcpy(a + NLA_HDRLEN, name.data(), name.size());
  return d;
}

rtnl::Ack only_ack(FakeConnection& c) {
  REQUIRE(c.sent.size() == 1);
  auto msgs = messages(c.sent.front());
  c.sent.clear();
  REQUIRE(msgs.size() == 1);
  REQUIRE(hdr(msgs[0])->nlmsg_type == NLMSG_ERROR);
  auto a = rtnl::parse_ack(hdr(msgs[0]));
  REQUIRE(a.has_value());
  return *a;
}


const uint16_t kRefused = static_cast<uint16_t>(simd::DaemonEvent::kRequestRefused);

}  // namespace

TEST_CASE("A link name that is not UTF-8 is refused and the events op still answers") {
  auto d = make_daemon(1, "utf8");
  FakeConnection c;
  // The review's attack: the name went raw into the journal, and the next "events" reply's
  // JSON dump threw (type_error 316) out of on_request, killing the daemon.
  d->on_request(c, getlink_named("\xff"
                                 "ab"));
  const rtnl::Ack a = only_ack(c);
  CHECK(a.error == -ENODEV);
  CHECK(a.message.find("no link named '\xEF\xBF\xBD"
                       "ab'") != std::string::npos);
  // A terminal escape sequence in a name reaches neither the journal nor the log raw.
  d->on_request(c, getlink_named("\x1b]2;x\x07\x1b[2J"));
  CHECK(only_ack(c).error == -ENODEV);

  const Answer ev = ask(*d, c, {{"op", "events"}});
  REQUIRE(ev.is_reply);
  bool replaced = false, escaped = false;
  for (const json& e : ev.body["events"]) {
    const std::string r = e["reason"].get<std::string>();
    if (r.find("'\xEF\xBF\xBD"
               "ab'") != std::string::npos)
      replaced = true;
    if (r.find("\\x1b]2;x\\x07\\x1b[2J") != std::string::npos) escaped = true;
  }
  CHECK(replaced);
  CHECK(escaped);
  const std::string log = testutil::read_file(d->options().event_log);
  CHECK(log.find('\xff') == std::string::npos);
  CHECK(log.find('\x1b') == std::string::npos);
  CHECK(log.find('\x07') == std::string::npos);
  // And the daemon keeps answering.
  CHECK(ask(*d, c, {{"op", "info"}}).is_reply);
}

TEST_CASE("A 200 KB op is refused with a bounded reason, in the ACK and in the journal") {
  auto d = make_daemon(1, "longop");
  FakeConnection c;
  const Answer a = ask(*d, c, {{"op", std::string(200 * 1024, 'z')}});
  REQUIRE_FALSE(a.is_reply);
  CHECK(a.ack.error == -EINVAL);
  CHECK(a.ack.message.size() <= simd::kMaxReasonBytes);
  CHECK(a.ack.message.find("unknown op 'zzz") != std::string::npos);
  const simd::JournalEntry* e = d->journal().find_last(kRefused);
  REQUIRE(e != nullptr);
  CHECK(e->reason.size() <= simd::kMaxReasonBytes);
  const std::string log = testutil::read_file(d->options().event_log);
  CHECK(log.size() < 64 * 1024);
}

TEST_CASE("Repeated refusals are rate-limited in the journal, never in the answers") {
  auto d = make_daemon(1, "ratelimit");
  FakeConnection c;
  const uint64_t before = d->journal().total();
  for (int i = 0; i < 500; ++i) {
    const Answer a = ask(*d, c, {{"op", "nonsense"}});
    REQUIRE(a.ack.error == -EINVAL);  // every client still hears why
  }
  // 20 a second are recorded: 500 in one go leaves out most.
  CHECK(d->journal().total() - before < 250);
  CHECK(d->journal().suppressed() > 250);
}

TEST_CASE("info counts the lines the event log refused") {
  simd::SimDaemonOptions o;
  o.event_log = "/dev/full";  // every write: ENOSPC
  auto d = make_daemon(1, "full", o);
  FakeConnection c;
  const Answer a = ask(*d, c, {{"op", "info"}});
  REQUIRE(a.is_reply);
  CHECK(a.body["event_log_errors"].get<uint64_t>() >= 1);
  CHECK(a.body["event_log_errors"].get<uint64_t>() == d->journal().write_errors());
}

TEST_CASE("A reply larger than one datagram may carry is EMSGSIZE, not silence") {
  FakeConnection c;
  nlmsghdr h{};
  h.nlmsg_type = ctl::kMsgRequest;
  h.nlmsg_seq = 11;
  const json big = {{"blob", std::string(simd::kMaxReplyDatagram, 'b')}};
  CHECK_FALSE(simd::send_json(c, h, big));
  const rtnl::Ack a = only_ack(c);
  CHECK(a.error == -EMSGSIZE);
  CHECK(a.message.find("larger than") != std::string::npos);
  // Bytes that are not UTF-8 are replaced, not thrown.
  CHECK(simd::send_json(c, h, {{"s", std::string("\xff\xfe")}}));
  REQUIRE(c.sent.size() == 1);
}

TEST_CASE("SETLINK naming a VF twice, or more VFs than exist, is EINVAL and changes nothing") {
  auto d = make_daemon(2, "setlink-dup");
  FakeConnection c;
  DaemonLoop t(*d, c);
  auto& pf = d->host().pf();
  const uint64_t resets_before = pf.events().count(pf::EventCode::kAdminLinkState);
  auto a = vf_change(0);
  a.spoofchk = false;
  auto b = vf_change(0);
  b.link_state = rtnl::VfLinkState::kEnable;
  std::vector<rtnl::VfChange> twice{a, b};
  auto r = rtnl::set_vf(t, rtnl::LinkRef{std::string("sim0")}, twice);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().errnum == EINVAL);
  CHECK(r.error().peer_message.find("vf 0: appears twice") != std::string::npos);

  // The review's flood: thousands of entries for VF 0 in one datagram.
  std::vector<rtnl::VfChange> flood(3000, b);
  auto f = rtnl::set_vf(t, rtnl::LinkRef{std::string("sim0")}, flood);
  REQUIRE_FALSE(f.has_value());
  CHECK(f.error().errnum == EINVAL);
  CHECK(f.error().peer_message.find("3000 IFLA_VF_INFO entries for 2 VF(s)") != std::string::npos);

  CHECK(pf.vf_info(hal::VfId{0}).spoofchk == true);
  CHECK(pf.vf_info(hal::VfId{0}).link_state == pf::LinkState::kAuto);
  CHECK(pf.events().count(pf::EventCode::kAdminLinkState) == resets_before);
}

TEST_CASE("A full VLVF refusing a shared port VLAN's move is undone exactly") {
  auto d = make_daemon(3, "setlink-shared-vlan");
  FakeConnection c;
  DaemonLoop t(*d, c);
  auto& pf = d->host().pf();
  auto set = [&](std::vector<rtnl::VfChange> ch) {
    return rtnl::set_vf(t, rtnl::LinkRef{std::string("sim0")}, ch);
  };
  auto v1 = vf_change(1);
  v1.vlan = rtnl::VfVlan{40, 0};
  auto v2 = vf_change(2);
  v2.vlan = rtnl::VfVlan{40, 0};
  REQUIRE(set({v1, v2}).has_value());  // one VLVF entry, pools 1 and 2
  // Guest 0 (no port VLAN) fills the rest of the table.
  auto& g0 = d->host().guest(0);
  uint16_t vid = 1000;
  for (; vid < 1100; ++vid) {
    if (!g0.driver().add_vlan(vid)) break;
  }
  REQUIRE(vid < 1100);
  const hal::MacAddr own0 = pf.vf_info(hal::VfId{0}).mac;
  REQUIRE_FALSE(pf.vf_info(hal::VfId{0}).admin_mac);

  auto q2 = vf_change(2);
  q2.vlan = rtnl::VfVlan{40, 5};  // applies: same entry, new priority
  auto m0 = vf_change(0);
  m0.mac = hal::MacAddr({0x02, 0xaa, 0, 0, 0, 0x09});  // never reached: MACs come after VLANs
  auto to50 = vf_change(1);
  to50.vlan = rtnl::VfVlan{50, 0};  // no free entry: refused
  auto r = set({q2, m0, to50});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().errnum == ENOSPC);
  CHECK(r.error().peer_message.find("vf 1 vlan:") != std::string::npos);

  CHECK(pf.vf_info(hal::VfId{2}).qos == 0);  // put back
  CHECK(pf.vf_info(hal::VfId{1}).vlan == 40);
  // VF 1 still hears its port VLAN (the PF did not drop it before finding no room), and
  // VF 0 kept the MAC it chose, as its own.
  const Answer s1 = ask(*d, c, {{"op", "vf_show"}, {"vf", 1}});
  REQUIRE(s1.is_reply);
  CHECK(s1.body["negotiated"]["vlans"] == json::array({40}));
  CHECK(pf.vf_info(hal::VfId{0}).mac == own0);
  CHECK_FALSE(pf.vf_info(hal::VfId{0}).admin_mac);
  CHECK(pf.mac_in_use_by_other(own0, hal::VfId{1}));  // still in VF 0's RAR entry
}

TEST_CASE("VF stats start again when the VFs are enabled again") {
  simd::SimDaemonOptions o;
  o.announce_every = hal::Nanos{0};
  auto d = make_daemon(2, "stats-baseline", o);
  FakeConnection c;
  auto rx0 = [&] {
    const Answer a = ask(*d, c, {{"op", "vf_show"}, {"vf", 0}});
    REQUIRE(a.is_reply);
    return a.body["stats"]["rx_packets"].get<uint64_t>();
  };
  REQUIRE(poll_until(*d, [&] { return rx0() > 0; }));
  REQUIRE(ask(*d, c, {{"op", "numvfs"}, {"numvfs", 0}}).ack.error == 0);
  REQUIRE(ask(*d, c, {{"op", "numvfs"}, {"numvfs", 2}}).ack.error == 0);
  // VF 0 has the same queues as before; its new life has received nothing yet.
  CHECK(rx0() == 0);
  const Answer s = ask(*d, c, {{"op", "vf_show"}, {"vf", 0}});
  CHECK(s.body["stats"]["tx_packets"] == 0);
  CHECK(d->vfs_json()["rx_packets"][0] == 0);
}
