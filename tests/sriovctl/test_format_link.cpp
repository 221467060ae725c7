// link show's output: ip's text lines, ip -s's counter rows, ip -j's JSON, for PFs from one VF
// to 63.

#include <linux/if.h>
#include <linux/if_arp.h>

#include <catch2/catch.hpp>

#include "sample_pf.hpp"
#include "sriovctl/format_link.hpp"
#include "test_env.hpp"

using namespace sriovctl;
using sctest::lines_of;

TEST_CASE("Flags print in ip's order, NO-CARRIER for up without carrier", "[sriovctl][format]") {
  CHECK(flag_names(IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP) ==
        std::vector<std::string>{"LOOPBACK", "UP", "LOWER_UP"});
  CHECK(flag_names(IFF_UP | IFF_BROADCAST | IFF_MULTICAST) ==
        std::vector<std::string>{"NO-CARRIER", "BROADCAST", "MULTICAST", "UP"});
  CHECK(flag_names(0).empty());
}

TEST_CASE("A PF and its VFs print as ip link show does", "[sriovctl][format]") {
  const rtnl::LinkInfo pf = sctest::sample_pf("pf0", 7, 5);
  const auto lines = lines_of(format_link_text(pf, "sim:pf0", false));
  REQUIRE(lines.size() == 7);
  CHECK(lines[0] == "7: sim:pf0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP");
  CHECK(lines[1] == "    link/ether 02:00:00:00:aa:07 brd ff:ff:ff:ff:ff:ff");
  CHECK(lines[2] ==
        "    vf 0     link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff, spoof checking on, "
        "link-state auto, trust on, query_rss on");
  CHECK(lines[3] ==
        "    vf 1     link/ether 02:00:00:00:01:01 brd ff:ff:ff:ff:ff:ff, vlan 101, qos 1, vlan "
        "protocol 802.1ad, tx rate 100 (Mbps), max_tx_rate 100Mbps, min_tx_rate 10Mbps, "
        "spoof checking off, link-state enable, trust off, query_rss off");
  CHECK(lines[4] ==
        "    vf 2     link/ether 02:00:00:00:02:01 brd ff:ff:ff:ff:ff:ff, vlan 102, qos 2, "
        "tx rate 200 (Mbps), max_tx_rate 200Mbps, min_tx_rate 20Mbps, spoof checking on, "
        "link-state disable, trust off, query_rss off");
  // A PF that does not report spoofchk, trust or RSS query leaves them out, as ip does.
  CHECK(lines[6] ==
        "    vf 4     link/ether 02:00:00:00:04:01 brd ff:ff:ff:ff:ff:ff, vlan 104, qos 4, "
        "tx rate 400 (Mbps), max_tx_rate 400Mbps, min_tx_rate 40Mbps, link-state enable");
}

TEST_CASE("With -s each VF gets its RX and TX rows", "[sriovctl][format]") {
  const rtnl::LinkInfo pf = sctest::sample_pf("pf0", 7, 2);
  const auto lines = lines_of(format_link_text(pf, "pf0", true));
  REQUIRE(lines.size() == 2 + 2 * 5);
  CHECK(lines[3] == "    RX: bytes  packets  mcast   bcast   dropped");
  CHECK(lines[4] == "    1000       10       40      30      50");
  CHECK(lines[5] == "    TX: bytes  packets   dropped");
  CHECK(lines[6] == "    2000       20       60");
  CHECK(lines[11] == "    2001       21       61");
}

TEST_CASE("The loopback prints its own link type and no VF lines", "[sriovctl][format]") {
  rtnl::LinkInfo lo;
  lo.ifindex = rtnl::IfIndex(1);
  lo.name = "lo";
  lo.type = ARPHRD_LOOPBACK;
  lo.flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP;
  lo.mtu = 65536;
  lo.address = std::vector<uint8_t>(6, 0);
  CHECK(format_link_text(lo, "lo", true) ==
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 state UNKNOWN\n"
        "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n");
}

TEST_CASE("A 63-VF PF prints every VF in text and JSON with ip's keys", "[sriovctl][format]") {
  const rtnl::LinkInfo pf = sctest::sample_pf("pf0", 3, 63);
  const auto lines = lines_of(format_link_text(pf, "pf0", true));
  CHECK(lines.size() == 2 + 63 * 5);
  CHECK(lines[2 + 62 * 5].starts_with("    vf 62     link/ether 02:00:00:00:3e:01"));

  // Printed and parsed back, as a script reading `sriovctl -j -s link show` would.
  const auto j = nlohmann::json::parse(link_to_json(pf, "pf0", true).dump());
  CHECK(j["ifindex"] == 3);
  CHECK(j["ifname"] == "pf0");
  CHECK(j["flags"] == nlohmann::json::array({"BROADCAST", "MULTICAST", "UP", "LOWER_UP"}));
  CHECK(j["mtu"] == 1500);
  CHECK(j["operstate"] == "UP");
  CHECK(j["link_type"] == "ether");
  CHECK(j["address"] == "02:00:00:00:aa:03");
  CHECK(j["broadcast"] == "ff:ff:ff:ff:ff:ff");
  const auto& vfs = j["vfinfo_list"];
  REQUIRE(vfs.size() == 63);
  for (unsigned i = 0; i < 63; ++i) {
    INFO("vf " << i);
    const auto& v = vfs[i];
    CHECK(v["vf"] == i);
    CHECK(v["address"] == fmt::format("02:00:00:00:{:02x}:01", i));
    CHECK(v["rate"]["max_tx"] == i * 100);
    // ip's "tx_rate" (IFLA_VF_TX_RATE, the max rate), left out when 0.
    CHECK(v.contains("tx_rate") == (i != 0));
    CHECK(v.value("tx_rate", 0u) == i * 100);
    CHECK(v["rate"]["min_tx"] == i * 10);
    CHECK(v["link_state"] == std::string(rtnl::to_string(static_cast<rtnl::VfLinkState>(i % 3))));
    CHECK(v.contains("spoofchk") == (i % 5 != 4));
    CHECK(v.contains("trust") == (i % 5 != 4));
    CHECK(v.contains("query_rss_en") == (i % 5 != 4));
    CHECK(v["stats"]["rx"]["bytes"] == 1000 + i);
    CHECK(v["stats"]["rx"]["multicast"] == 40 + i);
    CHECK(v["stats"]["rx"]["dropped"] == 50 + i);
    CHECK(v["stats"]["tx"]["tx_bytes"] == 2000 + i);
    CHECK(v["stats"]["tx"]["tx_packets"] == 20 + i);
    CHECK(v["stats"]["tx"]["dropped"] == 60 + i);
  }
  CHECK(vfs[0]["vlan_list"] == nlohmann::json::parse("[{}]"));
  CHECK(vfs[1]["vlan_list"] ==
        nlohmann::json::parse(R"([{"vlan":101,"qos":1,"protocol":"802.1ad"}])"));
  CHECK(vfs[2]["vlan_list"] == nlohmann::json::parse(R"([{"vlan":102,"qos":2}])"));
  CHECK(vfs[0]["spoofchk"] == true);
  CHECK(vfs[1]["trust"] == false);
}

TEST_CASE("JSON without -s has no stats", "[sriovctl][format]") {
  const auto j = link_to_json(sctest::sample_pf("pf0", 3, 2), "pf0", false);
  CHECK_FALSE(j["vfinfo_list"][0].contains("stats"));
}
