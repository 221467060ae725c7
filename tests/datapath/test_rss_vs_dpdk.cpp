// The simulated 82599's RSS hash (hal/sim/rss) against DPDK's software Toeplitz, rte_softrss()
// from <rte_thash.h>, on many random keys and tuples: an independent implementation of the
// same function. rte_softrss takes the tuple as host-order 32-bit words (addresses, then the
// source port in the high half of the last word) and the key as bytes. No EAL needed.

#include <rte_thash.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <vector>

#include "hal/ixgbe/descriptors.hpp"
#include "hal/ixgbe/regs_pf.hpp"
#include "hal/sim/rss.hpp"

namespace pfr = hal::ixgbe::pf;
namespace rt = hal::ixgbe::rss_type;
using sim::Toeplitz;
using Bytes = std::vector<uint8_t>;

namespace {

constexpr int kKeys = 16;
constexpr int kTuplesPerKey = 400;

void put_be(Bytes& b, uint32_t v, unsigned bytes) {
  for (unsigned i = bytes; i-- > 0;) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

/// A random tuple in both forms: DPDK's words and the frame bytes the device parses.
struct Tuple {
  bool v6 = false;
  std::array<uint32_t, 4> src{}, dst{};  // IPv4 uses [0]
  uint16_t sport = 0, dport = 0;

  /// rte_softrss input: the address words, then sport << 16 | dport.
  std::vector<uint32_t> words(bool ports) const {
    std::vector<uint32_t> w;
    const unsigned n = v6 ? 4 : 1;
    w.insert(w.end(), src.begin(), src.begin() + n);
    w.insert(w.end(), dst.begin(), dst.begin() + n);
    if (ports) w.push_back(uint32_t{sport} << 16 | dport);
    return w;
  }
  /// The hash input in network byte order.
  Bytes input(bool ports) const {
    Bytes b;
    for (uint32_t w : words(ports)) put_be(b, w, 4);
    return b;
  }
  /// An Ethernet frame carrying it over TCP (optionally 802.1Q tagged).
  Bytes frame(bool tagged) const {
    Bytes b = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
    if (tagged) {
      put_be(b, 0x8100, 2);
      put_be(b, 0x0064, 2);
    }
    if (!v6) {
      put_be(b, 0x0800, 2);
      put_be(b, 0x45000028, 4);  // version 4, IHL 5, length 40
      put_be(b, 0, 4);           // id, no fragment
      put_be(b, 0x40060000, 4);  // TTL 64, TCP, checksum 0
      put_be(b, src[0], 4);
      put_be(b, dst[0], 4);
    } else {
      put_be(b, 0x86DD, 2);
      put_be(b, 0x60000000, 4);
      put_be(b, 0x00140640, 4);  // payload 20, next header TCP, hop limit 64
      for (uint32_t w : src) put_be(b, w, 4);
      for (uint32_t w : dst) put_be(b, w, 4);
    }
    put_be(b, sport, 2);
    put_be(b, dport, 2);
    b.resize(b.size() + 16, 0);
    return b;
  }
};

Tuple random_tuple(std::mt19937& rng, bool v6) {
  Tuple t;
  t.v6 = v6;
  for (auto& w : t.src) w = static_cast<uint32_t>(rng());
  for (auto& w : t.dst) w = static_cast<uint32_t>(rng());
  t.sport = static_cast<uint16_t>(rng());
  t.dport = static_cast<uint16_t>(rng());
  return t;
}

Toeplitz::Key random_key(std::mt19937& rng) {
  Toeplitz::Key k{};
  for (auto& b : k) b = static_cast<uint8_t>(rng());
  return k;
}

uint32_t dpdk_hash(const Tuple& t, bool ports, const Toeplitz::Key& key) {
  std::vector<uint32_t> w = t.words(ports);
  return rte_softrss(w.data(), static_cast<uint32_t>(w.size()), key.data());
}

}  // namespace

TEST_CASE("Toeplitz hash equals DPDK rte_softrss on random keys and tuples", "[rss][dpdk]") {
  std::mt19937 rng(82599);
  for (int k = 0; k < kKeys; ++k) {
    const Toeplitz::Key key = random_key(rng);
    const Toeplitz t(key);
    for (int n = 0; n < kTuplesPerKey; ++n) {
      const Tuple tu = random_tuple(rng, n % 2 == 1);
      for (bool ports : {false, true}) {
        INFO("key " << k << " tuple " << n << (tu.v6 ? " IPv6" : " IPv4")
                    << (ports ? " with ports" : ""));
        REQUIRE(t.hash(tu.input(ports)) == dpdk_hash(tu, ports, key));
      }
    }
  }
}

TEST_CASE("RSS of parsed frames equals DPDK rte_softrss of their tuples", "[rss][dpdk]") {
  std::mt19937 rng(10);
  for (int k = 0; k < 4; ++k) {
    const Toeplitz::Key key = random_key(rng);
    sim::RssRegisters regs;
    regs.mrqc = pfr::mrqc::kRss | pfr::mrqc::kRssFieldIpv4 | pfr::mrqc::kRssFieldIpv4Tcp |
                pfr::mrqc::kRssFieldIpv6 | pfr::mrqc::kRssFieldIpv6Tcp;
    for (unsigned i = 0; i < pfr::kNumRssrk; ++i) {
      regs.rssrk[i] = uint32_t{key[4 * i]} | uint32_t{key[4 * i + 1]} << 8 |
                      uint32_t{key[4 * i + 2]} << 16 | uint32_t{key[4 * i + 3]} << 24;
    }
    sim::RssState l4;
    l4.rebuild(regs);
    regs.mrqc = pfr::mrqc::kRss | pfr::mrqc::kRssFieldIpv4 | pfr::mrqc::kRssFieldIpv6;
    sim::RssState l3;
    l3.rebuild(regs);
    for (int n = 0; n < kTuplesPerKey; ++n) {
      const Tuple tu = random_tuple(rng, n % 2 == 1);
      const Bytes f = tu.frame(n % 4 >= 2);
      INFO("key " << k << " tuple " << n);
      const sim::RssHash a = l4.hash(f);
      REQUIRE(a.type == (tu.v6 ? rt::kIpv6Tcp : rt::kIpv4Tcp));
      REQUIRE(a.hash == dpdk_hash(tu, true, key));
      const sim::RssHash b = l3.hash(f);
      REQUIRE(b.type == (tu.v6 ? rt::kIpv6 : rt::kIpv4));
      REQUIRE(b.hash == dpdk_hash(tu, false, key));
    }
  }
}
