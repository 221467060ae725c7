// sriovkit's own requests: info, numvfs, vf_show, events, guest_mac.
#include <cerrno>
#include <fstream>
#include <sstream>

#include "daemon_rig.hpp"
#include "netlink/link_ops.hpp"

using namespace dtest;
using json = nlohmann::json;

TEST_CASE("info describes the daemon") {
  auto d = make_daemon(3, "info");
  FakeConnection c;
  const Answer a = ask(*d, c, {{"op", "info"}});
  REQUIRE(a.is_reply);
  CHECK(a.body["name"] == "sim0");
  CHECK(a.body["num_vfs"] == 3);
  CHECK(a.body["total_vfs"] == 63);
  CHECK(a.body["ifindex"] == 1);
  CHECK(a.body["link_up"] == true);
  CHECK(a.body["wire"] == "");
  CHECK(a.body["pid"] == getpid());
  CHECK(a.body["event_log"] == d->options().event_log);
  CHECK(a.body["event_log_errors"] == 0);
  CHECK(a.body.contains("version"));
}

TEST_CASE("numvfs follows sysfs: 4 -> 0 -> 2 with the guests, 4 -> 2 is EBUSY, 64 is ERANGE") {
  auto d = make_daemon(4, "numvfs");
  FakeConnection c;
  REQUIRE(d->host().num_guests() == 4);

  const Answer busy = ask(*d, c, {{"op", "numvfs"}, {"numvfs", 2}});
  REQUIRE_FALSE(busy.is_reply);
  CHECK(busy.ack.error == -EBUSY);
  CHECK(busy.ack.message.find("go through 0") != std::string::npos);
  CHECK(d->host().pf().num_vfs() == 4);
  CHECK(d->host().num_guests() == 4);

  const Answer too_many = ask(*d, c, {{"op", "numvfs"}, {"numvfs", 64}});
  CHECK(too_many.ack.error == -ERANGE);  // sysfs sriov_numvfs above sriov_totalvfs
  CHECK(too_many.ack.message.find("total_vfs") != std::string::npos);

  CHECK(ask(*d, c, {{"op", "numvfs"}, {"numvfs", 0}}).ack.error == 0);
  CHECK(d->host().pf().num_vfs() == 0);
  CHECK(d->host().num_guests() == 0);

  CHECK(ask(*d, c, {{"op", "numvfs"}, {"numvfs", 2}}).ack.error == 0);
  CHECK(d->host().pf().num_vfs() == 2);
  REQUIRE(d->host().num_guests() == 2);
  CHECK(d->host().guest(0).is_up());
  CHECK(d->host().guest(1).is_up());
  CHECK(d->journal().find_last(static_cast<uint16_t>(simd::DaemonEvent::kNumVfsChanged)) !=
        nullptr);

  const Answer missing = ask(*d, c, {{"op", "numvfs"}});
  CHECK(missing.ack.error == -EINVAL);
  CHECK(missing.ack.message.find("field 'numvfs'") != std::string::npos);
}

TEST_CASE("vf_show has every field of the protocol") {
  auto d = make_daemon(2, "vfshow");
  FakeConnection c;
  // Let the guests' data paths come up, so the detail has traffic and a guest.
  REQUIRE(poll_until(*d, [&] { return d->guest_path(1) && d->guest_path(1)->port(); }));
  const Answer a = ask(*d, c, {{"op", "vf_show"}, {"vf", 1}});
  REQUIRE(a.is_reply);
  const json& j = a.body;
  CHECK(j["vf"] == 1);
  for (const char* k : {"mac", "admin_mac", "vlan", "qos", "spoofchk", "mac_antispoof_lifted",
                        "trust", "rss_query", "link_state", "max_tx_rate"}) {
    CHECK(j["admin"].contains(k));
  }
  for (const char* k :
       {"clear_to_send", "api", "xcast", "max_frame", "mc_hashes", "macvlans", "vlans", "queues"}) {
    CHECK(j["negotiated"].contains(k));
  }
  CHECK(j["negotiated"]["queues"]["first"] == 4);  // 2 VFs: 4 queues per pool
  CHECK(j["negotiated"]["clear_to_send"] == true);
  CHECK(j["last_reset"]["kind"] == "vf_reset");
  for (const char* k : {"messages", "acks", "nacks", "resets", "flrs", "ignored", "pings"}) {
    CHECK(j["mailbox"].contains(k));
  }
  for (const char* k :
       {"rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "rx_dropped", "tx_dropped"}) {
    CHECK(j["stats"].contains(k));
  }
  CHECK(j["guest"]["state"] == "up");
  CHECK(j["guest"]["link_up"] == true);
  CHECK(j["guest"]["ip"] == "10.0.0.2");
  CHECK(j["guest"]["mac"] == d->host().guest(1).driver().mac().to_string());

  const Answer none = ask(*d, c, {{"op", "vf_show"}, {"vf", 2}});
  CHECK(none.ack.error == -EINVAL);
  const Answer bad = ask(*d, c, {{"op", "vf_show"}, {"vf", "one"}});
  CHECK(bad.ack.error == -EINVAL);
  CHECK(bad.ack.message.find("field 'vf'") != std::string::npos);
  const Answer unknown = ask(*d, c, {{"op", "reboot"}});
  CHECK(unknown.ack.error == -EINVAL);
  CHECK(unknown.ack.message.find("unknown op 'reboot'") != std::string::npos);
}

TEST_CASE("guest_mac under an admin MAC is refused without trust and accepted with it") {
  auto d = make_daemon(2, "guestmac");
  FakeConnection c;
  DaemonLoop t(*d, c);
  rtnl::VfChange admin = vf_change(0);
  admin.mac = hal::MacAddr({0x02, 0xbb, 0, 0, 0, 0x01});
  REQUIRE(rtnl::set_vf(t, rtnl::LinkRef{std::string("sim0")}, std::span(&admin, 1)).has_value());

  const json req = {{"op", "guest_mac"}, {"vf", 0}, {"mac", "02:cc:00:00:00:07"}};
  const Answer no = ask(*d, c, req);
  REQUIRE_FALSE(no.is_reply);
  CHECK(no.ack.error == -EPERM);
  INFO(no.ack.message);
  CHECK(no.ack.message.find("guest_mac vf 0:") != std::string::npos);
  CHECK(no.ack.message.find("MAC") != std::string::npos);  // the PF's own words

  rtnl::VfChange trust = vf_change(0);
  trust.trust = true;
  REQUIRE(rtnl::set_vf(t, rtnl::LinkRef{std::string("sim0")}, std::span(&trust, 1)).has_value());
  auto& g = d->host().guest(0);
  REQUIRE(poll_until(
      *d, [&] { return g.is_up() && d->host().pf().vf_info(hal::VfId{0}).clear_to_send; }));
  const Answer yes = ask(*d, c, req);
  CHECK(yes.ack.error == 0);
  CHECK(g.driver().mac() == *hal::MacAddr::parse("02:cc:00:00:00:07"));

  CHECK(ask(*d, c, {{"op", "guest_mac"}, {"vf", 0}, {"mac", "nonsense"}}).ack.error == -EINVAL);
  CHECK(ask(*d, c, {{"op", "guest_mac"}, {"vf", 9}, {"mac", "02:cc:00:00:00:08"}}).ack.error ==
        -EINVAL);
}

TEST_CASE("events are listed with codes and reasons and written to the log file") {
  auto d = make_daemon(1, "events");
  FakeConnection c;
  (void)ask(*d, c, {{"op", "numvfs"}, {"numvfs", 5}});  // EBUSY: a refused request
  const Answer a = ask(*d, c, {{"op", "events"}});
  REQUIRE(a.is_reply);
  const json& ev = a.body["events"];
  REQUIRE(ev.is_array());
  REQUIRE(ev.size() >= 3);
  CHECK(ev[0]["seq"] == 0);
  CHECK(ev[0]["code"] == 1);  // pf-init: the PF's own code
  bool started = false, refused = false;
  for (const json& e : ev) {
    CHECK(e.contains("wall"));
    CHECK(e.contains("time_ns"));
    if (e["code"] == 100) started = true;
    if (e["code"] == 104) {
      refused = true;
      CHECK(e["name"] == "control-refused");
      CHECK(e["reason"].get<std::string>().find("EBUSY") != std::string::npos);
    }
  }
  CHECK(started);
  CHECK(refused);
  CHECK(a.body["next"] == ev.size());
  CHECK(a.body["dropped"] == 0);

  const Answer later = ask(*d, c, {{"op", "events"}, {"since", a.body["next"]}, {"max", 10}});
  CHECK(later.body["events"].empty());
  const Answer two = ask(*d, c, {{"op", "events"}, {"since", 1}, {"max", 2}});
  CHECK(two.body["events"].size() == 2);
  CHECK(two.body["next"] == 3);

  std::ifstream log(d->options().event_log);
  std::stringstream text;
  text << log.rdbuf();
  CHECK(text.str().find("seq=0 vf=- code=1 pf-init: ") != std::string::npos);
  CHECK(text.str().find("code=104 control-refused: request (EBUSY): numvfs 5") !=
        std::string::npos);
  CHECK(text.str().find("Z seq=") != std::string::npos);
}

TEST_CASE("The telemetry providers: VFs in columns, the newest events, null for no VF") {
  auto d = make_daemon(63, "providers");
  const json vfs = d->vfs_json();
  CHECK(vfs["vf"].size() == 63);
  CHECK(vfs["mac"].size() == 63);
  CHECK(vfs["mac"][5] == d->host().pf().vf_info(hal::VfId{5}).mac.to_string());
  CHECK(vfs["guest_up"][62] == true);
  CHECK(d->vf_json(62)["vf"] == 62);
  CHECK(d->vf_json(63).is_null());
  const json recent = d->recent_events_json(4);
  REQUIRE(recent["events"].size() == 4);
  CHECK(recent["events"][3]["seq"] == d->journal().total() - 1);
  CHECK(d->info_json()["num_vfs"] == 63);
}
