// The pcapng writer: block framing and options checked by a reader of our own, and the file
// read back by Wireshark's tshark (skipped with a warning where tshark is not installed).

#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "pcapng_reader.hpp"
#include "sriovctl/pcapng_writer.hpp"

using namespace sriovctl;

namespace {

// An Ethernet frame from `src` of `len` bytes (ethertype 0x88B5, local experimental).
std::vector<std::byte> frame_from(uint8_t src_last, size_t len) {
  std::vector<std::byte> f(len, std::byte{0x5A});
  const uint8_t hdr[14] = {0x02, 0, 0, 0, 0, 0xFF, 0x02, 0, 0, 0, 0, src_last, 0x88, 0xB5};
  std::memcpy(f.data(), hdr, sizeof hdr);
  return f;
}

struct TempFile {
  std::string path;
  TempFile() {
    char tmpl[] = "/tmp/sriovctl-pcapng-XXXXXX";
    const int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    close(fd);
    path = tmpl;
  }
  ~TempFile() { std::filesystem::remove(path); }
};

constexpr uint64_t kT0 = 1'700'000'000'123'456'789ull;

void write_sample(const std::string& path) {
  pcapng::Interface itf;
  itf.snaplen = 100;
  itf.name = "sim0 vf 3";
  itf.description = "VF 3 of sim0: RX and TX rings";
  auto w = pcapng::Writer::open(path, itf, "sriovctl test");
  REQUIRE(w.has_value());
  const auto a = frame_from(0x01, 60);
  const auto b = frame_from(0x02, 61);   // odd length: padded
  const auto c = frame_from(0x03, 300);  // cut to the snap length
  REQUIRE(w->write({kT0, 60, pcapng::Direction::kInbound, a}).has_value());
  REQUIRE(w->write({kT0 + 1000, 61, pcapng::Direction::kOutbound, b}).has_value());
  REQUIRE(w->write({kT0 + 2'000'000'000ull, 1514, pcapng::Direction::kInbound, c}).has_value());
  CHECK(w->packets() == 3);
}

std::string run_capture_output(const std::string& cmd) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> p(popen(cmd.c_str(), "r"), pclose);
  REQUIRE(p != nullptr);
  std::array<char, 512> buf{};
  while (fgets(buf.data(), buf.size(), p.get()) != nullptr) out += buf.data();
  return out;
}

}  // namespace

TEST_CASE("pcapng blocks are framed and carry the interface and packet fields",
          "[sriovctl][pcapng]") {
  TempFile tmp;
  write_sample(tmp.path);
  const auto [blocks, error] = sctest::read_pcapng(tmp.path);
  REQUIRE(error.empty());
  REQUIRE(blocks.size() == 5);

  auto shb = blocks[0];
  CHECK(shb.type == pcapng::kSectionHeaderBlock);
  CHECK(sctest::u32_at(shb.body, 0) == pcapng::kByteOrderMagic);
  CHECK(sctest::u16_at(shb.body, 4) == 1);
  CHECK(sctest::u16_at(shb.body, 6) == 0);
  REQUIRE(sctest::parse_options(shb, 16));
  CHECK(std::string(shb.options[4].begin(), shb.options[4].end()) == "sriovctl test");

  auto idb = blocks[1];
  CHECK(idb.type == pcapng::kInterfaceDescriptionBlock);
  CHECK(sctest::u16_at(idb.body, 0) == 1);  // LINKTYPE_ETHERNET
  CHECK(sctest::u32_at(idb.body, 4) == 100);
  REQUIRE(sctest::parse_options(idb, 8));
  CHECK(std::string(idb.options[2].begin(), idb.options[2].end()) == "sim0 vf 3");
  CHECK(idb.options[9] == std::vector<uint8_t>{9});

  const uint32_t caplens[] = {60, 61, 100};
  const uint32_t origlens[] = {60, 61, 1514};
  const uint64_t times[] = {kT0, kT0 + 1000, kT0 + 2'000'000'000ull};
  const uint32_t dirs[] = {1, 2, 1};
  for (int i = 0; i < 3; ++i) {
    INFO("packet " << i);
    auto epb = blocks[2 + i];
    CHECK(epb.type == pcapng::kEnhancedPacketBlock);
    CHECK(sctest::u32_at(epb.body, 0) == 0);
    const uint64_t t = (uint64_t{sctest::u32_at(epb.body, 4)} << 32) | sctest::u32_at(epb.body, 8);
    CHECK(t == times[i]);
    const uint32_t caplen = sctest::u32_at(epb.body, 12);
    CHECK(caplen == caplens[i]);
    CHECK(sctest::u32_at(epb.body, 16) == origlens[i]);
    CHECK(epb.body[20 + 11] == i + 1);  // the source MAC's last byte
    REQUIRE(sctest::parse_options(epb, 20 + ((caplen + 3) & ~3u)));
    REQUIRE(epb.options[2].size() == 4);
    CHECK(sctest::u32_at(epb.options[2], 0) == dirs[i]);
  }
}

TEST_CASE("tshark reads the pcapng back frame by frame", "[sriovctl][pcapng]") {
  if (std::system("command -v tshark >/dev/null 2>&1") != 0) {
    WARN("tshark is not installed: the Wireshark round trip is skipped");
    return;
  }
  TempFile tmp;
  write_sample(tmp.path);
  const std::string out = run_capture_output(
      "tshark -r " + tmp.path +
      " -T fields -E separator=, -e frame.len -e frame.cap_len -e eth.src"
      // frame.packet_flags_direction is epb_flags' direction bits: 1 inbound, 2 outbound.
      " -e frame.interface_name -e frame.packet_flags_direction -e frame.time_epoch 2>/dev/null");
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  REQUIRE(lines.size() == 3);
  INFO(out);
  CHECK(lines[0].starts_with("60,60,02:00:00:00:00:01,sim0 vf 3,0x00000001,1700000000.123456789"));
  CHECK(lines[1].starts_with("61,61,02:00:00:00:00:02,sim0 vf 3,0x00000002,1700000000.123457789"));
  CHECK(
      lines[2].starts_with("1514,100,02:00:00:00:00:03,sim0 vf 3,0x00000001,1700000002.123456789"));
}

TEST_CASE("A path that cannot be created is one line with the reason", "[sriovctl][pcapng]") {
  auto w = pcapng::Writer::open("/nonexistent-dir/x.pcapng", pcapng::Interface{}, "t");
  REQUIRE_FALSE(w.has_value());
  CHECK(w.error() == "/nonexistent-dir/x.pcapng: No such file or directory");
}
