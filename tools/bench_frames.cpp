#include "tools/bench_frames.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <rte_mempool.h>

#include "harness/apps/probe_frame.hpp"

namespace bench {

namespace {

/// The headers of flow `id`: source 10.16.0.0 + id (ids stay below 2^20, inside 10.16/12) and
/// UDP source port 1024 + id mod 64512, to 10.0.0.2 on the probe port.
std::expected<harness::apps::ProbeHeader, std::string> flow_header(const FrameSpec& s,
                                                                   unsigned id) {
  harness::apps::ProbeSpec p;
  p.dst = s.dst;
  p.src = s.src;
  p.src_ip =
      harness::apps::inet::Ipv4Addr({10, static_cast<uint8_t>(16 + (id >> 16)),
                                     static_cast<uint8_t>(id >> 8), static_cast<uint8_t>(id)});
  p.dst_ip = harness::apps::inet::Ipv4Addr({10, 0, 0, 2});
  p.flow = static_cast<uint16_t>(1024 + id % 64512);
  p.frame_len = s.size;
  return harness::apps::build_probe_header(p);
}

}  // namespace

std::expected<void, std::string> prefill_pool(rte_mempool* pool, const FrameSpec& spec) {
  std::vector<harness::apps::ProbeHeader> headers;
  for (unsigned f = 0; f < std::max(spec.flows, 1u); ++f) {
    auto h = flow_header(spec, spec.first_flow + f);
    if (!h) return std::unexpected(h.error());
    headers.push_back(*h);
  }
  std::vector<rte_mbuf*> all;
  for (rte_mbuf* m; (m = rte_pktmbuf_alloc(pool)) != nullptr;) all.push_back(m);
  std::string err;
  if (all.empty()) err = "the pool has no free mbuf";
  for (size_t i = 0; i < all.size() && err.empty(); ++i) {
    rte_mbuf* m = all[i];
    if (rte_pktmbuf_tailroom(m) < spec.size) {
      err = fmt::format("an mbuf holds {} bytes, not {}", rte_pktmbuf_tailroom(m), spec.size);
      break;
    }
    auto* p = rte_pktmbuf_mtod(m, uint8_t*);
    const harness::apps::ProbeHeader& h = headers[i % headers.size()];
    // The headers without the probe fields: the rest is a pattern nobody reads.
    std::copy_n(h.bytes.data(), h.seq_offset, p);
    for (unsigned k = h.seq_offset; k < spec.size; ++k) p[k] = static_cast<uint8_t>(k);
  }
  rte_pktmbuf_free_bulk(all.data(), static_cast<unsigned>(all.size()));
  if (!err.empty()) return std::unexpected(err);
  return {};
}

}  // namespace bench
