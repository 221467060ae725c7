#pragma once
// The frames sriov-bench sends: IPv4/UDP over Ethernet (harness::apps' probe headers), so the
// device's RSS hashes them, in `flows` flows per sender that differ in the IPv4 source address
// and the UDP source port. The PF's MRQC enables the IPv4 and TCP hash functions, not UDP
// (pf_driver/vt_mode.cpp, as Linux's default), so a UDP frame is hashed on its addresses: the
// varying source address is what spreads the flows over RSS queues.
//
// Each mbuf of a sender's pool is written once before the run (prefill_pool): a freed mbuf
// keeps its bytes, so the hot loop only allocates, sets lengths and sends.

#include <cstdint>
#include <cstring>
#include <expected>
#include <string>

#include <rte_mbuf.h>

#include "hal/types.hpp"

struct rte_mempool;

namespace bench {

struct FrameSpec {
  hal::MacAddr dst;
  hal::MacAddr src;
  /// L2 bytes without FCS (64..9000): the IPv4 and UDP lengths follow from it.
  unsigned size = 64;
  /// Flows in this pool: flow ids first_flow .. first_flow + flows - 1, one per mbuf in turn.
  unsigned flows = 1;
  /// Makes the flows of different senders distinct.
  unsigned first_flow = 0;
};

/// Writes `spec`'s frames into every mbuf `pool` has free now (mbufs held elsewhere, such as in
/// RX rings, are not touched). Errors (one line): the pool gave no mbuf, or an mbuf cannot hold
/// `size` bytes in one segment.
std::expected<void, std::string> prefill_pool(rte_mempool* pool, const FrameSpec& spec);

/// Overwrites the destination address of `n` prefilled frames (a sender whose bursts take turns
/// among several receivers).
inline void set_dst(rte_mbuf** pkts, unsigned n, const hal::MacAddr& dst) {
  for (unsigned k = 0; k < n; ++k)
    std::memcpy(rte_pktmbuf_mtod(pkts[k], uint8_t*), dst.bytes().data(), 6);
}

}  // namespace bench
