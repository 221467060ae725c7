#pragma once
// Helpers for the wire tests: stepped DatapathHosts, test frames with a sequence number, moving
// frames in and out of a VF, pcap files read and written by hand (so a test checks what
// net_pcap wrote without trusting net_pcap), a scratch directory and an AF_PACKET socket.

#include <catch2/catch.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <rte_mbuf.h>

#include "datapath/eal.hpp"
#include "harness/datapath_host.hpp"
#include "harness/wire/mbuf_copy.hpp"

namespace wiretest {

using Bytes = std::vector<uint8_t>;
using Clock = std::chrono::steady_clock;

/// IEEE 802 local experimental ethertype: nothing else on a tap interface sends it.
constexpr uint16_t kEthertype = 0x88B5;
/// A station beyond the wire (locally administered, in no host's filters).
inline const hal::MacAddr kFarMac{{0x02, 0x5E, 0x00, 0x00, 0x00, 0x01}};
/// Real-time bounds for tests that wait on the kernel or DPDK's control thread: generous, and
/// never asserted on.
constexpr auto kPatience = std::chrono::seconds(20);

inline void require_eal() {
  const auto& e = dp::shared_eal();
  INFO((e ? std::string() : fmt::format("{}", e.error())));
  REQUIRE(e.has_value());
}

/// `len` bytes: dst, src, kEthertype, the 32-bit sequence number, then a pattern seeded by it.
inline Bytes frame(const hal::MacAddr& dst, const hal::MacAddr& src, size_t len, uint32_t seq) {
  Bytes b(len, 0);
  for (unsigned i = 0; i < 6; ++i) {
    b[i] = dst[i];
    b[6 + i] = src[i];
  }
  b[12] = kEthertype >> 8;
  b[13] = kEthertype & 0xFF;
  for (unsigned i = 0; i < 4 && 14 + i < len; ++i) b[14 + i] = static_cast<uint8_t>(seq >> (8 * i));
  for (size_t i = 18; i < len; ++i) b[i] = static_cast<uint8_t>(seq * 13 + i);
  return b;
}

/// The sequence number of a test frame; nullopt for anything else (kernel chatter on a tap).
inline std::optional<uint32_t> seq_of(const Bytes& b) {
  if (b.size() < 18 || b[12] != (kEthertype >> 8) || b[13] != (kEthertype & 0xFF)) return std::nullopt;
  uint32_t s = 0;
  for (unsigned i = 0; i < 4; ++i) s |= uint32_t{b[14 + i]} << (8 * i);
  return s;
}

/// A stepped host with `vfs` VFs. Hosts that share a wire need their own MACs: give each its
/// own `seed` and `pf_last` (the PF MAC's last byte).
inline std::unique_ptr<harness::DatapathHost> make_host(unsigned vfs = 1, uint64_t seed = 0,
                                                        uint8_t pf_last = 1, uint32_t mtu = 9000) {
  require_eal();
  harness::DatapathHostOptions o;
  o.num_vfs = vfs;
  o.pf_mac = hal::MacAddr({0x02, 0x00, 0x00, 0x00, 0x00, pf_last});
  o.port.driver.mac_seed = seed;
  o.port.mtu = mtu;
  auto h = harness::DatapathHost::create(o);
  INFO((h ? std::string() : h.error()));
  REQUIRE(h.has_value());
  return std::move(*h);
}

/// Hands `f` to the VF's TX queue (a chain of 2 KiB mbufs when longer).
inline void vf_send(harness::VfPort& p, const Bytes& f) {
  rte_mbuf* m = harness::mbuf_from_bytes(p.pool.get(), f);
  REQUIRE(m != nullptr);
  REQUIRE(p.tx->tx_burst(&m, 1) == 1);
}

/// Every frame waiting in the VF's RX queue, appended to `out`.
inline void vf_receive(harness::VfPort& p, std::vector<Bytes>& out) {
  rte_mbuf* bufs[32];
  while (const uint16_t n = p.rx->rx_burst(bufs, 32)) {
    for (uint16_t k = 0; k < n; ++k) {
      Bytes b;
      harness::bytes_from_mbuf(bufs[k], b);
      out.push_back(std::move(b));
    }
    rte_pktmbuf_free_bulk(bufs, n);
  }
}

/// Engine passes until one takes nothing (bounded).
inline void run_until_idle(sim::Device82599& dev, unsigned max_passes = 1000) {
  for (unsigned i = 0; i < max_passes && dev.poll_once() != 0; ++i) {
  }
}

inline void require_accounts(const sim::Device82599& dev) {
  const sim::Accounting a = dev.accounting();
  INFO(a.summary());
  REQUIRE(a.check().empty());
}

/// A fresh directory under /tmp, removed with everything in it at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = "/tmp/sriovkit-wire-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// One record of a classic pcap file: captured bytes and the original length.
struct PcapRecord {
  Bytes bytes;
  uint32_t orig_len = 0;
};

/// The records of a classic pcap file in our byte order, with micro- or nanosecond timestamps
/// (net_pcap writes nanoseconds). nullopt when the file is missing or not such a file.
inline std::optional<std::vector<PcapRecord>> read_pcap(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  auto u32 = [&](uint32_t& v) { return static_cast<bool>(in.read(reinterpret_cast<char*>(&v), 4)); };
  uint32_t magic = 0;
  if (!u32(magic) || (magic != 0xA1B2C3D4u && magic != 0xA1B23C4Du)) return std::nullopt;
  in.seekg(24);
  std::vector<PcapRecord> out;
  uint32_t sec = 0, usec = 0, incl = 0, orig = 0;
  while (u32(sec) && u32(usec) && u32(incl) && u32(orig)) {
    PcapRecord r;
    r.bytes.resize(incl);
    if (!in.read(reinterpret_cast<char*>(r.bytes.data()), incl)) return std::nullopt;
    r.orig_len = orig;
    out.push_back(std::move(r));
  }
  return out;
}

/// Writes `frames` as a classic pcap file (Ethernet link type, 64 KiB snap length).
inline void write_pcap(const std::string& path, const std::vector<Bytes>& frames) {
  std::ofstream out(path, std::ios::binary);
  REQUIRE(out.good());
  auto u32 = [&](uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  auto u16 = [&](uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  u32(0xA1B2C3D4u);  // microsecond timestamps, written in our byte order
  u16(2);            // version 2.4
  u16(4);
  u32(0);            // GMT offset
  u32(0);            // timestamp accuracy
  u32(65535);        // snap length
  u32(1);            // LINKTYPE_ETHERNET
  uint32_t t = 0;
  for (const Bytes& f : frames) {
    u32(1700000000);
    u32(t++);
    u32(static_cast<uint32_t>(f.size()));
    u32(static_cast<uint32_t>(f.size()));
    out.write(reinterpret_cast<const char*>(f.data()), static_cast<std::streamsize>(f.size()));
  }
  REQUIRE(out.good());
}

/// The standard output of `cmd` (stderr is the command's own business), or nullopt when it
/// could not run or exited non-zero.
inline std::optional<std::string> run_command(const std::string& cmd) {
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return std::nullopt;
  std::string out;
  char buf[4096];
  while (const size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  return ::pclose(p) == 0 ? std::optional<std::string>(out) : std::nullopt;
}

/// Whether `program` is on PATH.
inline bool have_program(const std::string& program) {
  return run_command(fmt::format("command -v {} >/dev/null 2>&1", program)).has_value();
}

}  // namespace wiretest
