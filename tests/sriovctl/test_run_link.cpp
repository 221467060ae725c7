// link show and link set run against fake PFs: what goes on the wire, what is printed, and
// how a refusal is undone on a PF that applies settings in order (the kernel).

#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "sample_pf.hpp"
#include "sriovctl/args.hpp"
#include "sriovctl/run.hpp"
#include "test_env.hpp"

using namespace sriovctl;
using sctest::FakePf;
using sctest::lines_of;
using sctest::Refusal;
using sctest::TestEnv;

namespace {

hal::MacAddr mac(std::string_view s) { return *hal::MacAddr::parse(s); }

}  // namespace

TEST_CASE("link show dev sim:NAME prints the daemon's PF under sim:NAME", "[sriovctl][run]") {
  FakePf d(sctest::sample_pf("pf0", 9, 3), false);
  TestEnv te;
  te.daemons["pf0"] = &d;
  CHECK(run_line(te, {"link", "show", "dev", "sim:pf0"}) == kExitOk);
  const auto lines = lines_of(te.out.str());
  REQUIRE(lines.size() == 5);
  CHECK(lines[0].starts_with("9: sim:pf0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500"));
  CHECK(lines[4].starts_with("    vf 2     link/ether 02:00:00:00:02:01"));
  CHECK(te.err.str().empty());
}

TEST_CASE("link show without dev lists kernel links, then daemons, noting stale ones",
          "[sriovctl][run]") {
  FakePf k(sctest::sample_pf("eth0", 2, 1), true);
  FakePf d(sctest::sample_pf("pf0", 1, 1), false);
  TestEnv te;
  te.kernel = &k;
  te.daemons["pf0"] = &d;
  te.stale = {"old"};
  CHECK(run_line(te, {"-j", "link", "show"}) == kExitOk);
  const auto j = nlohmann::json::parse(te.out.str());
  REQUIRE(j.size() == 2);
  CHECK(j[0]["ifname"] == "eth0");
  CHECK(j[1]["ifname"] == "sim:pf0");
  CHECK(j[1]["vfinfo_list"].size() == 1);
  CHECK(lines_of(te.err.str()) ==
        std::vector<std::string>{"sriovctl: sim:old: skipped: daemon old is not running (stale "
                                 "socket): ECONNREFUSED (Connection refused)"});
}

TEST_CASE("A bare name is the kernel link first, then the daemon, else no such device",
          "[sriovctl][run]") {
  FakePf k(sctest::sample_pf("pf0", 2, 0), true);
  FakePf d(sctest::sample_pf("pf0", 5, 0), false);
  TestEnv te;
  te.kernel = &k;
  te.daemons["pf0"] = &d;
  CHECK(run_line(te, {"link", "show", "pf0"}) == kExitOk);
  CHECK(te.out.str().starts_with("2: pf0: "));
  te.kernel = nullptr;
  te.out.str("");
  CHECK(run_line(te, {"link", "show", "pf0"}) == kExitOk);
  CHECK(te.out.str().starts_with("5: sim:pf0: "));
  CHECK(run_line(te, {"link", "show", "nope"}) == kExitFailed);
  CHECK(te.err.str() ==
        "sriovctl: no such device: nope (no kernel link of that name, no sriov-sim daemon named "
        "nope)\n");
}

TEST_CASE("link set sends one RTM_SETLINK carrying every group", "[sriovctl][run]") {
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  TestEnv te;
  te.daemons["pf0"] = &d;
  CHECK(run_line(te, {"link",        "set",     "dev",         "sim:pf0",
                      "vf",          "3",       "mac",         "02:00:00:00:33:01",
                      "vlan",        "7",       "qos",         "3",
                      "proto",       "802.1ad", "vf",          "1",
                      "trust",       "on",      "spoofchk",    "off",
                      "state",       "disable", "query_rss",   "on",
                      "vf",          "2",       "max_tx_rate", "500",
                      "min_tx_rate", "50"}) == kExitOk);
  CHECK(te.err.str().empty());
  REQUIRE(d.setlinks.size() == 1);
  const rtnl::SetLinkVfRequest& req = d.setlinks[0];
  CHECK(std::get<std::string>(req.link) == "pf0");
  REQUIRE(req.changes.size() == 3);
  CHECK(req.changes[0].vf == rtnl::VfIndex(3));
  CHECK(req.changes[0].mac == mac("02:00:00:00:33:01"));
  CHECK(req.changes[0].vlan == rtnl::VfVlan{7, 3, rtnl::VlanProto::k8021AD});
  CHECK(req.changes[1].trust == true);
  CHECK(req.changes[1].spoofchk == false);
  CHECK(req.changes[1].link_state == rtnl::VfLinkState::kDisable);
  CHECK(req.changes[1].query_rss == true);
  CHECK(req.changes[2].max_tx_rate == 500u);
  CHECK(req.changes[2].min_tx_rate == 50u);
  CHECK(d.link.vfs[3].mac == mac("02:00:00:00:33:01"));
}

TEST_CASE("A lone max rate keeps the VF's min rate", "[sriovctl][run]") {
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  TestEnv te;
  te.daemons["pf0"] = &d;
  CHECK(run_line(te, {"link", "set", "dev", "sim:pf0", "vf", "3", "rate", "900"}) == kExitOk);
  REQUIRE(d.setlinks.size() == 1);
  CHECK(d.setlinks[0].changes[0].max_tx_rate == 900u);
  CHECK(d.setlinks[0].changes[0].min_tx_rate == 30u);  // VF 3's, read first
}

TEST_CASE("A refusal prints the PF's reason and errno on one line", "[sriovctl][run]") {
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  d.refuse = [](uint32_t vf, std::string_view s) -> std::optional<Refusal> {
    // As a daemon words it (setlink_apply): the VF and the setting first.
    if (vf == 2 && s == "trust")
      return Refusal{EPERM, "vf 2 trust: VF 2 is not allowed to be trusted"};
    return std::nullopt;
  };
  TestEnv te;
  te.daemons["pf0"] = &d;
  CHECK(run_line(te, {"link", "set", "dev", "sim:pf0", "vf", "2", "trust", "on"}) == kExitFailed);
  CHECK(te.err.str() ==
        "sriovctl: sim:pf0: vf 2 trust: VF 2 is not allowed to be trusted (EPERM)\n");
  CHECK(te.out.str().empty());
}

TEST_CASE("A daemon's all-or-nothing refusal of several settings is not rolled back",
          "[sriovctl][run]") {
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  const rtnl::LinkInfo before = d.link;
  d.refuse = [](uint32_t vf, std::string_view s) -> std::optional<Refusal> {
    if (vf == 1 && s == "vlan") return Refusal{EINVAL, "vf 1: vlan 5 is in use"};
    return std::nullopt;
  };
  TestEnv te;
  te.daemons["pf0"] = &d;
  CHECK(run_line(te, {"link", "set", "dev", "sim:pf0", "vf", "0", "mac", "02:00:00:00:77:01", "vf",
                      "1", "vlan", "5"}) == kExitFailed);
  CHECK(te.err.str() == "sriovctl: sim:pf0: vf 1: vlan 5 is in use (EINVAL)\n");
  CHECK(d.setlinks.size() == 1);  // no second SETLINK: the daemon changed nothing
  CHECK(d.link == before);
}

TEST_CASE("A kernel refusing the second setting gets a SETLINK restoring the first",
          "[sriovctl][run]") {
  FakePf k(sctest::sample_pf("pf0", 4, 4), true);
  const rtnl::LinkInfo before = k.link;
  k.refuse = [](uint32_t vf, std::string_view s) -> std::optional<Refusal> {
    if (vf == 2 && s == "vlan") return Refusal{EOPNOTSUPP, ""};
    return std::nullopt;
  };
  TestEnv te;
  te.kernel = &k;
  CHECK(run_line(te, {"link", "set", "dev", "pf0", "vf", "2", "mac", "02:00:00:00:22:22", "vlan",
                      "9", "trust", "on"}) == kExitFailed);
  CHECK(te.err.str() ==
        "sriovctl: pf0: vf 2 vlan: Operation not supported (EOPNOTSUPP)\n"
        "sriovctl: pf0: undid vf 2 mac (applied before the refusal)\n");
  REQUIRE(k.setlinks.size() == 2);
  const rtnl::SetLinkVfRequest& undo = k.setlinks[1];
  REQUIRE(undo.changes.size() == 1);
  rtnl::VfChange want;
  want.vf = rtnl::VfIndex(2);
  want.mac = before.vfs[2].mac;  // the MAC went through before the refusal: put it back
  CHECK(undo.changes[0] == want);
  CHECK(k.link == before);
}

TEST_CASE("A kernel refusal in a later VF undoes the earlier VFs' changes", "[sriovctl][run]") {
  FakePf k(sctest::sample_pf("pf0", 4, 4), true);
  const rtnl::LinkInfo before = k.link;
  k.refuse = [](uint32_t vf, std::string_view s) -> std::optional<Refusal> {
    if (vf == 3 && s == "spoofchk") return Refusal{EINVAL, "spoof checking is locked"};
    return std::nullopt;
  };
  TestEnv te;
  te.kernel = &k;
  CHECK(run_line(te, {"link", "set", "dev", "pf0", "vf", "1", "max_tx_rate", "777", "state", "auto",
                      "vf", "3", "spoofchk", "on"}) == kExitFailed);
  CHECK(te.err.str() ==
        "sriovctl: pf0: vf 3 spoofchk: spoof checking is locked (EINVAL)\n"
        "sriovctl: pf0: undid vf 1 max_tx_rate, vf 1 state (applied before the refusal)\n");
  REQUIRE(k.setlinks.size() == 2);
  REQUIRE(k.setlinks[1].changes.size() == 1);
  const rtnl::VfChange& undo = k.setlinks[1].changes[0];
  CHECK(undo.vf == rtnl::VfIndex(1));
  CHECK(undo.max_tx_rate == before.vfs[1].max_tx_rate);
  CHECK(undo.min_tx_rate == before.vfs[1].min_tx_rate);
  CHECK(undo.link_state == before.vfs[1].link_state);
  CHECK(k.link == before);
}

TEST_CASE("A kernel refusal of the first setting sends no undo", "[sriovctl][run]") {
  FakePf k(sctest::sample_pf("pf0", 4, 2), true);
  k.refuse = [](uint32_t, std::string_view s) -> std::optional<Refusal> {
    if (s == "mac") return Refusal{EADDRNOTAVAIL, ""};
    return std::nullopt;
  };
  TestEnv te;
  te.kernel = &k;
  CHECK(run_line(te, {"link", "set", "dev", "pf0", "vf", "0", "mac", "02:00:00:00:22:22", "trust",
                      "off"}) == kExitFailed);
  CHECK(te.err.str() ==
        "sriovctl: pf0: vf 0 mac: Cannot assign requested address (EADDRNOTAVAIL)\n");
  CHECK(k.setlinks.size() == 1);
}

TEST_CASE("A daemon that is not there is one clear line, exit 1", "[sriovctl][run]") {
  TestEnv te;
  CHECK(run_line(te, {"link", "set", "dev", "sim:ghost", "vf", "0", "trust", "on"}) == kExitFailed);
  CHECK(te.err.str() ==
        "sriovctl: sim:ghost: no sriov-sim daemon named ghost: ENOENT (No such "
        "file or directory)\n");
}

TEST_CASE("A kernel refusing the whole request names no setting, and EPERM says to be root",
          "[sriovctl][run]") {
  // Without CAP_NET_ADMIN the kernel refuses before any VF attribute is looked at: nothing
  // changes, and the first setting is no more to blame than the others.
  FakePf k(sctest::sample_pf("pf0", 4, 2), true);
  const rtnl::LinkInfo before = k.link;
  k.refuse = [](uint32_t, std::string_view) -> std::optional<Refusal> {
    return Refusal{EPERM, ""};
  };
  TestEnv te;
  te.kernel = &k;
  CHECK(run_line(te, {"link", "set", "dev", "pf0", "vf", "0", "mac", "02:00:00:00:22:22", "trust",
                      "off"}) == kExitFailed);
  CHECK(te.err.str() ==
        "sriovctl: pf0: Operation not permitted (EPERM); needs CAP_NET_ADMIN: run as root\n");
  CHECK(k.setlinks.size() == 1);  // nothing to undo
  CHECK(k.link == before);
}

TEST_CASE("A lone setting refused with a request-level errno is not named either",
          "[sriovctl][run]") {
  for (const auto& [err, text] : {std::pair{EOPNOTSUPP, "Operation not supported (EOPNOTSUPP)"},
                                  std::pair{ENODEV, "No such device (ENODEV)"},
                                  std::pair{EACCES, "Permission denied (EACCES)"}}) {
    INFO("errno " << err);
    FakePf k(sctest::sample_pf("pf0", 4, 2), true);
    k.refuse = [e = err](uint32_t, std::string_view) -> std::optional<Refusal> {
      return Refusal{e, ""};
    };
    TestEnv te;
    te.kernel = &k;
    CHECK(run_line(te, {"link", "set", "dev", "pf0", "vf", "1", "trust", "on"}) == kExitFailed);
    CHECK(te.err.str() == fmt::format("sriovctl: pf0: {}\n", text));
  }
}

TEST_CASE("EPERM after part of the request was applied still names the setting",
          "[sriovctl][run]") {
  // Something changed, so this is a driver refusing one setting, not a missing capability.
  FakePf k(sctest::sample_pf("pf0", 4, 2), true);
  k.refuse = [](uint32_t, std::string_view s) -> std::optional<Refusal> {
    if (s == "trust") return Refusal{EPERM, "VF is not allowed to be trusted"};
    return std::nullopt;
  };
  TestEnv te;
  te.kernel = &k;
  CHECK(run_line(te, {"link", "set", "dev", "pf0", "vf", "1", "mac", "02:00:00:00:22:22", "trust",
                      "on"}) == kExitFailed);
  CHECK(
      lines_of(te.err.str()) ==
      std::vector<std::string>{"sriovctl: pf0: vf 1 trust: VF is not allowed to be trusted (EPERM)",
                               "sriovctl: pf0: undid vf 1 mac (applied before the refusal)"});
}

TEST_CASE("An undo the kernel refuses too is a second line after the refusal's, exit 1",
          "[sriovctl][run]") {
  FakePf k(sctest::sample_pf("pf0", 4, 4), true);
  int setlinks = 0;
  k.refuse = [&setlinks](uint32_t vf, std::string_view s) -> std::optional<Refusal> {
    // The first SETLINK: MAC goes through, VLAN is refused. The second (the undo): refused.
    if (vf == 2 && s == "vlan") return Refusal{EINVAL, "vlan refused"};
    if (vf == 2 && s == "mac" && ++setlinks == 2) return Refusal{EBUSY, "VF is resetting"};
    return std::nullopt;
  };
  TestEnv te;
  te.kernel = &k;
  CHECK(run_line(te, {"link", "set", "dev", "pf0", "vf", "2", "mac", "02:00:00:00:22:22", "vlan",
                      "9"}) == kExitFailed);
  CHECK(lines_of(te.err.str()) ==
        std::vector<std::string>{"sriovctl: pf0: vf 2 vlan: vlan refused (EINVAL)",
                                 "sriovctl: pf0: could not undo vf 2 mac (applied before the "
                                 "refusal): VF is resetting (EBUSY)"});
  CHECK(k.setlinks.size() == 2);
}
