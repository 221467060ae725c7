#include "hal/sim/frame.hpp"

namespace sim {

namespace {
constexpr uint16_t be16(std::span<const uint8_t> b, size_t at) {
  return static_cast<uint16_t>(uint16_t{b[at]} << 8 | b[at + 1]);
}
constexpr Mac48 mac_at(std::span<const uint8_t> b, size_t at) {
  uint64_t v = 0;
  for (unsigned i = 0; i < 6; ++i) v |= uint64_t{b[at + i]} << (8 * i);
  return Mac48(v);
}
}  // namespace

std::string_view to_string(FrameError e) {
  switch (e) {
    case FrameError::kRunt: return "runt";
    case FrameError::kTruncatedTag: return "truncated_tag";
  }
  return "unknown";
}

std::expected<FrameView, FrameError> FrameView::parse(std::span<const uint8_t> bytes) {
  if (bytes.size() < kHeaderLen) return std::unexpected(FrameError::kRunt);
  FrameView f;
  f.bytes_ = bytes;
  f.dst_ = mac_at(bytes, 0);
  f.src_ = mac_at(bytes, 6);
  const uint16_t type = be16(bytes, 12);
  if (type != kTpid8021Q) {
    f.ethertype_ = type;
    return f;
  }
  // The tag is TPID (2 bytes, already read) + TCI (2) and the real ethertype (2) after it.
  if (bytes.size() < kHeaderLen + kTagLen) return std::unexpected(FrameError::kTruncatedTag);
  f.tagged_ = true;
  f.tag_ = VlanTag{be16(bytes, 14)};
  f.ethertype_ = be16(bytes, 16);
  return f;
}

}  // namespace sim
