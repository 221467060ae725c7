#include "harness/wire/mbuf_copy.hpp"

#include <algorithm>
#include <cstring>

#include <rte_mbuf.h>

namespace harness {

rte_mbuf* mbuf_from_bytes(rte_mempool* pool, std::span<const uint8_t> bytes) {
  rte_mbuf* head = nullptr;
  rte_mbuf** link = &head;
  uint16_t segs = 0;
  size_t off = 0;
  do {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (m == nullptr) {
      rte_pktmbuf_free(head);  // follows next: the partial chain goes back whole
      return nullptr;
    }
    const auto chunk = static_cast<uint16_t>(std::min<size_t>(rte_pktmbuf_tailroom(m), bytes.size() - off));
    std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), bytes.data() + off, chunk);
    m->data_len = chunk;
    *link = m;
    link = &m->next;
    ++segs;
    off += chunk;
  } while (off < bytes.size());
  head->pkt_len = static_cast<uint32_t>(bytes.size());
  head->nb_segs = segs;
  return head;
}

void bytes_from_mbuf(const rte_mbuf* m, std::vector<uint8_t>& out) {
  out.resize(m->pkt_len);
  size_t off = 0;
  for (; m != nullptr && off < out.size(); m = m->next) {
    const size_t n = std::min<size_t>(m->data_len, out.size() - off);
    std::memcpy(out.data() + off, rte_pktmbuf_mtod(m, const uint8_t*), n);
    off += n;
  }
  // A chain shorter than its pkt_len says (a broken driver) leaves no stale bytes behind.
  out.resize(off);
}

}  // namespace harness
