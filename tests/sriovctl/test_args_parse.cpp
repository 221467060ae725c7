// Well-formed command lines parse to exactly the Command they say.

#include <catch2/catch.hpp>

#include "sriovctl/args.hpp"

using namespace sriovctl;

namespace {

Command parse(std::vector<std::string> args) {
  auto c = parse_args(args);
  INFO((c ? std::string() : c.error().to_line()));
  REQUIRE(c.has_value());
  return *c;
}

hal::MacAddr mac(std::string_view s) { return *hal::MacAddr::parse(s); }

}  // namespace

TEST_CASE("link show with and without a device and with global options", "[sriovctl][args]") {
  CHECK(parse({"link", "show"}) == Command{{}, LinkShowCmd{}});
  CHECK(parse({"link"}) == Command{{}, LinkShowCmd{}});
  CHECK(parse({"link", "show", "dev", "eth0"}) == Command{{}, LinkShowCmd{"eth0"}});
  CHECK(parse({"link", "show", "sim:pf0"}) == Command{{}, LinkShowCmd{"sim:pf0"}});
  CHECK(parse({"-j", "-s", "-p", "link", "show"}) ==
        Command{{.json = true, .stats = true, .pretty = true}, LinkShowCmd{}});
  CHECK(parse({"-json", "-stats", "link", "show"}).options ==
        GlobalOptions{.json = true, .stats = true, .pretty = false});
}

TEST_CASE("link set with several vf groups and every setting", "[sriovctl][args]") {
  const Command c = parse({"link",        "set",     "dev",         "sim:pf0",
                           "vf",          "0",       "mac",         "02:AA:bb:cc:dd:01",
                           "vlan",        "100",     "qos",         "5",
                           "proto",       "802.1ad", "max_tx_rate", "1000",
                           "min_tx_rate", "10",      "spoofchk",    "off",
                           "trust",       "on",      "state",       "disable",
                           "query_rss",   "on",      "vf",          "7",
                           "rate",        "300",     "vlan",        "4095",
                           "state",       "enable",  "vf",          "254",
                           "vlan",        "0",       "proto",       "802.1Q",
                           "qos",         "7",       "state",       "auto",
                           "spoofchk",    "on",      "trust",       "off",
                           "query_rss",   "off"});
  const auto& set = std::get<LinkSetCmd>(c.action);
  CHECK(set.dev == "sim:pf0");
  REQUIRE(set.changes.size() == 3);

  rtnl::VfChange v0;
  v0.vf = rtnl::VfIndex(0);
  v0.mac = mac("02:aa:bb:cc:dd:01");
  v0.vlan = rtnl::VfVlan{100, 5, rtnl::VlanProto::k8021AD};
  v0.max_tx_rate = 1000;
  v0.min_tx_rate = 10;
  v0.spoofchk = false;
  v0.trust = true;
  v0.link_state = rtnl::VfLinkState::kDisable;
  v0.query_rss = true;
  CHECK(set.changes[0] == v0);

  rtnl::VfChange v7;
  v7.vf = rtnl::VfIndex(7);
  v7.max_tx_rate = 300;  // `rate` is the old single maximum
  v7.vlan = rtnl::VfVlan{4095, 0, rtnl::VlanProto::k8021Q};
  v7.link_state = rtnl::VfLinkState::kEnable;
  CHECK(set.changes[1] == v7);

  rtnl::VfChange v254;
  v254.vf = rtnl::VfIndex(254);
  v254.vlan = rtnl::VfVlan{0, 7, rtnl::VlanProto::k8021Q};
  v254.link_state = rtnl::VfLinkState::kAuto;
  v254.spoofchk = true;
  v254.trust = false;
  v254.query_rss = false;
  CHECK(set.changes[2] == v254);
}

TEST_CASE("link set without the dev keyword, as ip allows", "[sriovctl][args]") {
  const Command c = parse({"link", "set", "eth0", "vf", "1", "trust", "on"});
  CHECK(std::get<LinkSetCmd>(c.action).dev == "eth0");
}

TEST_CASE("numvfs, vf show, events, capture and guest", "[sriovctl][args]") {
  CHECK(parse({"dev", "eth0", "numvfs", "0"}) == Command{{}, NumVfsCmd{"eth0", 0}});
  CHECK(parse({"dev", "sim:a", "numvfs", "255"}) == Command{{}, NumVfsCmd{"sim:a", 255}});
  // Past the 82599's 63 and past 255 (ice has 256 VFs): the PF, not the grammar, says no.
  CHECK(parse({"dev", "sim:a", "numvfs", "256"}) == Command{{}, NumVfsCmd{"sim:a", 256}});
  CHECK(parse({"dev", "sim:a", "numvfs", "65535"}) == Command{{}, NumVfsCmd{"sim:a", 65535}});
  CHECK(parse({"-j", "vf", "show", "dev", "sim:a", "vf", "3"}) ==
        Command{{.json = true}, VfShowCmd{"sim:a", rtnl::VfIndex(3)}});
  CHECK(parse({"vf", "show", "dev", "sim:a", "vf", "65534"}) ==
        Command{{}, VfShowCmd{"sim:a", rtnl::VfIndex(65534)}});
  CHECK(parse({"events"}) == Command{{}, EventsCmd{}});
  CHECK(parse({"events", "-f", "dev", "sim:a"}) == Command{{}, EventsCmd{"sim:a", true}});
  CHECK(parse({"-j", "events", "dev", "sim:a"}) ==
        Command{{.json = true}, EventsCmd{"sim:a", false}});

  CaptureCmd vf;
  vf.dev = "sim:a";
  vf.point = CapturePoint::kVf;
  vf.vf = rtnl::VfIndex(3);
  vf.file = "-";
  vf.count = 10;
  vf.snaplen = 128;
  CHECK(parse({"capture", "dev", "sim:a", "-c", "10", "vf", "3", "-s", "128", "-w", "-"}) ==
        Command{{}, vf});
  CaptureCmd wire;
  wire.dev = "a";
  wire.point = CapturePoint::kWire;
  wire.file = "out.pcapng";
  wire.snaplen = kDefaultSnaplen;
  CHECK(parse({"capture", "dev", "a", "wire", "-w", "out.pcapng"}) == Command{{}, wire});

  CHECK(parse({"guest", "dev", "sim:a", "vf", "2", "mac", "02:00:00:00:00:09"}) ==
        Command{{}, GuestMacCmd{"sim:a", rtnl::VfIndex(2), mac("02:00:00:00:00:09")}});
}

TEST_CASE("help and version in every spelling", "[sriovctl][args]") {
  for (const char* h : {"help", "-h", "--help", "-help"}) {
    CHECK(std::holds_alternative<HelpCmd>(parse({h}).action));
  }
  for (const char* v : {"-V", "--version"}) {
    CHECK(std::holds_alternative<VersionCmd>(parse({v}).action));
  }
}
