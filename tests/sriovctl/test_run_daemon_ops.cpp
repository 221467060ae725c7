// The commands only a daemon answers (vf show, events, guest, capture) against a scripted
// daemon, and what each says for a kernel PF.

#include <fmt/format.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <span>

#include "pcapng_reader.hpp"
#include "sample_pf.hpp"
#include "sriovctl/args.hpp"
#include "sriovctl/pcapng_writer.hpp"
#include "sriovctl/run.hpp"
#include "test_env.hpp"

using namespace sriovctl;
using sctest::FakePf;
using sctest::lines_of;
using sctest::TestEnv;

namespace {


nlohmann::json event(uint64_t seq, nlohmann::json vf, const char* name, const char* reason) {
  return {{"seq", seq},
          {"time_ns", 1000 + seq},
          {"wall", "2024-05-01T10:00:0" + std::to_string(seq) + "Z"},
          {"vf", vf},
          {"code", 100 + seq},
          {"name", name},
          {"reason", reason}};
}

// A daemon whose log holds `log`; "since" and "max" are honoured.
void serve_events(FakePf& d, const std::vector<nlohmann::json>& log) {
  d.on_request = [&log](const nlohmann::json& j, const nlmsghdr& h) {
    const uint64_t since = j.value("since", uint64_t{0});
    nlohmann::json evs = nlohmann::json::array();
    for (const auto& e : log) {
      if (e["seq"].get<uint64_t>() >= since) evs.push_back(e);
    }
    const uint64_t next = log.empty() ? since : log.back()["seq"].get<uint64_t>() + 1;
    return std::vector<sctest::Datagram>{
        sctest::reply(h, {{"events", evs}, {"next", std::max(next, since)}, {"dropped", 0}})};
  };
}

}  // namespace

TEST_CASE("vf show prints a daemon's reply readably, and as JSON with -j",
          "[sriovctl][daemon_ops]") {
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  const nlohmann::json detail = {
      {"vf", 2},
      {"admin", {{"mac", "02:00:00:00:02:01"}, {"vlan", 0}, {"trust", false}}},
      {"negotiated", {{"api", "1.4"}, {"queues", {{"first", 4}, {"rx", 2}, {"tx", 2}}}}},
      {"last_reset", {{"kind", "flr"}, {"seq", 7}}},
      {"guest", {{"state", "running"}, {"mac", nullptr}}}};
  d.on_request = [&](const nlohmann::json& j, const nlmsghdr& h) {
    if (j["vf"] == 2) return std::vector<sctest::Datagram>{sctest::reply(h, detail)};
    return std::vector<sctest::Datagram>{sctest::ack(h, -EINVAL, "VF 9 does not exist (4 VFs)")};
  };
  TestEnv te;
  te.daemons["pf0"] = &d;
  CHECK(run_line(te, {"vf", "show", "dev", "sim:pf0", "vf", "2"}) == kExitOk);
  const auto lines = lines_of(te.out.str());
  CHECK(lines[0] == "sim:pf0 vf 2");
  CHECK(lines[1] == "  admin:");
  CHECK(std::find(lines.begin(), lines.end(), "    mac: 02:00:00:00:02:01") != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "      first: 4") != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "    mac: -") != lines.end());
  CHECK(d.json_requests.back() == nlohmann::json{{"op", "vf_show"}, {"vf", 2}});

  te.out.str("");
  CHECK(run_line(te, {"-j", "vf", "show", "dev", "sim:pf0", "vf", "2"}) == kExitOk);
  CHECK(nlohmann::json::parse(te.out.str()) == detail);

  CHECK(run_line(te, {"vf", "show", "dev", "sim:pf0", "vf", "9"}) == kExitFailed);
  CHECK(te.err.str() == "sriovctl: sim:pf0: vf 9: VF 9 does not exist (4 VFs) (EINVAL)\n");
}

TEST_CASE("vf show on a kernel PF prints what rtnetlink reports and says what is missing",
          "[sriovctl][daemon_ops]") {
  FakePf k(sctest::sample_pf("eth1", 3, 2), true);
  TestEnv te;
  te.kernel = &k;
  CHECK(run_line(te, {"vf", "show", "dev", "eth1", "vf", "1"}) == kExitOk);
  const auto lines = lines_of(te.out.str());
  REQUIRE(lines.size() == 7);
  CHECK(lines[0] == "eth1 vf 1");
  CHECK(lines[1].starts_with("    vf 1     link/ether 02:00:00:00:01:01"));
  CHECK(lines[2] == "    RX: bytes  packets  mcast   bcast   dropped");
  CHECK(lines[6].find("PF driver's debug interfaces") != std::string::npos);
  CHECK(run_line(te, {"vf", "show", "dev", "eth1", "vf", "5"}) == kExitFailed);
  CHECK(te.err.str() == "sriovctl: eth1: no vf 5 (the PF reports 2 VF(s))\n");
}

TEST_CASE("events prints one line per event", "[sriovctl][daemon_ops]") {
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  const std::vector<nlohmann::json> log = {event(1, 3, "vf_reset", "VF 3 asked for a reset"),
                                           event(2, nullptr, "link_up", "the wire came up")};
  serve_events(d, log);
  TestEnv te;
  te.daemons["pf0"] = &d;
  CHECK(run_line(te, {"events", "dev", "sim:pf0"}) == kExitOk);
  CHECK(lines_of(te.out.str()) ==
        std::vector<std::string>{"2024-05-01T10:00:01Z 1 3 101 vf_reset: VF 3 asked for a reset",
                                 "2024-05-01T10:00:02Z 2 - 102 link_up: the wire came up"});
  te.out.str("");
  CHECK(run_line(te, {"-j", "events", "dev", "sim:pf0"}) == kExitOk);
  const auto j = nlohmann::json::parse(te.out.str());
  REQUIRE(j.size() == 2);
  CHECK(j[0]["pf"] == "sim:pf0");
  CHECK(j[1]["name"] == "link_up");
}

TEST_CASE("events -f asks again with since, printing only new events, until interrupted",
          "[sriovctl][daemon_ops]") {
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  std::vector<nlohmann::json> log = {event(1, 0, "a", "first")};
  serve_events(d, log);
  TestEnv te;
  te.daemons["pf0"] = &d;
  te.polls_before_interrupt = 3;
  // The log grows between polls: the fake's sleep() stands in for time passing.
  Env env = te.env();
  env.sleep = [&](std::chrono::milliseconds) {
    ++te.sleeps;
    log.push_back(event(log.size() + 1, 1, "b", "more"));
  };
  auto cmd = parse_args(std::vector<std::string>{"events", "-f", "dev", "sim:pf0"});
  REQUIRE(cmd.has_value());
  CHECK(run(*cmd, env) == kExitOk);
  const auto lines = lines_of(te.out.str());
  REQUIRE(lines.size() == 3);  // events 1, 2, 3: each printed once
  CHECK(lines[0].find(" 1 0 101 a: first") != std::string::npos);
  CHECK(lines[2].find(" 3 1 103 b: more") != std::string::npos);
  REQUIRE(d.json_requests.size() == 3);
  CHECK(d.json_requests[0]["since"] == 0);
  CHECK(d.json_requests[1]["since"] == 2);
  CHECK(d.json_requests[2]["since"] == 3);
}

TEST_CASE("events without dev reads every daemon, each line prefixed", "[sriovctl][daemon_ops]") {
  FakePf a(sctest::sample_pf("a", 1, 1), false);
  FakePf b(sctest::sample_pf("b", 1, 1), false);
  const std::vector<nlohmann::json> la = {event(1, 0, "x", "from a")};
  const std::vector<nlohmann::json> lb = {event(4, 0, "y", "from b")};
  serve_events(a, la);
  serve_events(b, lb);
  TestEnv te;
  te.daemons = {{"a", &a}, {"b", &b}};
  CHECK(run_line(te, {"events"}) == kExitOk);
  CHECK(lines_of(te.out.str()) ==
        std::vector<std::string>{"sim:a: 2024-05-01T10:00:01Z 1 0 101 x: from a",
                                 "sim:b: 2024-05-01T10:00:04Z 4 0 104 y: from b"});
}

TEST_CASE("events, capture and guest on a kernel PF say why not", "[sriovctl][daemon_ops]") {
  FakePf k(sctest::sample_pf("eth1", 3, 2), true);
  TestEnv te;
  te.kernel = &k;
  CHECK(run_line(te, {"events", "dev", "eth1"}) == kExitFailed);
  CHECK(run_line(te, {"capture", "dev", "eth1", "wire", "-w", "/dev/null"}) == kExitFailed);
  CHECK(run_line(te, {"guest", "dev", "eth1", "vf", "0", "mac", "02:00:00:00:00:05"}) ==
        kExitFailed);
  const auto lines = lines_of(te.err.str());
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] ==
        "sriovctl: eth1: events: not available for kernel PF eth1 (see the kernel log: dmesg)");
  CHECK(lines[1].starts_with("sriovctl: eth1: capture: only a sriov-sim daemon"));
  CHECK(lines[2].starts_with("sriovctl: eth1: guest: only a sriov-sim daemon"));
}

TEST_CASE("guest sends guest_mac and prints the PF's refusal", "[sriovctl][daemon_ops]") {
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  d.on_request = [](const nlohmann::json& j, const nlmsghdr& h) {
    if (j["vf"] == 1) return std::vector<sctest::Datagram>{sctest::ack(h)};
    return std::vector<sctest::Datagram>{
        sctest::ack(h, -EPERM, "guest_mac vf 2: VF 2 has an administrator's MAC")};
  };
  TestEnv te;
  te.daemons["pf0"] = &d;
  CHECK(run_line(te, {"guest", "dev", "sim:pf0", "vf", "1", "mac", "02:00:00:00:00:05"}) ==
        kExitOk);
  CHECK(d.json_requests[0] ==
        nlohmann::json{{"op", "guest_mac"}, {"vf", 1}, {"mac", "02:00:00:00:00:05"}});
  CHECK(run_line(te, {"guest", "dev", "sim:pf0", "vf", "2", "mac", "02:00:00:00:00:05"}) ==
        kExitFailed);
  CHECK(te.err.str() ==
        "sriovctl: sim:pf0: guest_mac vf 2: VF 2 has an administrator's MAC (EPERM)\n");
}

TEST_CASE("capture writes the daemon's frames as pcapng", "[sriovctl][daemon_ops]") {
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  std::vector<std::byte> f1(60, std::byte{1});
  std::vector<std::byte> f2(64, std::byte{2});
  d.on_request = [&](const nlohmann::json&, const nlmsghdr& h) {
    return std::vector<sctest::Datagram>{
        sctest::reply(h, {{"interface", "VF 3 of pf0"}, {"linktype", 1}}),
        sctest::frame(h, 5000, ctl::FrameDirection::kOutbound, f1),
        sctest::frame(h, 6000, ctl::FrameDirection::kInbound, f2, 1514),
        sctest::done(h, 0, "dropped 4")};
  };
  TestEnv te;
  te.daemons["pf0"] = &d;
  const std::string path = "/tmp/sriovctl-capture-test-" + std::to_string(getpid()) + ".pcapng";
  CHECK(run_line(te, {"capture", "dev", "sim:pf0", "vf", "3", "-w", path, "-c", "2", "-s", "64"}) ==
        kExitOk);
  CHECK(d.json_requests[0] ==
        nlohmann::json{
            {"op", "capture"}, {"target", "vf"}, {"vf", 3}, {"count", 2}, {"snaplen", 64}});
  CHECK(te.err.str() == "2 packet(s) captured, 4 dropped by the daemon\n");
  auto [blocks, error] = sctest::read_pcapng(path);
  std::filesystem::remove(path);
  REQUIRE(error.empty());
  REQUIRE(blocks.size() == 4);
  REQUIRE(sctest::parse_options(blocks[1], 8));
  CHECK(std::string(blocks[1].options[2].begin(), blocks[1].options[2].end()) == "pf0 vf 3");
  CHECK(std::string(blocks[1].options[3].begin(), blocks[1].options[3].end()) == "VF 3 of pf0");
  CHECK(sctest::u32_at(blocks[2].body, 8) == 5000);
  CHECK(sctest::u32_at(blocks[3].body, 12) == 64);
  CHECK(sctest::u32_at(blocks[3].body, 16) == 1514);
}

TEST_CASE("A refused capture creates no file and prints the reason", "[sriovctl][daemon_ops]") {
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  d.on_request = [](const nlohmann::json&, const nlmsghdr& h) {
    return std::vector<sctest::Datagram>{sctest::ack(h, -EINVAL, "VF 9 does not exist")};
  };
  TestEnv te;
  te.daemons["pf0"] = &d;
  const std::string path = "/tmp/sriovctl-capture-refused-" + std::to_string(getpid());
  CHECK(run_line(te, {"capture", "dev", "sim:pf0", "vf", "9", "-w", path}) == kExitFailed);
  CHECK(te.err.str() == "sriovctl: sim:pf0: capture: VF 9 does not exist (EINVAL)\n");
  CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("events skips entries that are not objects, in text and with -j",
          "[sriovctl][daemon_ops]") {
  // Valid JSON of the wrong shape: find() on a number throws, and -j aborted (exit 134).
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  d.on_request = [](const nlohmann::json&, const nlmsghdr& h) {
    return std::vector<sctest::Datagram>{sctest::reply(
        h, {{"events", {1, "x", nlohmann::json::array({2}), event(5, 0, "ok", "fine")}},
            {"next", 6}})};
  };
  TestEnv te;
  te.daemons["pf0"] = &d;
  CHECK(run_line(te, {"events", "dev", "sim:pf0"}) == kExitOk);
  CHECK(lines_of(te.out.str()) ==
        std::vector<std::string>{"2024-05-01T10:00:05Z 5 0 105 ok: fine"});
  CHECK(te.err.str() == "sriovctl: sim:pf0: events: skipped 3 entries that are not an object\n");
  te.out.str("");
  te.err.str("");
  CHECK(run_line(te, {"-j", "events", "dev", "sim:pf0"}) == kExitOk);
  const auto j = nlohmann::json::parse(te.out.str());
  REQUIRE(j.size() == 1);
  CHECK(j[0]["name"] == "ok");
}

TEST_CASE("events escapes control bytes in the daemon's text", "[sriovctl][daemon_ops]") {
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  const std::vector<nlohmann::json> log = {
      event(1, 2, "vf\x1b[2Jreset", "line one\nline two\r\x07 back\\slash")};
  serve_events(d, log);
  TestEnv te;
  te.daemons["pf0"] = &d;
  CHECK(run_line(te, {"events", "dev", "sim:pf0"}) == kExitOk);
  CHECK(te.out.str() ==
        "2024-05-01T10:00:01Z 1 2 101 vf\\x1b[2Jreset: line one\\x0aline two\\x0d\\x07 "
        "back\\x5cslash\n");
}

TEST_CASE("events without any daemon, or with none reachable, fails with one line each",
          "[sriovctl][daemon_ops]") {
  TestEnv none;
  Env env = none.env();
  env.runtime_dir = "/run/test-dir";
  auto cmd = parse_args(std::vector<std::string>{"events"});
  REQUIRE(cmd.has_value());
  CHECK(run(*cmd, env) == kExitFailed);
  CHECK(none.err.str() == "sriovctl: events: no sriov-sim daemon is running in /run/test-dir\n");

  TestEnv stale;
  stale.stale = {"a", "b"};
  CHECK(run_line(stale, {"events"}) == kExitFailed);
  const auto lines = lines_of(stale.err.str());
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].starts_with("sriovctl: sim:a: skipped: daemon a is not running"));
  CHECK(lines[1].starts_with("sriovctl: sim:b: skipped: daemon b is not running"));

  // One reachable daemon is enough: the stale one is noted, the command succeeds.
  FakePf d(sctest::sample_pf("c", 1, 1), false);
  const std::vector<nlohmann::json> log = {event(1, 0, "x", "from c")};
  serve_events(d, log);
  stale.daemons["c"] = &d;
  stale.err.str("");
  CHECK(run_line(stale, {"events"}) == kExitOk);
  CHECK(lines_of(stale.err.str()).size() == 2);
}

TEST_CASE("events -f does not spin on a full batch whose next does not move on",
          "[sriovctl][daemon_ops]") {
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  int asked = 0;
  d.on_request = [&asked](const nlohmann::json&, const nlmsghdr& h) {
    // Six polls, then the daemon goes away, which ends -f.
    if (++asked > 6) return std::vector<sctest::Datagram>{sctest::ack(h, -ECONNRESET, "gone")};
    nlohmann::json evs = nlohmann::json::array();
    for (int i = 0; i < 1000; ++i) evs.push_back({{"seq", i}});
    return std::vector<sctest::Datagram>{sctest::reply(h, {{"events", evs}, {"next", 0}})};
  };
  TestEnv te;
  te.daemons["pf0"] = &d;
  CHECK(run_line(te, {"events", "-f", "dev", "sim:pf0"}) == kExitFailed);
  // Each poll after the first waited its interval: a full batch counts as "more waiting" only
  // when "next" moved past "since".
  CHECK(te.sleeps == 6);
}

TEST_CASE("vf show of a deeply nested reply is refused or shown flat, never recursed into",
          "[sriovctl][daemon_ops]") {
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  size_t depth = 0;
  d.on_request = [&depth](const nlohmann::json&, const nlmsghdr& h) {
    std::string text;
    for (size_t i = 0; i < depth; ++i) text += "{\"a\":";
    text += "1";
    text += std::string(depth, '}');
    return std::vector<sctest::Datagram>{sctest::message(
        h, ctl::kMsgReply, 0, std::as_bytes(std::span<const char>(text.data(), text.size())))};
  };
  TestEnv te;
  te.daemons["pf0"] = &d;
  // 30000 levels crashed the text output (SIGSEGV) and 5000 took over 20 s.
  depth = 30000;
  CHECK(run_line(te, {"vf", "show", "dev", "sim:pf0", "vf", "1"}) == kExitFailed);
  CHECK(te.err.str() ==
        "sriovctl: sim:pf0: vf 1: request 'vf_show': the reply nests deeper than 64 levels\n");
  CHECK(te.out.str().empty());
  te.err.str("");
  CHECK(run_line(te, {"-j", "vf", "show", "dev", "sim:pf0", "vf", "1"}) == kExitFailed);
  // Within the bound: objects past 16 levels print as one line of JSON.
  depth = 20;
  te.err.str("");
  CHECK(run_line(te, {"vf", "show", "dev", "sim:pf0", "vf", "1"}) == kExitOk);
  const auto lines = lines_of(te.out.str());
  REQUIRE(lines.size() == 1 + 17);
  CHECK(lines[1] == "  a:");
  CHECK(lines[17] == std::string(2 + 16 * 2, ' ') + "a: {\"a\":{\"a\":{\"a\":1}}}");
}

TEST_CASE("A daemon's refusal text reaches the terminal escaped", "[sriovctl][daemon_ops]") {
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  d.on_request = [](const nlohmann::json&, const nlmsghdr& h) {
    return std::vector<sctest::Datagram>{sctest::ack(h, -EPERM, "no\x1b[8m way\nreally")};
  };
  TestEnv te;
  te.daemons["pf0"] = &d;
  CHECK(run_line(te, {"guest", "dev", "sim:pf0", "vf", "2", "mac", "02:00:00:00:00:05"}) ==
        kExitFailed);
  CHECK(te.err.str() ==
        "sriovctl: sim:pf0: no\\x1b[8m way\\x0areally (EPERM)\n");
}

TEST_CASE("vf show escapes control bytes in the daemon's keys and strings",
          "[sriovctl][daemon_ops]") {
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  d.on_request = [](const nlohmann::json&, const nlmsghdr& h) {
    return std::vector<sctest::Datagram>{sctest::reply(
        h, {{"guest", {{"state\x1b]0;x\x07", "run\x1b[31mning"}, {"list", {"a\nb", 2}}}},
            {"deep", {{"arr", {{{"k", "caf\xc3\xa9\x1b"}}}}}}})};
  };
  TestEnv te;
  te.daemons["pf0"] = &d;
  CHECK(run_line(te, {"vf", "show", "dev", "sim:pf0", "vf", "1"}) == kExitOk);
  CHECK(lines_of(te.out.str()) ==
        std::vector<std::string>{"sim:pf0 vf 1", "  guest:", "    list: a\\x0ab, 2",
                                 "    state\\x1b]0;x\\x07: run\\x1b[31mning",
                                 "  deep:", "    arr: [{\"k\":\"caf\\u00e9\\u001b\"}]"});
}

TEST_CASE("capture refuses a linktype that is not a 16-bit number, writing nothing",
          "[sriovctl][daemon_ops]") {
  const std::string path = "/tmp/sriovctl-capture-linktype-" + std::to_string(getpid());
  // A fresh daemon per run, as each sriovctl run has its own connection.
  const auto capture_with = [&](const nlohmann::json& linktype, TestEnv& te) {
    FakePf d(sctest::sample_pf("pf0", 1, 4), false);
    d.on_request = [&](const nlohmann::json&, const nlmsghdr& h) {
      return std::vector<sctest::Datagram>{
          sctest::reply(h, {{"interface", "wire"}, {"linktype", linktype}}),
          sctest::frame(h, 5000, ctl::FrameDirection::kInbound, std::vector<std::byte>(60)),
          sctest::done(h)};
    };
    te.daemons["pf0"] = &d;
    return run_line(te, {"capture", "dev", "sim:pf0", "wire", "-w", path, "-c", "1"});
  };
  // 70000 was cut to 4464 by get<uint16_t>(), labelling the file with another link type.
  for (const auto& [value, shown] :
       {std::pair{nlohmann::json(70000), "70000"}, std::pair{nlohmann::json(-1), "-1"},
        std::pair{nlohmann::json(1.5), "1.5"}, std::pair{nlohmann::json("1"), "\"1\""}}) {
    INFO(shown);
    TestEnv te;
    CHECK(capture_with(value, te) == kExitFailed);
    CHECK(te.err.str() == fmt::format("sriovctl: sim:pf0: capture: the daemon's capture reply has "
                                      "linktype {}, not a number 0..65535 (protocol error)\n",
                                      shown));
    CHECK_FALSE(std::filesystem::exists(path));
  }
  TestEnv te;
  CHECK(capture_with(65535, te) == kExitOk);
  auto [blocks, error] = sctest::read_pcapng(path);
  std::filesystem::remove(path);
  REQUIRE(error.empty());
  REQUIRE(blocks.size() == 3);
  CHECK(sctest::u16_at(blocks[1].body, 0) == 65535);
}

TEST_CASE("capture cuts a frame longer than the snap length to it", "[sriovctl][daemon_ops]") {
  // A daemon that sends more than asked for (or a future one with another snaplen): the file
  // keeps to the -s it says in its interface block.
  FakePf d(sctest::sample_pf("pf0", 1, 4), false);
  std::vector<std::byte> big(100);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<std::byte>(i);
  d.on_request = [&](const nlohmann::json&, const nlmsghdr& h) {
    return std::vector<sctest::Datagram>{sctest::reply(h, {{"interface", "wire"}, {"linktype", 1}}),
                                         sctest::frame(h, 7000, ctl::FrameDirection::kInbound, big),
                                         sctest::done(h)};
  };
  TestEnv te;
  te.daemons["pf0"] = &d;
  const std::string path = "/tmp/sriovctl-capture-snap-" + std::to_string(getpid()) + ".pcapng";
  CHECK(run_line(te, {"capture", "dev", "sim:pf0", "wire", "-w", path, "-s", "64"}) == kExitOk);
  CHECK(te.err.str() == "1 packet(s) captured\n");
  auto [blocks, error] = sctest::read_pcapng(path);
  std::filesystem::remove(path);
  REQUIRE(error.empty());
  REQUIRE(blocks.size() == 3);
  CHECK(sctest::u32_at(blocks[1].body, 4) == 64);    // the IDB's snaplen
  CHECK(sctest::u32_at(blocks[2].body, 12) == 64);   // captured
  CHECK(sctest::u32_at(blocks[2].body, 16) == 100);  // original
  // The first 64 bytes, then padding to 32 bits (64 is aligned already).
  REQUIRE(blocks[2].body.size() >= 20 + 64);
  for (size_t i = 0; i < 64; ++i) CHECK(blocks[2].body[20 + i] == i);
}
