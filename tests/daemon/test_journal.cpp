// The event journal's bounds: sanitised reasons, rate-limited events, a rotated log file.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/file_text.hpp"
#include "daemon/event_journal.hpp"
#include "daemon/launch_paths.hpp"
#include "daemon/safe_text.hpp"
#include "daemon_rig.hpp"

using namespace dtest;
using simd::DaemonEvent;
using simd::EventJournal;

namespace {


constexpr uint64_t kSecond = 1'000'000'000;
const std::string kEllipsis = "\xE2\x80\xA6";

}  // namespace

TEST_CASE("sanitize_text keeps valid UTF-8, replaces the rest and escapes control characters") {
  CHECK(simd::sanitize_text("VF 3: caf\xC3\xA9 \xE2\x82\xAC") == "VF 3: caf\xC3\xA9 \xE2\x82\xAC");
  CHECK(simd::sanitize_text("\xff"
                            "ab") ==
        "\xEF\xBF\xBD"
        "ab");
  // Overlong '/', a surrogate, a truncated sequence, past U+10FFFF.
  CHECK(simd::sanitize_text("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(simd::sanitize_text("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(simd::sanitize_text("a\xE2\x82") == "a\xEF\xBF\xBD\xEF\xBF\xBD");
  CHECK(simd::sanitize_text("\xF4\x90\x80\x80").find("\xEF\xBF\xBD") == 0);
  CHECK(simd::sanitize_text("a\nb\tc\rd\x1b[2J\x7f") == "a\\nb\\tc\\rd\\x1b[2J\\x7f");
  CHECK(simd::sanitize_text("\xC2\x9B"
                            "31m") == "\\u009b31m");  // a C1 CSI
}

TEST_CASE("sanitize_text cuts at a character boundary with an ellipsis") {
  std::string text;
  for (int i = 0; i < 600; ++i) text += "\xC3\xA9";
  const std::string s = simd::sanitize_text(text, 512);
  CHECK(s.size() <= 512);
  REQUIRE(s.size() > kEllipsis.size());
  CHECK(s.compare(s.size() - 3, 3, kEllipsis) == 0);
  CHECK((s.size() - 3) % 2 == 0);
  CHECK(simd::sanitize_text(std::string(512, 'a'), 512) == std::string(512, 'a'));
  // An escape is never cut in half.
  const std::string esc = simd::sanitize_text(std::string(200, '\x01'), 10);
  CHECK(esc == "\\x01" + kEllipsis);
  CHECK(simd::quote_input("it's") == "'it\\'s'");
  CHECK(simd::quote_input(std::string(1000, 'q')).size() <= simd::kMaxEchoBytes + 2);
}

TEST_CASE("record_limited keeps 20 a second and then says how many it left out") {
  auto j = EventJournal::open("");
  REQUIRE(j.has_value());
  const uint64_t t0 = 5 * kSecond;
  size_t kept = 0;
  for (int i = 0; i < 25; ++i) {
    kept += j->record_limited(DaemonEvent::kRequestRefused, std::nullopt, "no", t0 + i) != nullptr;
  }
  CHECK(kept == EventJournal::kBurstPerWindow);
  CHECK(j->suppressed() == 5);
  j->flush_suppressed(t0 + kSecond / 2);  // the window has not ended
  CHECK(j->total() == kept);
  j->flush_suppressed(t0 + kSecond);
  REQUIRE(j->total() == kept + 1);
  const simd::JournalEntry* e = j->find_last(static_cast<uint16_t>(DaemonEvent::kRequestRefused));
  REQUIRE(e != nullptr);
  CHECK(e->reason.find("5 more control-refused event(s) left out") != std::string::npos);
  // A new window records again; another kind has its own.
  CHECK(j->record_limited(DaemonEvent::kRequestRefused, std::nullopt, "no", t0 + kSecond + 1));
  CHECK(j->record_limited(DaemonEvent::kInternalError, std::nullopt, "x", t0 + 2));
}

TEST_CASE("The log file is rotated at its size, keeping one old file of whole lines") {
  const std::string path = temp_log("rotate");
  const std::string old = path + ".1";
  std::remove(old.c_str());
  {
    auto j = EventJournal::open(path, 16, 2048);
    REQUIRE(j.has_value());
    for (int i = 0; i < 100; ++i) {
      j->record(DaemonEvent::kGuestUp, 1u, "guest on VF 1 up: a line of some length");
    }
    CHECK(j->log_bytes() <= 2048);
    CHECK(j->write_errors() == 0);
  }
  const std::string now = testutil::read_file(path);
  const std::string before = testutil::read_file(old);
  std::remove(old.c_str());
  CHECK(now.size() <= 2048);
  CHECK(before.size() <= 2048);
  REQUIRE(!now.empty());
  REQUIRE(!before.empty());
  for (const std::string* f : {&now, &before}) {
    CHECK(f->back() == '\n');
    std::istringstream lines(*f);
    std::string line;
    while (std::getline(lines, line)) CHECK(line.find(" code=107 guest-up: ") != std::string::npos);
  }
  CHECK(now.find("seq=99 ") != std::string::npos);
}

TEST_CASE("A log file that refuses lines counts them, the ring keeps the events") {
  auto j = EventJournal::open("/dev/full");
  REQUIRE(j.has_value());
  j->record(DaemonEvent::kStarted, std::nullopt, "up");
  j->record(DaemonEvent::kStopped, std::nullopt, "down");
  CHECK(j->write_errors() == 2);
  CHECK(j->total() == 2);
}

TEST_CASE("Relative file names on the command line become absolute before detaching") {
  const std::string cwd = std::filesystem::current_path().string();
  CHECK(simd::absolute_path("") == "");
  CHECK(simd::absolute_path("/var/log/x.log") == "/var/log/x.log");
  CHECK(simd::absolute_path("logs/./x.log") == cwd + "/logs/x.log");
  CHECK(simd::absolute_wire_paths("net_pcap0,rx_pcap=in.pcap,tx_pcap=/tmp/out.pcap") ==
        "net_pcap0,rx_pcap=" + cwd + "/in.pcap,tx_pcap=/tmp/out.pcap");
  CHECK(simd::absolute_wire_paths("net_tap0,iface=sriov0") == "net_tap0,iface=sriov0");
  CHECK(simd::absolute_wire_paths("net_vhost0,iface=vh.sock,queues=1") ==
        "net_vhost0,iface=" + cwd + "/vh.sock,queues=1");
  CHECK(simd::absolute_wire_paths("memory") == "memory");
  CHECK(simd::absolute_wire_paths("") == "");
}
