#include "fuzz/frame_shape.hpp"

#include <algorithm>
#include <array>
#include <cstddef>

namespace fuzz {
namespace {

const hal::MacAddr kBroadcast({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
const hal::MacAddr kMulticast({0x01, 0x00, 0x5E, 0x00, 0x00, 0x01});
const hal::MacAddr kUnknown({0x02, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE});

hal::MacAddr pick(const EngineRig& rig, unsigned self, unsigned kind, bool next) {
  const unsigned other = (self + 1 + (next ? 1 : 0)) % rig.num_vfs();
  switch (kind) {
    case 0: return EngineRig::vf_mac(other);
    case 1: return kBroadcast;
    case 2: return kMulticast;
    default: return kUnknown;
  }
}

size_t put_mac(std::span<uint8_t> out, size_t at, const hal::MacAddr& m) {
  std::copy(m.bytes().begin(), m.bytes().end(), out.begin() + static_cast<ptrdiff_t>(at));
  return at + 6;
}

size_t put16(std::span<uint8_t> out, size_t at, uint16_t v) {
  out[at] = static_cast<uint8_t>(v >> 8);  // network order
  out[at + 1] = static_cast<uint8_t>(v);
  return at + 2;
}

}  // namespace

size_t write_frame(const EngineRig& rig, unsigned self, uint8_t s, uint16_t vid, uint16_t len,
                   std::span<uint8_t> out) {
  const size_t header = (s & shape::kTagged) ? 18 : 14;
  if (out.size() < header) return 0;
  const size_t n = std::clamp<size_t>(len % (out.size() + 1), header, out.size());
  size_t at = put_mac(out, 0, pick(rig, self, s & shape::kDstMask, s & shape::kDstNext));
  switch ((s & shape::kSrcMask) >> shape::kSrcShift) {
    case 0: at = put_mac(out, at, EngineRig::vf_mac(self)); break;
    case 1: at = put_mac(out, at, EngineRig::vf_mac((self + 1) % rig.num_vfs())); break;
    case 2: at = put_mac(out, at, kUnknown); break;
    default: at = put_mac(out, at, kMulticast); break;
  }
  if (s & shape::kTagged) {
    at = put16(out, at, (s & shape::kOuterAd) ? 0x88A8 : 0x8100);
    at = put16(out, at, vid);
  }
  at = put16(out, at, (s & shape::kIpv4) ? 0x0800 : 0x88B5);
  for (size_t i = at; i < n; ++i) out[i] = static_cast<uint8_t>(i);
  return n;
}

}  // namespace fuzz
