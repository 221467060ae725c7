#pragma once
// Copies between frames as byte spans (what the simulated device's wire carries) and DPDK
// mbufs (what ethdevs carry), chaining mbufs for frames longer than one data room.

#include <cstdint>
#include <span>
#include <vector>

struct rte_mbuf;
struct rte_mempool;

namespace harness {

/// `bytes` in an mbuf from `pool`, or a chain of them when it does not fit in one (pkt_len and
/// nb_segs set on the first). nullptr when the pool runs dry; nothing is held then.
/// Thread safety: as rte_pktmbuf_alloc on `pool`.
rte_mbuf* mbuf_from_bytes(rte_mempool* pool, std::span<const uint8_t> bytes);

/// The bytes of `m` and the segments chained to it, into `out` (resized to pkt_len, capacity
/// kept). Segments beyond pkt_len are ignored.
void bytes_from_mbuf(const rte_mbuf* m, std::vector<uint8_t>& out);

}  // namespace harness
