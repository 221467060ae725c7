// Malformed command lines: each is refused by the parser alone (so nothing is ever sent),
// with one line naming the exact token at fault.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "sriovctl/args.hpp"

namespace {

struct Row {
  std::vector<std::string> args;
  std::string token;  ///< the token the message must name
  std::string why;    ///< a word the message must hold
};

const std::vector<Row>& malformed() {
  static const std::vector<Row> rows = {
      {{"frob"}, "frob", "unknown command"},
      {{"-x", "link", "show"}, "-x", "unknown option"},
      {{"link", "frob"}, "frob", "unknown link command"},
      {{"link", "show", "dev"}, "dev", "PF name"},
      {{"link", "show", "dev", "lo", "extra"}, "extra", "unexpected"},
      {{"link", "show", "lo", "-j"}, "-j", "unexpected"},
      {{"link", "show", "dev", ""}, "", "empty PF name"},
      {{"link", "show", "dev", "abcdefghijklmnop"}, "abcdefghijklmnop", "too long"},
      {{"link", "show", "dev", "a/b"}, "a/b", "PF name"},
      {{"link", "show", "dev", "sim:"}, "sim:", "daemon name"},
      {{"link", "show", "dev", "sim:a/b"}, "sim:a/b", "daemon name"},
      {{"link", "show", "dev", "sim:abcdefghijklmnop"}, "sim:abcdefghijklmnop", "daemon name"},
      {{"link", "set"}, "set", "PF name"},
      {{"link", "set", "dev", "pf0"}, "pf0", "vf N"},
      {{"link", "set", "dev", "pf0", "mac", "02:00:00:00:00:01"}, "mac", "vf N"},
      {{"link", "set", "dev", "pf0", "vf"}, "vf", "number"},
      {{"link", "set", "dev", "pf0", "vf", "x", "trust", "on"}, "x", "number"},
      {{"link", "set", "dev", "pf0", "vf", "-1", "trust", "on"}, "-1", "number"},
      {{"link", "set", "dev", "pf0", "vf", "65535", "trust", "on"}, "65535", "0..65534"},
      {{"link", "set", "dev", "pf0", "vf", "3"}, "3", "no setting"},
      {{"link", "set", "dev", "pf0", "vf", "3", "vf", "4", "trust", "on"}, "3", "no setting"},
      {{"link", "set", "dev", "pf0", "vf", "1", "trust", "on", "vf", "1", "trust", "off"},
       "1",
       "twice"},
      {{"link", "set", "dev", "pf0", "vf", "0", "frob", "1"}, "frob", "unknown VF setting"},
      {{"link", "set", "dev", "pf0", "vf", "0", "mac"}, "mac", "address"},
      {{"link", "set", "dev", "pf0", "vf", "0", "mac", "02:00:00:00:00"}, "02:00:00:00:00", "MAC"},
      {{"link", "set", "dev", "pf0", "vf", "0", "mac", "zz:00:00:00:00:01"},
       "zz:00:00:00:00:01",
       "MAC"},
      {{"link", "set", "dev", "pf0", "vf", "0", "mac", "02:00:00:00:00:01", "mac",
        "02:00:00:00:00:02"},
       "mac",
       "twice"},
      {{"link", "set", "dev", "pf0", "vf", "0", "vlan", "4096"}, "4096", "0..4095"},
      {{"link", "set", "dev", "pf0", "vf", "0", "vlan"}, "vlan", "number"},
      {{"link", "set", "dev", "pf0", "vf", "0", "vlan", "5", "qos", "8"}, "8", "0..7"},
      {{"link", "set", "dev", "pf0", "vf", "0", "vlan", "5", "qos"}, "qos", "number"},
      {{"link", "set", "dev", "pf0", "vf", "0", "qos", "3"}, "qos", "follow vlan"},
      {{"link", "set", "dev", "pf0", "vf", "0", "vlan", "5", "proto", "802.1x"},
       "802.1x",
       "802.1ad"},
      {{"link", "set", "dev", "pf0", "vf", "0", "vlan", "5", "qos", "1", "qos", "2"},
       "qos",
       "twice"},
      {{"link", "set", "dev", "pf0", "vf", "0", "vlan", "5", "vlan", "6"}, "vlan", "twice"},
      {{"link", "set", "dev", "pf0", "vf", "0", "rate", "fast"}, "fast", "number"},
      {{"link", "set", "dev", "pf0", "vf", "0", "rate", "100", "max_tx_rate", "200"},
       "max_tx_rate",
       "twice"},
      {{"link", "set", "dev", "pf0", "vf", "0", "min_tx_rate", "4294967296"},
       "4294967296",
       "number"},
      {{"link", "set", "dev", "pf0", "vf", "0", "spoofchk", "yes"}, "yes", "on or off"},
      {{"link", "set", "dev", "pf0", "vf", "0", "trust"}, "trust", "on or off"},
      {{"link", "set", "dev", "pf0", "vf", "0", "query_rss", "1"}, "1", "on or off"},
      {{"link", "set", "dev", "pf0", "vf", "0", "state", "up"}, "up", "auto, enable or disable"},
      {{"link", "set", "dev", "pf0", "vf", "0", "trust", "on", "trust", "off"}, "trust", "twice"},
      {{"dev", "pf0"}, "pf0", "numvfs"},
      {{"dev", "pf0", "frob", "3"}, "frob", "unknown dev command"},
      {{"dev", "pf0", "numvfs", "65536"}, "65536", "0..65535"},
      {{"dev", "pf0", "numvfs", "four"}, "four", "number"},
      {{"dev", "pf0", "numvfs", "4", "now"}, "now", "unexpected"},
      {{"dev", "pf0", "numvfs"}, "numvfs", "number"},
      {{"vf", "show", "dev", "pf0"}, "pf0", "'vf'"},
      {{"vf", "show", "pf0", "vf", "1"}, "pf0", "'dev'"},
      {{"vf", "list"}, "list", "unknown vf command"},
      {{"-j", "events", "-f"}, "-f", "-j"},
      {{"events", "-f", "-f"}, "-f", "twice"},
      {{"events", "dev", "a", "dev", "b"}, "dev", "twice"},
      {{"events", "now"}, "now", "unexpected"},
      {{"capture", "dev", "sim:x", "vf", "1"}, "1", "-w"},
      {{"capture", "dev", "sim:x", "-w", "out.pcapng"}, "out.pcapng", "vf N or wire"},
      {{"capture", "dev", "sim:x", "wire", "-w", "f", "-c", "0"}, "0", "-c"},
      {{"capture", "dev", "sim:x", "wire", "-w", "f", "-c", "ten"}, "ten", "-c"},
      {{"capture", "dev", "sim:x", "wire", "-w", "f", "-s", "0"}, "0", "-s"},
      {{"capture", "dev", "sim:x", "wire", "-w", "f", "-s", "262145"}, "262145", "-s"},
      {{"capture", "dev", "sim:x", "wire", "vf", "1", "-w", "f"}, "vf", "one capture point"},
      {{"capture", "dev", "sim:x", "wire", "-w"}, "-w", "file"},
      {{"capture", "dev", "sim:x", "wire", "-w", "a", "-w", "b"}, "-w", "twice"},
      {{"capture", "sim:x", "wire", "-w", "f"}, "sim:x", "'dev'"},
      {{"guest", "dev", "sim:x", "vf", "1", "mac", "nope"}, "nope", "MAC"},
      {{"guest", "dev", "sim:x", "vf", "1"}, "1", "'mac'"},
      {{"help", "me"}, "me", "unexpected"},
      {{"--version", "now"}, "now", "unexpected"},
  };
  return rows;
}

std::string joined(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
  return s;
}

}  // namespace

TEST_CASE("Every malformed command is refused with one line naming its token", "[sriovctl][args]") {
  REQUIRE(malformed().size() >= 40);
  for (const Row& row : malformed()) {
    INFO("sriovctl " << joined(row.args));
    const auto cmd = sriovctl::parse_args(row.args);
    REQUIRE_FALSE(cmd.has_value());
    const sriovctl::UsageError& e = cmd.error();
    CHECK(e.token == row.token);
    const std::string line = e.to_line();
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.starts_with("sriovctl: "));
    CHECK(line.ends_with(": '" + row.token + "'"));
    CHECK(line.find(row.why) != std::string::npos);
  }
}

TEST_CASE("An empty command line is a usage error without a token", "[sriovctl][args]") {
  const auto cmd = sriovctl::parse_args(std::vector<std::string>{});
  REQUIRE_FALSE(cmd.has_value());
  CHECK(cmd.error().to_line() == "sriovctl: no command given (try 'sriovctl help')");
}

TEST_CASE("A token with control bytes or of any length still gives one printable line",
          "[sriovctl][args]") {
  const std::string nasty = std::string("a\nb\x01") + std::string(500, 'x');
  const auto cmd = sriovctl::parse_args(std::vector<std::string>{"link", nasty});
  REQUIRE_FALSE(cmd.has_value());
  CHECK(cmd.error().token == nasty);
  const std::string line = cmd.error().to_line();
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find("a\\x0ab\\x01") != std::string::npos);
  CHECK(line.ends_with("...'"));
  CHECK(line.size() < 200);
}

TEST_CASE("The parser survives arbitrary token sequences", "[sriovctl][args]") {
  // A poor man's fuzz run: every prefix and every single-token mutation of valid commands,
  // with words from the grammar and junk. It must only ever answer, never throw or crash.
  const std::vector<std::string> words = {"link",
                                          "set",
                                          "show",
                                          "dev",
                                          "pf0",
                                          "vf",
                                          "0",
                                          "mac",
                                          "02:00:00:00:00:01",
                                          "vlan",
                                          "qos",
                                          "proto",
                                          "802.1ad",
                                          "rate",
                                          "trust",
                                          "on",
                                          "-j",
                                          "-s",
                                          "-w",
                                          "-c",
                                          "-f",
                                          "capture",
                                          "wire",
                                          "events",
                                          "numvfs",
                                          "",
                                          "sim:",
                                          "99999999999999999999999",
                                          "\xff"};
  uint32_t state = 12345;
  const auto rnd = [&] { return state = state * 1103515245u + 12345u, (state >> 16) & 0x7FFF; };
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::string> args(rnd() % 12);
    for (auto& a : args) a = words[rnd() % words.size()];
    REQUIRE_NOTHROW(sriovctl::parse_args(args));
  }
}
