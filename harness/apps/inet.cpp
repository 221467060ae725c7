#include "harness/apps/inet.hpp"

#include <algorithm>

#include <rte_mbuf.h>

namespace harness::apps::inet {
namespace {

uint16_t fold(uint64_t s) {
  while ((s >> 16) != 0) s = (s & 0xFFFF) + (s >> 16);
  return static_cast<uint16_t>(s);
}

/// Adds `n` bytes to `s` as big-endian words; `odd` says the previous piece ended in the middle
/// of a word, so the first byte here is that word's low byte.
uint64_t add_bytes(uint64_t s, const uint8_t* p, size_t n, bool& odd) {
  size_t k = 0;
  if (odd && n > 0) {
    s += p[0];
    k = 1;
    odd = false;
  }
  for (; k + 1 < n; k += 2) s += uint32_t{p[k]} << 8 | p[k + 1];
  if (k < n) {
    s += uint32_t{p[k]} << 8;
    odd = true;
  }
  return s;
}

}  // namespace

std::optional<Ipv4Addr> Ipv4Addr::parse(std::string_view text) {
  std::array<uint8_t, 4> b{};
  size_t at = 0;
  for (unsigned i = 0; i < 4; ++i) {
    if (i > 0) {
      if (at >= text.size() || text[at] != '.') return std::nullopt;
      ++at;
    }
    const size_t start = at;
    unsigned v = 0;
    while (at < text.size() && at - start < 3 && text[at] >= '0' && text[at] <= '9') {
      v = v * 10 + static_cast<unsigned>(text[at] - '0');
      ++at;
    }
    // A leading zero reads as octal to inet_aton: refuse it rather than guess.
    if (at == start || v > 255 || (text[start] == '0' && at - start > 1)) return std::nullopt;
    b[i] = static_cast<uint8_t>(v);
  }
  if (at != text.size()) return std::nullopt;
  return Ipv4Addr(b);
}

std::string Ipv4Addr::to_string() const {
  return fmt::format("{}.{}.{}.{}", b_[0], b_[1], b_[2], b_[3]);
}

uint16_t ones_sum(const uint8_t* p, size_t len, uint32_t seed) {
  bool odd = false;
  return fold(add_bytes(seed, p, len, odd));
}

std::optional<uint16_t> ones_sum(const rte_mbuf* m, uint32_t off, uint32_t len) {
  if (uint64_t{off} + len > m->pkt_len) return std::nullopt;
  uint64_t s = 0;
  bool odd = false;
  for (; m != nullptr && len > 0; m = m->next) {
    if (off >= m->data_len) {
      off -= m->data_len;
      continue;
    }
    const uint32_t n = std::min<uint32_t>(m->data_len - off, len);
    s = add_bytes(s, rte_pktmbuf_mtod_offset(m, const uint8_t*, off), n, odd);
    off = 0;
    len -= n;
  }
  // pkt_len promised more than the segments hold: a broken chain, not a checksum.
  if (len > 0) return std::nullopt;
  return fold(s);
}

}  // namespace harness::apps::inet
