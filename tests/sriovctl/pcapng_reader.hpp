#pragma once
// A small pcapng reader for the writer's tests: walks the blocks, checking each one's framing
// (both length fields equal, a multiple of 4, inside the file) before reading it.

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sctest {

struct PcapngBlock {
  uint32_t type = 0;
  std::vector<uint8_t> body;                         ///< between the two length fields
  std::map<uint16_t, std::vector<uint8_t>> options;  ///< by code (last wins)
};

inline uint32_t u32_at(const std::vector<uint8_t>& b, size_t at) {
  uint32_t v = 0;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}
inline uint16_t u16_at(const std::vector<uint8_t>& b, size_t at) {
  uint16_t v = 0;
  std::memcpy(&v, b.data() + at, 2);
  return v;
}

/// Parses options starting at `at` in `body`; false when one overruns or no end option is
/// found before the body ends (an empty option list is fine).
inline bool parse_options(PcapngBlock& blk, size_t at) {
  while (at + 4 <= blk.body.size()) {
    const uint16_t code = u16_at(blk.body, at);
    const uint16_t len = u16_at(blk.body, at + 2);
    if (code == 0) return len == 0 && at + 4 == blk.body.size();
    const size_t padded = (len + 3u) & ~3u;
    if (at + 4 + padded > blk.body.size()) return false;
    blk.options[code].assign(blk.body.begin() + at + 4, blk.body.begin() + at + 4 + len);
    at += 4 + padded;
  }
  return at == blk.body.size();
}

/// Every block of `path`, or an error text.
inline std::pair<std::vector<PcapngBlock>, std::string> read_pcapng(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> f((std::istreambuf_iterator<char>(in)), {});
  std::vector<PcapngBlock> out;
  size_t at = 0;
  while (at < f.size()) {
    if (f.size() - at < 12) return {out, "short block header at " + std::to_string(at)};
    const uint32_t type = u32_at(f, at);
    const uint32_t len = u32_at(f, at + 4);
    if (len < 12 || len % 4 != 0 || len > f.size() - at) {
      return {out, "bad block length " + std::to_string(len) + " at " + std::to_string(at)};
    }
    if (u32_at(f, at + len - 4) != len)
      return {out, "trailing length differs at " + std::to_string(at)};
    PcapngBlock b;
    b.type = type;
    b.body.assign(f.begin() + at + 8, f.begin() + at + len - 4);
    out.push_back(std::move(b));
    at += len;
  }
  return {out, ""};
}

}  // namespace sctest
