#pragma once
// Helpers for the guest-app tests: a stepped DatapathHost, a loop that alternates the apps'
// polls with engine passes, and mbufs built from and flattened to bytes.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <rte_mbuf.h>

#include "datapath/eal.hpp"
#include "harness/apps/burst_port.hpp"
#include "harness/datapath_host.hpp"

namespace appstest {

inline std::unique_ptr<harness::DatapathHost> make_host(unsigned vfs,
                                                        const harness::PortOptions& port = {}) {
  const auto& eal = dp::shared_eal();
  INFO((eal ? std::string() : fmt::format("{}", eal.error())));
  REQUIRE(eal.has_value());
  harness::DatapathHostOptions o;
  o.num_vfs = vfs;
  o.port = port;
  auto h = harness::DatapathHost::create(o);
  INFO((h ? std::string() : h.error()));
  REQUIRE(h.has_value());
  return std::move(*h);
}

inline harness::apps::BurstPort port(harness::DatapathHost& h, unsigned vf) {
  return harness::apps::burst_port(h.port(vf));
}

/// Rounds of: each poll in order, then one engine pass; until two rounds in a row move nothing.
/// Every poll returns the work it did. Bounded, so a stuck queue fails the test, not hangs it.
template <typename... Polls>
void run(harness::DatapathHost& h, Polls&&... polls) {
  unsigned idle = 0;
  for (unsigned rounds = 0; idle < 2; ++rounds) {
    REQUIRE(rounds < 100000);
    size_t moved = 0;
    ((moved += static_cast<size_t>(polls())), ...);
    moved += h.device().poll_once();
    idle = moved == 0 ? idle + 1 : 0;
  }
}

/// An mbuf chain from `mp` holding `bytes`, each segment filled up to the pool's data room.
inline rte_mbuf* make_mbuf(rte_mempool* mp, const std::vector<uint8_t>& bytes) {
  rte_mbuf* head = nullptr;
  size_t off = 0;
  do {
    rte_mbuf* m = rte_pktmbuf_alloc(mp);
    REQUIRE(m != nullptr);
    const size_t len = std::min<size_t>(rte_pktmbuf_tailroom(m), bytes.size() - off);
    char* p = rte_pktmbuf_append(m, static_cast<uint16_t>(len));
    REQUIRE(p != nullptr);
    std::memcpy(p, bytes.data() + off, len);
    off += len;
    if (head == nullptr) {
      head = m;
    } else {
      REQUIRE(rte_pktmbuf_chain(head, m) == 0);
    }
  } while (off < bytes.size());
  return head;
}

/// The bytes of a (possibly chained) mbuf.
inline std::vector<uint8_t> mbuf_bytes(const rte_mbuf* m) {
  std::vector<uint8_t> out;
  for (; m != nullptr; m = m->next) {
    const auto* p = rte_pktmbuf_mtod(m, const uint8_t*);
    out.insert(out.end(), p, p + m->data_len);
  }
  return out;
}

/// Sends each frame from VF `vf` (one tx_burst); all must be taken.
inline void send_frames(harness::DatapathHost& h, unsigned vf,
                        const std::vector<std::vector<uint8_t>>& frames) {
  std::vector<rte_mbuf*> pkts;
  for (const auto& f : frames) pkts.push_back(make_mbuf(h.port(vf).pool.get(), f));
  REQUIRE(h.port(vf).tx->tx_burst(pkts.data(), static_cast<uint16_t>(pkts.size())) == pkts.size());
}

/// Everything VF `vf` has received, flattened, the mbufs freed.
inline std::vector<std::vector<uint8_t>> receive_all(harness::DatapathHost& h, unsigned vf) {
  std::vector<std::vector<uint8_t>> out;
  rte_mbuf* b[harness::apps::kMaxBurst];
  for (uint16_t n; (n = h.port(vf).rx->rx_burst(b, harness::apps::kMaxBurst)) != 0;) {
    for (uint16_t i = 0; i < n; ++i) out.push_back(mbuf_bytes(b[i]));
    rte_pktmbuf_free_bulk(b, n);
  }
  return out;
}

inline void check_accounting(harness::DatapathHost& h) {
  const sim::Accounting a = h.device().accounting();
  INFO(a.summary());
  CHECK(a.check() == "");
}

}  // namespace appstest
